//! The defects an independent comparison of sampled items with the seed documents found,
//! each held against the seed's own words: the seed prints the fragment, the catalog carries
//! its reading, and the counter resolves it as the document says.

use counter_core::scope::Scope;
use std::collections::BTreeMap;

use counter_core::case::{required_materials, Case, CaseView, Form, OpenCase, TimeLimitKind};
use counter_core::catalog::Item;
use counter_core::view::EntryView;
use counter_core::{bundled, Catalog};
use counter_testkit::seeds::{fold, repo_root, seed, seed_rows};

const JIANGSU_SEED: &str = "000_b41f254667209e5a.txt";
const NATIONAL_SEED: &str = "001_fe9af092f737fd31.txt";
const ZHENJIANG_SEED: &str = "003_eaaaecf41bf176d2.txt";

/// A date-time for the case API, written as text (the root package does not name chrono).
macro_rules! at {
    ($s:literal) => {
        serde_json::from_str(concat!("\"", $s, "\"")).unwrap()
    };
}

fn catalog(id: &str) -> Catalog {
    bundled::catalogs()
        .unwrap()
        .get(id)
        .unwrap_or_else(|| panic!("catalog {id}"))
        .clone()
}

fn item<'a>(c: &'a Catalog, code: &str) -> &'a Item {
    c.item(code).unwrap_or_else(|| panic!("item {code}"))
}

fn jiangsu_row(code: &str) -> String {
    seed_rows(&seed(JIANGSU_SEED), "322036")
        .remove(code)
        .unwrap_or_else(|| panic!("seed row {code}"))
}

fn answers(list: &[(&str, &str)]) -> BTreeMap<String, String> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Opens a case for `code`, ticks every material and accepts it.
fn accepted(c: &Catalog, code: &str, list: &[(&str, &str)]) -> Case {
    let mut req = OpenCase::person(
        &c.header.id,
        code,
        "3211",
        "王芳",
        "张三",
        "11010519491231002X",
    );
    req.answers = answers(list);
    let (mut case, _) = Case::open(req, c, at!("2025-09-26T09:30:00")).unwrap();
    let keys: Vec<String> = case
        .checklist
        .iter()
        .map(|e| e.material.key.clone())
        .collect();
    for k in keys {
        case.tick(&k, Form::Original, 1, None, at!("2025-09-26T09:31:00"))
            .unwrap();
    }
    let cal = bundled::calendar().unwrap();
    case.accept(c, &cal, &Scope::Handles, at!("2025-09-26T09:32:00"))
        .unwrap();
    case
}

fn material_names(i: &Item) -> Vec<String> {
    i.materials.iter().map(|m| m.display_name()).collect()
}

// ── 双通道: 《…用药申请表》 ─────────────────────────────────────────────────────────────────

#[test]
fn the_dual_channel_form_is_the_application_form_the_seeds_print() {
    const FORM: &str = "《参保患者“双通道”管理及单独支付药品用药申请表》";
    // Row 19 keeps 「…管理药用…」 of the title; row 20's 备注4 its start; the Zhenjiang guide
    // prints the same 备注 whole.
    assert!(jiangsu_row("322036007003").contains("管理药用"));
    assert!(jiangsu_row("322036066001").contains(&fold("“双通道”管理及单独支付药品还须提供《参保")));
    let guide = fold(&seed(ZHENJIANG_SEED));
    let tip = "“双通道”管理及单独支付药品还须提供《参保患者“双通道”管理及单独支付药品用药申请表》";
    assert!(guide.contains(&fold(tip)));

    let js = catalog("jiangsu-2024");
    assert!(material_names(item(&js, "322036007003")).contains(&FORM.to_string()));
    let outpatient = item(&js, "322036066001");
    assert!(material_names(outpatient).contains(&FORM.to_string()));
    assert!(
        outpatient.notes.iter().any(|n| n == tip),
        "{:?}",
        outpatient.notes
    );
    let all = std::fs::read_to_string(repo_root().join("catalogs/jiangsu-2024.toml")).unwrap();
    assert!(!all.contains("待遇认定表"), "the unsupported title is gone");
}

