//! Helpers shared by the cross-crate tests under `tests/`.

use std::path::PathBuf;

/// The repository root (where `catalogs/` lives).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The seed documents: `../shared/seeds` beside the repository, or `COUNTER_SEEDS`.
pub fn seeds_dir() -> PathBuf {
    std::env::var_os("COUNTER_SEEDS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/seeds"))
}
