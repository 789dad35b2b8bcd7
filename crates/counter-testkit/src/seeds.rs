//! The four official documents the catalogs come from (`../shared/seeds` beside the
//! repository, or `COUNTER_SEEDS`), and the folding that lets a catalog's text be found in
//! their OCR.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// The repository root (where `catalogs/` lives).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The seed documents: `../shared/seeds` beside the repository, or `COUNTER_SEEDS`.
pub fn seeds_dir() -> PathBuf {
    std::env::var_os("COUNTER_SEEDS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/seeds"))
}

/// The text of one seed document.
pub fn seed(name: &str) -> String {
    let path = seeds_dir().join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("read seed {} (set COUNTER_SEEDS): {e}", path.display()))
}

/// Folds the OCR's variations (spaces, full/half-width punctuation, quote styles) so the
/// catalog's text can be looked up in the seed.
pub fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !"“”\"'‘’".contains(*c))
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '，' => ',',
            '；' => ';',
            '：' => ':',
            '。' => '.',
            '、' => ',',
            '〔' | '［' => '[',
            '〕' | '］' => ']',
            c => c,
        })
        .collect()
}

/// The rows of a seed table, folded: each starts at a line holding an item code (`prefix` +
/// six digits) and runs to the next such line. Keyed by code.
pub fn seed_rows(text: &str, prefix: &str) -> BTreeMap<String, String> {
    let lines: Vec<&str> = text.lines().collect();
    // The first item code on the line (main-item codes end in Y and are skipped).
    let code_in = |l: &str| -> Option<String> {
        let l: String = l.chars().filter(|c| *c != ' ').collect();
        l.match_indices(prefix).find_map(|(i, _)| {
            let code: String = l[i..].chars().take(12).collect();
            (code.len() == 12 && code[6..].chars().all(|c| c.is_ascii_digit())).then_some(code)
        })
    };
    let starts: Vec<(usize, String)> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| code_in(l).map(|c| (i, c)))
        .collect();
    let mut rows = BTreeMap::new();
    for (k, (start, code)) in starts.iter().enumerate() {
        let end = starts.get(k + 1).map_or(lines.len(), |s| s.0);
        rows.insert(code.clone(), fold(&lines[*start..end].join("\n")));
    }
    rows
}