// ── 转移接续: the one printed number is the 跨省 limit; the 省内 one is illegible ──────────────

/// The two columns of a cell printed two characters to a line.
fn columns(lines: &[&str]) -> (String, String) {
    let first = lines.iter().filter_map(|l| l.chars().next()).collect();
    let second = lines.iter().filter_map(|l| l.chars().nth(1)).collect();
    (first, second)
}

#[test]
fn the_transfer_limit_is_15_days_across_provinces_as_the_cell_prints() {
    let row = jiangsu_row("322036006002");
    let garbled = "省不过工日省超15工日内超个作跨不过个作";
    assert!(row.contains(garbled));
    // The column reading that rebuilds row 31 puts 15 on the 跨省 side: every piece of the
    // scan is a run of one of the columns of 省内/不超/过?/个工/作日/跨省/不超/过15/个工/作日.
    let row31 = "一变即办需现核的超个作般更时结要场实不5";
    assert!(fold(&seed(JIANGSU_SEED)).contains(&fold(row31)));
    let (province_first, province_second) = columns(&["省内", "不超", "过", "个工", "作日"]);
    let (cross_first, _) = columns(&["跨省", "不超", "过", "个工", "作日"]);
    assert_eq!(province_first, "省不过个作");
    assert_eq!(province_second, "内超工日");
    assert_eq!(cross_first, "跨不过个作");
    for piece in ["省不过", "工日", "内超", "个作", "跨不过个作"] {
        assert!(garbled.contains(piece), "{piece}");
    }
    // The 跨省 lines' second column, with the two digits of 过15: the number is 跨省's.
    assert!(garbled.contains("省超15工日"));
    // No second number survives for 省内.
    assert_eq!(garbled.matches(char::is_numeric).count(), 2);

    let js = catalog("jiangsu-2024");
    let transfer = item(&js, "322036006002");
    let limit = |scope: &str| {
        transfer
            .time_limit
            .iter()
            .find(|t| t.when.as_deref() == Some(&format!("转移范围 = {scope}")))
            .and_then(|t| t.working_days)
    };
    assert_eq!(limit("跨省"), Some(15), "the printed number");
    assert_eq!(
        limit("省内"),
        Some(15),
        "illegible: the 跨省 limit, said so"
    );
    assert!(transfer.time_limit_text.contains("跨省不超过15个工作日"));
    assert!(transfer.time_limit_text.contains("省内时限扫描件不清"));
    assert!(transfer
        .source_note
        .as_deref()
        .is_some_and(|n| n.contains("illegible")));
    // What the clerk sees and what the applicant is promised.
    let set = bundled::catalogs().unwrap();
    let Some(EntryView::Item(shown)) = set.show("322036006002", Some("jiangsu-2024")) else {
        panic!("322036006002");
    };
    assert!(shown.time_limit_text.contains("省内时限扫描件不清"));
    let case = accepted(&js, "322036006002", &[("转移范围", "跨省")]);
    assert_eq!(case.acceptance.as_ref().unwrap().working_days, Some(15));
    assert!(CaseView::new(&case, &js)
        .time_limit_text
        .contains("跨省不超过15个工作日"));
}

#[test]
fn the_transfer_note_keeps_the_surviving_end_of_the_remark() {
    let row = jiangsu_row("322036006002");
    assert!(row.contains(&fold("转出,生成《信息衣》")));
    assert!(row.contains(&fold("传至医保信息平台并划转资金")));
    let js = catalog("jiangsu-2024");
    let notes = &item(&js, "322036006002").notes;
    assert_eq!(
        notes,
        &["……基本医疗保险关系转出，生成《信息表》同步上传至医保信息平台并划转资金"]
    );
}

// ── 定点协议管理: the note split across rows 29 and 30 ────────────────────────────────────────

