use super::*;

const GOOD: &str = r#"
[catalog]
id = "t"
title = "测试清单"
issuer = "测试"
region = "000000"
edition = "1"
source = "x.txt"

[[mains]]
code = "00203600100Y"
name = "参保登记"

[[items]]
code = "002036001002"
main = "00203600100Y"
seq = 2
name = "职工参保登记"
steps = ["申请", "受理"]
time_limit_text = "在职职工不超过5个工作日；灵活就业人员即时办结"
time_limit = [
  { when = "人员类别 = 在职职工", working_days = 5 },
  { when = "人员类别 = 灵活就业人员", immediate = true },
]
[[items.situations]]
id = "人员类别"
question = "参保人员类别"
options = ["在职职工", "灵活就业人员"]
[[items.materials]]
any_of = ["医保电子凭证", "有效身份证件", "社保卡"]
[[items.materials]]
name = "登记表"
stamp = "单位公章"
when = "人员类别 = 在职职工"
"#;

fn load(text: &str) -> Result<Catalog, Vec<CatalogError>> {
    Catalog::from_toml("t.toml", text)
}

fn problems(text: &str) -> Vec<String> {
    load(text)
        .unwrap_err()
        .iter()
        .map(|e| e.to_string())
        .collect()
}

#[test]
fn a_good_file_loads() {
    let c = load(GOOD).unwrap();
    let item = c.item("002036001002").unwrap();
    assert_eq!(
        item.materials[0].display_name(),
        "医保电子凭证或有效身份证件或社保卡"
    );
    assert_eq!(
        item.time_limit[0].kind(),
        (TimeLimitKind::WorkingDays, Some(5))
    );
}

#[test]
fn a_missing_code_names_the_item_by_position_and_name() {
    let p = problems(&GOOD.replace("code = \"002036001002\"\n", ""));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].starts_with("t.toml: item items[0] (职工参保登记)"),
        "{p:?}"
    );
    assert!(p[0].contains("code"), "{p:?}");
}

#[test]
fn a_duplicate_code_is_refused() {
    let body = &GOOD[GOOD.find("[[items]]").unwrap()..];
    let p = problems(&format!("{GOOD}\n{body}"));
    assert!(
        p.iter()
            .any(|e| e == "t.toml: item 002036001002: field code: duplicate code 002036001002"),
        "{p:?}"
    );
}

#[test]
fn an_unknown_condition_names_item_field_and_situation() {
    let p = problems(&GOOD.replace(
        "when = \"人员类别 = 在职职工\"\n",
        "when = \"类别 = 在职职工\"\n",
    ));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].contains("item 002036001002"), "{p:?}");
    assert!(p[0].contains("materials[登记表].when"), "{p:?}");
    assert!(p[0].contains("未声明的情形“类别”"), "{p:?}");
    let p = problems(&GOOD.replace("人员类别 = 灵活就业人员\"", "人员类别 = 退休\""));
    assert!(p[0].contains("time_limit.when"), "{p:?}");
    assert!(p[0].contains("没有选项“退休”"), "{p:?}");
}

#[test]
fn a_bad_time_limit_is_refused() {
    for (from, to) in [
        ("working_days = 5 }", "working_days = 0 }"),
        ("working_days = 5 }", "working_days = 5, immediate = true }"),
        ("immediate = true }", "}"),
        (
            "{ when = \"人员类别 = 在职职工\", working_days = 5 }",
            "{ working_days = 5 }",
        ),
    ] {
        let p = problems(&GOOD.replace(from, to));
        assert!(
            p.iter()
                .any(|e| e.contains("item 002036001002") && e.contains("time_limit")),
            "{from} -> {to}: {p:?}"
        );
    }
    let p = problems(&GOOD.replace("working_days = 5", "working_days = \"五\""));
    assert!(p[0].contains("item 002036001002"), "{p:?}");
}

#[test]
fn unknown_fields_and_values_are_refused() {
    let p = problems(&GOOD.replace("stamp = ", "stmap = "));
    assert!(p[0].contains("stmap"), "{p:?}");
    let p = problems(&GOOD.replace("steps = [", "levels = [\"F\"]\nsteps = ["));
    assert!(p[0].contains("002036001002"), "{p:?}");
    let p = problems(&GOOD.replace("stamp = \"单位公章\"", "form = \"影印件\""));
    assert!(p[0].contains("影印件"), "{p:?}");
    let p = problems(&GOOD.replace("main = \"00203600100Y\"", "main = \"X\""));
    assert!(p[0].contains("main item X"), "{p:?}");
}

#[test]
fn broken_toml_is_a_syntax_error_with_the_file_name() {
    let p = problems("[catalog\nid = 1");
    assert!(p[0].starts_with("t.toml: not valid TOML"), "{p:?}");
}

#[test]
fn links_to_the_national_list_must_resolve() {
    let national = GOOD.replace("id = \"t\"", "id = \"national\"");
    let province = GOOD
        .replace("id = \"t\"", "id = \"p\"")
        .replace("seq = 2\n", "seq = 2\nnational = \"002036009999\"\n");
    let e = CatalogSet::from_texts(&[("n.toml", national.as_str()), ("p.toml", &province)])
        .unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!(
        e[0].to_string(),
        "p.toml: item 002036001002: field national: links to 002036009999, which no loaded catalog has"
    );
}
