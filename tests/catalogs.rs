//! Every catalog file in the repository validates, is built into the program, and the
//! national list says what the official document says.

use std::collections::BTreeSet;

use counter_core::{bundled, Calendar, CatalogSet};
use counter_testkit::seeds::{fold, repo_root, seed, seed_rows};

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

// --- Jiangsu 2024 and Zhenjiang 2025: reconstructed text must be explained ----------------

/// The document's words an item carries: name, limit, notes, basis, agreement, materials.
/// (Steps and situation questions are the catalog's own structure, not quoted text.)
fn item_words(item: &counter_core::catalog::Item) -> Vec<(&'static str, String)> {
    let mut w = vec![
        ("name", item.name.clone()),
        ("time_limit_text", item.time_limit_text.clone()),
    ];
    w.extend(item.notes.iter().map(|n| ("note", n.clone())));
    w.extend(item.basis.iter().map(|n| ("basis", n.clone())));
    w.extend(item.agreement.iter().map(|a| ("agreement", a.clone())));
    for m in &item.materials {
        match &m.name {
            Some(n) if m.any_of.is_empty() => w.push(("material", n.clone())),
            _ => w.extend(m.any_of.iter().map(|o| ("material option", o.clone()))),
        }
    }
    w
}

/// Each string must be found in one of `sources` or be quoted in the source_note; returns
/// the ones that are neither.
fn unexplained(
    code: &str,
    words: &[(&'static str, String)],
    sources: &[&str],
    source_note: Option<&str>,
) -> Vec<String> {
    let note = fold(source_note.unwrap_or(""));
    words
        .iter()
        .filter(|(_, s)| {
            let f = fold(s);
            !sources.iter().any(|src| src.contains(&f)) && !note.contains(&f)
        })
        .map(|(what, s)| format!("{code} {what}: {s}"))
        .collect()
}

/// For each Jiangsu item: its words are printed in its own rows (the rows of its main item,
/// whose merged cells print beside any one of them), in the national row it links to, or
/// quoted in its source_note with how they were reconstructed.
fn jiangsu_unexplained(js: &counter_core::Catalog) -> Vec<String> {
    let rows = seed_rows(&seed("000_b41f254667209e5a.txt"), "322036");
    let national_rows = seed_rows(&seed("001_fe9af092f737fd31.txt"), "002036");
    let mut missing = Vec::new();
    for item in &js.items {
        let mut sources: Vec<&str> = js
            .items
            .iter()
            .filter(|i| i.main == item.main)
            .filter_map(|i| rows.get(&i.code).map(String::as_str))
            .collect();
        if let Some(n) = item.national.as_ref().and_then(|n| national_rows.get(n)) {
            sources.push(n);
        }
        missing.extend(unexplained(
            &item.code,
            &item_words(item),
            &sources,
            item.source_note.as_deref(),
        ));
    }
    missing
}

#[test]
fn jiangsu_codes_match_the_seed_both_ways() {
    codes_match("jiangsu-2024", "000_b41f254667209e5a.txt", "322036", 12, 34);
}

#[test]
fn jiangsu_text_is_printed_beside_its_row_or_its_reconstruction_is_explained() {
    let js = catalog("jiangsu-2024");
    let missing = jiangsu_unexplained(&js);
    assert!(missing.is_empty(), "unexplained:\n{}", missing.join("\n"));
    // Main items print no code; their names are the seed's or the national list's.
    let text = fold(&seed("000_b41f254667209e5a.txt"));
    let national_text = fold(&seed("001_fe9af092f737fd31.txt"));
    for m in &js.mains {
        let f = fold(&m.name);
        assert!(
            text.contains(&f) || national_text.contains(&f),
            "main {}: {}",
            m.code,
            m.name
        );
    }
}

#[test]
fn the_jiangsu_check_catches_an_invented_material_and_an_unexplained_limit() {
    let mut js = catalog("jiangsu-2024");
    let outpatient = js
        .items
        .iter_mut()
        .find(|i| i.code == "322036066001")
        .unwrap();
    outpatient.materials[1].name = Some("单位介绍信原件".into());
    outpatient.time_limit_text = "不超过7个工作日".into();
    let missing = jiangsu_unexplained(&js);
    assert_eq!(
        missing,
        [
            "322036066001 time_limit_text: 不超过7个工作日",
            "322036066001 material: 单位介绍信原件"
        ]
    );
}

#[test]
fn jiangsu_items_link_to_the_national_list_where_it_has_the_item() {
    let js = catalog("jiangsu-2024");
    let nat = national();
    let unlinked: Vec<&str> = js
        .items
        .iter()
        .filter(|i| i.national.is_none())
        .map(|i| i.name.as_str())
        .collect();
    assert_eq!(
        unlinked,
        [
            "家庭共济账户绑定",
            "家庭共济账户解绑",
            "其他临时外出就医人员备案",
            "“双通道”管理及单独支付药品待遇认定",
            "一次性营养补助",
            "定点医药机构基本信息变更",
            "人员失能等级评估"
        ]
    );
    let mut linked = BTreeSet::new();
    for i in js.items.iter().filter_map(|i| i.national.as_deref()) {
        assert!(nat.item(i).is_some(), "{i}");
        assert!(linked.insert(i), "{i} linked twice");
    }
}

#[test]
fn the_jiangsu_footnote_rules_say_who_may_accept_what() {
    use counter_core::catalog::{Level, RuleKind};
    let js = catalog("jiangsu-2024");
    let assisted = |level: Level| -> Vec<String> {
        js.rules
            .iter()
            .find_map(|r| match &r.kind {
                RuleKind::AssistedAcceptance { level: l, items } if *l == level => Some(
                    items
                        .iter()
                        .map(|c| js.item(c).unwrap().name.clone())
                        .collect(),
                ),
                _ => None,
            })
            .unwrap_or_default()
    };
    assert_eq!(assisted(Level::D), ["门诊费用报销", "住院费用报销"]);
    let e = assisted(Level::E);
    assert_eq!(e.len(), 7, "{e:?}");
    assert!(
        e[..2].iter().all(|n| n.starts_with("家庭共济账户")),
        "{e:?}"
    );
    assert!(e[2..].iter().all(|n| n.ends_with("备案")), "{e:?}");
    let first = js.rules.iter().find_map(|r| match &r.kind {
        RuleKind::FirstReimbursement { items, materials } => Some((items, materials)),
        _ => None,
    });
    let (items, materials) = first.expect("first_reimbursement rule");
    assert!(items.iter().any(|c| c == "322036066002"));
    assert_eq!(materials[0].display_name(), "参保人银行账户信息");
    let footnote = fold(&seed("000_b41f254667209e5a.txt"));
    for r in &js.rules {
        assert!(footnote.contains(&fold(&r.text)), "rule text: {}", r.text);
    }
}

#[test]
fn zhenjiang_bundles_use_the_documents_words_or_explain_them() {
    let zj = catalog("zhenjiang-2025");
    assert_eq!(zj.bundles.len(), 15);
    assert_eq!(
        zj.bundles.iter().map(|b| b.seq).collect::<Vec<_>>(),
        (1..=15).collect::<Vec<_>>()
    );
    let text = fold(&seed("003_eaaaecf41bf176d2.txt"));
    let mut missing = Vec::new();
    for b in &zj.bundles {
        let mut words = vec![("name", b.name.clone())];
        words.extend(b.meaning.iter().map(|m| ("meaning", m.clone())));
        words.extend(
            b.time_limit_text
                .iter()
                .map(|t| ("time_limit_text", t.clone())),
        );
        words.extend(b.tips.iter().map(|t| ("tip", t.clone())));
        words.extend(b.agreement.iter().map(|a| ("agreement", a.clone())));
        for m in &b.materials {
            match &m.name {
                Some(n) if m.any_of.is_empty() => words.push(("material", n.clone())),
                _ => words.extend(m.any_of.iter().map(|o| ("material option", o.clone()))),
            }
        }
        missing.extend(unexplained(
            &b.code,
            &words,
            &[text.as_str()],
            b.source_note.as_deref(),
        ));
    }
    assert!(missing.is_empty(), "unexplained:\n{}", missing.join("\n"));
}

#[test]
fn zhenjiang_bundles_combine_jiangsu_items_and_carry_the_time_promises() {
    let zj = catalog("zhenjiang-2025");
    let js = catalog("jiangsu-2024");
    for b in &zj.bundles {
        for code in &b.items {
            assert!(
                js.item(code).is_some(),
                "{}: {code} is not a Jiangsu item",
                b.code
            );
        }
        let names: Vec<String> = b.materials.iter().map(|m| format!("{m:?}")).collect();
        let unique: BTreeSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "{}: duplicate material", b.code);
    }
    let by_name = |part: &str| zj.bundles.iter().find(|b| b.name.contains(part)).unwrap();
    let allowance = by_name("生育津贴");
    assert_eq!(allowance.time_limit[0].working_days, Some(10));
    assert_eq!(allowance.items, ["322036064004"]);
    let claims = by_name("零星报销");
    let small = claims
        .time_limit
        .iter()
        .find(|t| t.when.as_deref().is_some_and(|w| w.contains("1000元以下")))
        .expect("单次门诊1000元以下");
    assert_eq!(small.working_days, Some(5));
    assert!(claims.items.contains(&"322036066001".to_string()));
    let serves: BTreeSet<&str> = zj
        .bundles
        .iter()
        .flat_map(|b| b.serves.iter().map(String::as_str))
        .collect();
    assert_eq!(
        serves,
        BTreeSet::from(["参保人员", "用人单位", "医药企业", "定点医药机构"])
    );
}
