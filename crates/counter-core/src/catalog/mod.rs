//! The catalog model: editions, main items, items, materials, conditions, time limits, rules
//! and bundles, loaded from TOML text (format: `docs/catalog-format.md`) and validated.

mod checks;
mod error;
mod model;
mod parse;
mod set;

pub use error::{CatalogError, Problem};
pub use model::*;
pub use set::CatalogSet;

#[cfg(test)]
mod bundle_tests;
#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod tests;
