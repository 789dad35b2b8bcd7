//! Bundles (一件事) governed by an agreement carry it as items do.

use super::*;

const BUNDLE: &str = r#"
[catalog]
id = "b"
title = "一件事清单"
issuer = "测试"
region = "321100"
edition = "1"
source = "x.txt"

[[bundles]]
code = "ZJ-10"
seq = 10
name = "及时与定点医疗机构结算合规医疗费用"
serves = ["定点医药机构"]
channels = ["线上"]
time_limit_text = "每月25日前完成上月医疗费用结算支付工作"
time_limit = []
agreement = "根据定点医疗机构与经办机构签订的协议执行"
"#;

fn load(text: &str) -> Result<Catalog, Vec<CatalogError>> {
    Catalog::from_toml("b.toml", text)
}

#[test]
fn a_bundle_may_defer_to_an_agreement() {
    let c = load(BUNDLE).unwrap();
    let b = c.bundle("ZJ-10").unwrap();
    assert_eq!(
        b.agreement.as_deref(),
        Some("根据定点医疗机构与经办机构签订的协议执行")
    );
    assert!(b.materials.is_empty());
}

#[test]
fn the_bundle_seen_as_an_item_keeps_its_agreement() {
    let c = load(BUNDLE).unwrap();
    let item = c.case_item("ZJ-10").unwrap();
    assert_eq!(
        item.agreement.as_deref(),
        Some("根据定点医疗机构与经办机构签订的协议执行")
    );
    let without = load(&BUNDLE.replace("agreement = ", "# agreement = ")).unwrap();
    assert_eq!(without.case_item("ZJ-10").unwrap().agreement, None);
}

#[test]
fn a_blank_agreement_is_refused_on_bundles_and_items() {
    let e = load(&BUNDLE.replace(
        "agreement = \"根据定点医疗机构与经办机构签订的协议执行\"",
        "agreement = \" \"",
    ))
    .unwrap_err();
    assert_eq!(
        e.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
        ["b.toml: item ZJ-10: field agreement: required but missing or empty"]
    );
    let item = format!(
        "{BUNDLE}\n[[mains]]\ncode = \"M\"\nname = \"费用结算\"\n\n[[items]]\ncode = \"I1\"\nmain = \"M\"\nseq = 1\nname = \"结算\"\ntime_limit_text = \"20个工作日\"\ntime_limit = [{{ working_days = 20 }}]\nagreement = \"\"\n"
    );
    let e = load(&item).unwrap_err();
    assert!(
        e.iter()
            .any(|e| e.to_string()
                == "b.toml: item I1: field agreement: required but missing or empty"),
        "{e:?}"
    );
}

#[test]
fn an_agreement_must_be_text() {
    let e = load(&BUNDLE.replace(
        "agreement = \"根据定点医疗机构与经办机构签订的协议执行\"",
        "agreement = true",
    ))
    .unwrap_err();
    assert!(e[0].to_string().starts_with("b.toml: item ZJ-10:"), "{e:?}");
}