#[test]
fn both_agreement_rows_carry_the_note_whose_pieces_print_beside_rows_29_and_30() {
    let start = fold("后,统筹地区经办机构应按规定与医药机构协商");
    let end = fold("协议签订时限, 按照国家规定, 自申请之日起不超过90个自然日");
    assert!(jiangsu_row("322036004001").contains(&start));
    let row29 = jiangsu_row("322036004002");
    assert!(row29.contains(&fold("谈判, 近成一致")) && row29.contains(&end));

    let js = catalog("jiangsu-2024");
    for code in ["322036004002", "322036004001"] {
        let notes: Vec<String> = item(&js, code).notes.iter().map(|n| fold(n)).collect();
        assert_eq!(notes.len(), 1, "{code}: {notes:?}");
        assert!(notes[0].contains(&start), "{code}: {notes:?}");
        assert!(notes[0].contains(&fold("协商谈判,达成一致")), "{code}");
        assert!(notes[0].ends_with(&end), "{code}: {notes:?}");
    }
}

// ── 生育保险: 备注3 as the national 备注2 completes it ─────────────────────────────────────────

const BIRTH_NOTE: &str = "医疗保障经办业务平台如无法通过其他部门获得出生医学证明等，由办理人提供，无法提供的，需提供个人承诺书";

#[test]
fn the_maternity_rows_carry_the_cut_off_note_3() {
    assert!(jiangsu_row("322036064002")
        .contains(&fold("出院小结等; 医疗保障经办业务平台如无法通过其他部门")));
    assert!(!jiangsu_row("322036064002").contains("出生医学证明"));
    assert!(fold(&seed(NATIONAL_SEED)).contains(&fold(BIRTH_NOTE)));
    let js = catalog("jiangsu-2024");
    for code in [
        "322036064001",
        "322036064002",
        "322036064003",
        "322036064004",
    ] {
        assert_eq!(
            item(&js, code).notes.last().map(String::as_str),
            Some(BIRTH_NOTE),
            "{code}"
        );
    }
}

#[test]
fn a_birth_certificate_or_promise_is_asked_only_when_data_sharing_fails() {
    let js = catalog("jiangsu-2024");
    let claim = item(&js, "322036064002");
    let names = |list: &[(&str, &str)]| -> Vec<String> {
        required_materials(&js, claim, &answers(list), false)
            .into_iter()
            .map(|m| m.name)
            .collect()
    };
    assert!(!names(&[]).iter().any(|n| n.contains("出生医学证明")));
    let failing = names(&[("无法共享出生医学证明", "是")]);
    assert!(
        failing.contains(&"出生医学证明或个人承诺书".to_string()),
        "{failing:?}"
    );
    // The ordinary case needs no answer: the claim is accepted with 10 working days.
    let case = accepted(&js, "322036064002", &[]);
    assert_eq!(case.acceptance.unwrap().working_days, Some(10));
}

// ── 异地就医备案: the 不见面 limit of 备注1 ─────────────────────────────────────────────────

const FILINGS: [&str; 5] = [
    "322036013001",
    "322036013004",
    "322036013002",
    "322036013003",
    "322036013008",
];

