//! Every catalog file in the repository validates, is built into the program, and the
//! national list says what the official document says.

use std::collections::BTreeSet;

use counter_core::{bundled, Calendar, CatalogSet};
use counter_tests::{repo_root, seeds_dir};

fn repo_catalog_files() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(repo_root().join("catalogs"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter(|p| p.file_name().unwrap() != "calendar.toml")
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_catalog_file_in_the_repository_validates_together() {
    let files = repo_catalog_files();
    assert!(!files.is_empty());
    if let Err(errors) = CatalogSet::from_texts(&files) {
        panic!(
            "{}",
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    let calendar = std::fs::read_to_string(repo_root().join("catalogs/calendar.toml")).unwrap();
    Calendar::from_toml(&calendar).unwrap();
}

#[test]
fn every_catalog_file_is_built_into_the_program_unchanged() {
    let in_repo = repo_catalog_files();
    let built: Vec<(String, String)> = bundled::CATALOG_FILES
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    let mut built_sorted = built.clone();
    built_sorted.sort();
    assert_eq!(
        in_repo.iter().map(|f| &f.0).collect::<Vec<_>>(),
        built_sorted.iter().map(|f| &f.0).collect::<Vec<_>>(),
        "catalogs/ and counter_core::bundled::CATALOG_FILES list different files"
    );
    assert!(bundled::catalogs().is_ok());
}

#[test]
fn the_calendar_names_a_source_for_each_year_2024_to_2026() {
    let cal = bundled::calendar().unwrap();
    let years: Vec<(i32, &str)> = cal.years().collect();
    assert_eq!(
        years.iter().map(|y| y.0).collect::<Vec<_>>(),
        vec![2024, 2025, 2026]
    );
    assert!(years.iter().all(|(_, s)| s.contains("gov.cn")));
}

// --- fidelity of the national list to 001_fe9af092f737fd31.txt -------------------------------

fn seed(name: &str) -> String {
    let path = seeds_dir().join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("read seed {} (set COUNTER_SEEDS): {e}", path.display()))
}

/// Folds the OCR's variations (spaces, full/half-width punctuation, quote styles) so the
/// catalog's text can be looked up in the seed.
fn fold(s: &str) -> String {
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

fn catalog(id: &str) -> counter_core::Catalog {
    bundled::catalogs()
        .unwrap()
        .get(id)
        .unwrap_or_else(|| panic!("catalog {id}"))
        .clone()
}

fn national() -> counter_core::Catalog {
    catalog("national")
}

/// Every item code printed in the seed (`prefix` + 6 characters, OCR spaces removed) is in the
/// catalog, and the reverse; items are numbered 1..=n in order. Main codes count when the
/// seed prints them.
fn codes_match(id: &str, seed_file: &str, prefix: &str, mains: usize, items: usize) {
    let text: String = seed(seed_file).chars().filter(|c| *c != ' ').collect();
    let bytes = text.as_bytes();
    let mut in_seed = BTreeSet::new();
    for i in 0..bytes.len().saturating_sub(11) {
        let cand = &bytes[i..i + 12];
        if cand.starts_with(prefix.as_bytes())
            && cand[6..11].iter().all(u8::is_ascii_digit)
            && (cand[11].is_ascii_digit() || cand[11] == b'Y')
        {
            in_seed.insert(String::from_utf8(cand.to_vec()).unwrap());
        }
    }
    let c = catalog(id);
    let mut in_catalog: BTreeSet<String> = c.items.iter().map(|i| i.code.clone()).collect();
    in_catalog.extend(
        c.mains
            .iter()
            .filter(|m| text.contains(&m.code))
            .map(|m| m.code.clone()),
    );
    assert_eq!(in_seed, in_catalog, "{id}");
    assert_eq!(c.mains.len(), mains, "{id}");
    assert_eq!(c.items.len(), items, "{id}");
    let seqs: Vec<u32> = c.items.iter().map(|i| i.seq).collect();
    assert_eq!(seqs, (1..=items as u32).collect::<Vec<_>>(), "{id}");
}

/// Names, materials, limits, steps, notes and basis are the document's own words: each is
/// found in the seed once OCR spacing and punctuation variants are folded. A material the
/// document does not support fails here.
fn words_match(id: &str, seed_file: &str) {
    let text = fold(&seed(seed_file));
    let c = catalog(id);
    let mut missing = Vec::new();
    let mut check = |code: &str, what: &str, s: &str| {
        if !text.contains(&fold(s)) {
            missing.push(format!("{code} {what}: {s}"));
        }
    };
    for m in &c.mains {
        check(&m.code, "main name", &m.name);
    }
    for item in &c.items {
        let code = item.code.as_str();
        check(code, "name", &item.name);
        check(code, "time_limit_text", &item.time_limit_text);
        if !item.steps.is_empty() {
            check(code, "steps", &item.steps.join("—"));
        }
        for n in item.notes.iter().chain(&item.basis) {
            check(code, "note/basis", n);
        }
        if let Some(a) = &item.agreement {
            check(code, "agreement", a);
        }
        for m in &item.materials {
            match &m.name {
                Some(n) if m.any_of.is_empty() => check(code, "material", n),
                _ => {}
            }
            for o in &m.any_of {
                check(code, "material option", o);
            }
        }
        for t in &item.time_limit {
            if let Some(d) = t.working_days {
                assert!(
                    item.time_limit_text.contains(&format!("{d}个工作日")),
                    "{code}: {d} working days not in {:?}",
                    item.time_limit_text
                );
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{id}: not found in the seed:\n{}",
        missing.join("\n")
    );
}

#[test]
fn national_codes_match_the_seed_both_ways() {
    codes_match("national", "001_fe9af092f737fd31.txt", "002036", 10, 28);
}

#[test]
fn national_text_is_the_documents_words() {
    words_match("national", "001_fe9af092f737fd31.txt");
}

#[test]
fn jiangxi_codes_match_the_seed_both_ways() {
    codes_match("jiangxi-1.0", "002_b669cd41130aaabc.txt", "002036", 10, 30);
}

#[test]
fn jiangxi_text_is_the_documents_words() {
    words_match("jiangxi-1.0", "002_b669cd41130aaabc.txt");
}

#[test]
fn jiangxi_items_link_to_the_national_list_except_its_two_extra_records() {
    let jx = catalog("jiangxi-1.0");
    let unlinked: Vec<&str> = jx
        .items
        .iter()
        .filter(|i| i.national.is_none())
        .map(|i| i.name.as_str())
        .collect();
    assert_eq!(
        unlinked,
        [
            "基本医疗保险参保人员使用特殊药品待遇备案",
            "基本医疗保险参保人员意外伤害待遇备案"
        ]
    );
    let nat = national();
    for i in jx.items.iter().filter(|i| i.national.is_some()) {
        let n = nat.item(i.national.as_deref().unwrap()).unwrap();
        assert_eq!(n.code, i.code, "Jiangxi keeps the national codes");
    }
}

#[test]
fn the_catalog_wide_rules_of_the_national_list_are_present() {
    use counter_core::catalog::RuleKind;
    let c = national();
    let ids = c.rules.iter().find_map(|r| match &r.kind {
        RuleKind::ValidIdDocuments { documents } => Some(documents.clone()),
        _ => None,
    });
    let ids = ids.expect("valid_id_documents rule");
    for d in ["身份证", "居住证", "户口簿", "护照", "外国人永久居留证"] {
        assert!(ids.iter().any(|x| x == d), "{d} missing from {ids:?}");
    }
    let agent = c.rules.iter().find_map(|r| match &r.kind {
        RuleKind::Agent { materials } => Some(materials.clone()),
        _ => None,
    });
    let names: Vec<String> = agent
        .expect("agent rule")
        .iter()
        .map(|m| m.display_name())
        .collect();
    assert!(names.iter().any(|n| n.contains("授权委托书")), "{names:?}");
    assert!(names.iter().any(|n| n.contains("代理人")), "{names:?}");
}