#[test]
fn a_filing_made_without_meeting_is_due_in_two_working_days() {
    const NOTE: &str =
        "所有地区参保人员可通过网上、APP等“不见面”备案，原则上参保地经办机构应在2个工作日内办结";
    assert!(jiangsu_row("322036013004").contains(&fold(NOTE)));
    let js = catalog("jiangsu-2024");
    for code in FILINGS {
        let filing = item(&js, code);
        assert!(
            filing.notes.iter().any(|n| n == NOTE),
            "{code}: note as printed"
        );
        assert!(filing.time_limit_text.starts_with("即时办结"), "{code}");
        assert!(filing.time_limit_text.contains("2个工作日"), "{code}");
        assert!(filing.time_limit.iter().all(|t| t.when.is_some()), "{code}");

        let remote = accepted(&js, code, &[("不见面备案", "是")]);
        let a = remote.acceptance.as_ref().unwrap();
        assert_eq!(
            (a.kind, a.working_days),
            (TimeLimitKind::WorkingDays, Some(2)),
            "{code}"
        );
        assert!(remote.due().is_some(), "{code}");

        // At the counter nobody needs to answer: the 办理时限 column's 即时办结 applies.
        let counter = accepted(&js, code, &[]);
        assert_eq!(
            counter.acceptance.unwrap().kind,
            TimeLimitKind::Immediate,
            "{code}"
        );
        let asked = accepted(&js, code, &[("不见面备案", "否")]);
        assert_eq!(
            asked.acceptance.unwrap().kind,
            TimeLimitKind::Immediate,
            "{code}"
        );
    }
}

// ── 一件事 governed by an agreement ──────────────────────────────────────────────────────────

#[test]
fn the_settlement_bundles_carry_the_agreement_the_guide_prints() {
    const AGREEMENT: &str = "根据定点医疗机构与经办机构签订的协议执行";
    let guide = seed(ZHENJIANG_SEED);
    assert!(guide.contains("◆申请材料\n\n根据定点医疗机构与经办机构签订的协议执行"));
    assert!(guide.contains("◆办理材料\n\n根据定点医疗机构与经办机构签订的协议执行"));
    let zj = catalog("zhenjiang-2025");
    for code in ["ZJ2025-10", "ZJ2025-14"] {
        let b = zj.bundle(code).unwrap();
        assert_eq!(b.agreement.as_deref(), Some(AGREEMENT), "{code}");
        assert!(b.materials.is_empty(), "{code}: no material is invented");
        let as_item = zj.case_item(code).unwrap();
        assert_eq!(as_item.agreement.as_deref(), Some(AGREEMENT), "{code}");
        // The bundle promises no working days (每月25日前…): the case is 按协议执行, as an
        // item that defers to an agreement with no limit of its own would be.
        let case = accepted(&zj, code, &[]);
        assert_eq!(
            case.acceptance.unwrap().kind,
            TimeLimitKind::Agreement,
            "{code}"
        );
    }
    let others: Vec<&str> = zj
        .bundles
        .iter()
        .filter(|b| b.agreement.is_some())
        .map(|b| b.code.as_str())
        .collect();
    assert_eq!(others, ["ZJ2025-10", "ZJ2025-14"]);
}

// ── National 门诊费用报销: the copy is of the proof, not of the promise ─────────────────────────

#[test]
fn the_outpatient_accident_proof_is_a_copy_and_the_promise_is_filled_in() {
    let printed = "意外伤害就医的应提供交警事故认定书、法院判决书、调解协议书等公检法部门出具的相关证明材料复印件一份，无法提供的应填写个人承诺书";
    assert!(fold(&seed(NATIONAL_SEED)).contains(&fold(printed)));
    let n = catalog("national");
    let claim = item(&n, "002036006001");
    assert!(claim.notes.iter().any(|x| x == printed));
    let required = |list: &[(&str, &str)]| required_materials(&n, claim, &answers(list), false);

    let proof = required(&[("意外伤害", "是")]);
    let copy = proof
        .iter()
        .find(|m| m.name == "意外伤害相关证明材料")
        .unwrap();
    assert_eq!(copy.any_of, ["交警事故认定书", "法院判决书", "调解协议书"]);
    assert_eq!(
        (copy.form.as_deref(), copy.copies),
        (Some("复印件"), Some(1))
    );
    assert!(!proof.iter().any(|m| m.name.contains("承诺书")));

    let promise = required(&[("意外伤害", "是"), ("无法提供证明", "是")]);
    let letter = promise.iter().find(|m| m.name == "个人承诺书").unwrap();
    assert_eq!(letter.form, None);
    assert!(!promise.iter().any(|m| m.name == "意外伤害相关证明材料"));
    assert!(!required(&[]).iter().any(|m| m.name.contains("意外伤害")));
}

#[test]
fn no_promise_letter_in_any_catalog_is_asked_for_as_a_copy() {
    let set = bundled::catalogs().unwrap();
    let mut wrong = Vec::new();
    for c in &set.catalogs {
        let lists = c
            .items
            .iter()
            .map(|i| (i.code.as_str(), &i.materials))
            .chain(c.bundles.iter().map(|b| (b.code.as_str(), &b.materials)));
        for (code, materials) in lists {
            for m in materials {
                let promise = m.any_of.iter().any(|o| o.contains("承诺书"))
                    || (m.any_of.is_empty() && m.display_name().contains("承诺书"));
                if promise && m.form.as_deref().is_some_and(|f| f.contains("复印件")) {
                    wrong.push(format!("{} {code}: {}", c.header.id, m.display_name()));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:?}");
}

// ── 办理渠道: the ticks of the Jiangsu table ─────────────────────────────────────────────────

/// The channels each Jiangsu row ticks, read from the seed's tab-separated columns (窗口办,
/// 线上办, 医院办, 自助办 after 办理层级; the OCR prints a tick as √, V, ٧ or 1). Rows whose
/// cells the OCR ran together are returned with `None`.
fn seed_ticks() -> BTreeMap<String, Option<Vec<&'static str>>> {
    const CHANNELS: [&str; 4] = ["窗口办", "线上办", "医院办", "自助办"];
    let mut out = BTreeMap::new();
    for line in seed(JIANGSU_SEED).lines() {
        let cells: Vec<&str> = line.split('\t').collect();
        let Some(code) = cells
            .get(3)
            .map(|c| c.replace(' ', ""))
            .filter(|c| c.len() == 12 && c.starts_with("322036"))
        else {
            continue;
        };
        let level = cells.get(6).map(|c| c.trim()).unwrap_or("");
        // Letters (the OCR mixes Latin and Cyrillic), commas and 、 — no other CJK text.
        let is_level = !level.is_empty()
            && level.chars().count() < 12
            && level.chars().all(|ch| ch == '、' || (ch as u32) < 0x2000);
        let ticks = is_level.then(|| {
            CHANNELS
                .iter()
                .enumerate()
                .filter(|(k, _)| cells.get(7 + k).is_some_and(|c| !c.trim().is_empty()))
                .map(|(_, name)| *name)
                .collect()
        });
        out.insert(code, ticks);
    }
    out
}

#[test]
fn jiangsu_channels_are_the_ticks_the_seed_prints() {
    let ticks = seed_ticks();
    let js = catalog("jiangsu-2024");
    assert_eq!(ticks.len(), js.items.len());
    for i in &js.items {
        match &ticks[&i.code] {
            Some(t) => assert_eq!(&i.channels, t, "{}", i.code),
            None => {
                // Row 33: 「…协议执行 公共服务 B、C √ √ 1」 — the reading is explained.
                assert_eq!(i.code, "322036002001");
                assert!(jiangsu_row(&i.code).contains(&fold("公共服务 B、C √ √ 1")));
                assert_eq!(i.channels, ["窗口办", "线上办"]);
                let note = i.source_note.as_deref().unwrap_or("");
                assert!(note.contains("√ √ 1") && note.contains("窗口办"), "{note}");
            }
        }
    }
    // Rows 1, 3 and 13 tick no 窗口办.
    for code in ["322036008011", "322036008002", "322036013001"] {
        let t = ticks[code].as_ref().unwrap();
        assert!(!t.contains(&"窗口办"), "{code}: {t:?}");
    }
}

#[test]
fn these_items_carry_no_window_tick() {
    let js = catalog("jiangsu-2024");
    let lacking: Vec<&str> = js
        .items
        .iter()
        .filter(|i| !i.channels.iter().any(|c| c == "窗口办"))
        .map(|i| i.code.as_str())
        .collect();
    assert_eq!(
        lacking,
        [
            "322036008011", // 1 单位参保登记: 线上办
            "322036008002", // 3 城乡居民参保登记: 线上办
            "322036065004", // 7 参保单位参保信息查询: 线上办, 自助办
            "322036013001", // 13 异地安置退休人员备案: 线上办, 自助办
            "322036007001", // 18 门诊慢特病病种待遇认定: 线上办, 医院办
        ]
    );
    // The national and Jiangxi lists print no 办理渠道 column: no item names a channel.
    for id in ["national", "jiangxi-1.0"] {
        assert!(
            catalog(id).items.iter().all(|i| i.channels.is_empty()),
            "{id}"
        );
    }
}

// ── the remaining points of the second comparison (issue 25 B2–B4) ─────────────────────────

const JIANGXI_SEED: &str = "002_b669cd41130aaabc.txt";

#[test]
fn the_chronic_disease_remark_keeps_its_cut_off_point_2() {
    let row = jiangsu_row("322036007001");
    assert!(row.contains(&fold("2、参保人员通过线上申请的,原则上参保地经")));
    let js = catalog("jiangsu-2024");
    let it = item(&js, "322036007001");
    assert_eq!(it.notes, ["……2、参保人员通过线上申请的，原则上参保地经……"]);
    assert!(it
        .source_note
        .as_deref()
        .is_some_and(|n| n.contains("illegible")));
}

#[test]
fn the_referral_filing_carries_the_emergency_remarks_it_applies() {
    let printed = fold(&seed(JIANGXI_SEED));
    let jx = catalog("jiangxi-1.0");
    let referral = item(&jx, "002036004004");
    for n in [
        "异地转诊人员备案包括异地急诊备案，需提供急诊诊断证明材料",
        "异地急诊入院需提供急诊诊断证明材料",
    ] {
        assert!(printed.contains(&fold(n)), "{n}");
        assert!(
            referral.notes.iter().any(|x| x == n),
            "{:?}",
            referral.notes
        );
    }
    // The material the remarks ask for is asked for an emergency.
    let asked = required_materials(&jx, referral, &answers(&[("转诊类型", "异地急诊")]), false);
    assert!(
        asked.iter().any(|m| m.name == "急诊诊断证明材料"),
        "{asked:?}"
    );
}

#[test]
fn a_targeted_drug_prescription_for_an_outpatient_claim_carries_the_hospital_seal() {
    const SEAL: &str = "医院医务处或医保分中心公章";
    // Tip （七）3 of the guide: both papers of an outpatient claim are sealed.
    let printed = fold(&seed(ZHENJIANG_SEED));
    assert!(printed.contains(&fold("外购处方和诊疗证明均需加盖医院医务处或医保分中心公")));
    let zj = catalog("zhenjiang-2025");
    let bundle = zj.case_item("ZJ2025-11").unwrap();
    let asked = |claim: &str| {
        required_materials(
            &zj,
            &bundle,
            &answers(&[("报销类型", claim), ("外购药", "靶向药")]),
            false,
        )
    };
    let outpatient = asked("门诊费用");
    let prescriptions: Vec<_> = outpatient.iter().filter(|m| m.name == "外购处方").collect();
    assert_eq!(prescriptions.len(), 1, "{outpatient:?}");
    assert_eq!(prescriptions[0].stamp.as_deref(), Some(SEAL));
    assert_eq!(prescriptions[0].issuer.as_deref(), Some("相关专科主任"));
    assert!(outpatient
        .iter()
        .any(|m| m.name == "诊疗证明" && m.stamp.as_deref() == Some(SEAL)));
    // For an inpatient claim the prescription is the 专科主任's, with no seal asked.
    let inpatient = asked("住院费用");
    let p: Vec<_> = inpatient.iter().filter(|m| m.name == "外购处方").collect();
    assert_eq!(p.len(), 1, "{inpatient:?}");
    assert_eq!(p[0].stamp, None);
}
