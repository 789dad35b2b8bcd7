//! The documents' contents: what each must carry, laid out on A4.

use chrono::{NaiveDate, NaiveDateTime};
use counter_core::case::{Applicant, Case, DocKind, MaterialStatus, Person, TimeLimitKind};
use counter_core::ids::mask_id;
use counter_core::settings::PointSettings;
use counter_core::Catalog;

use crate::labels::{calendar_label, catalog_label};
use crate::layout::{Align, Column, Layout, MARGIN, PAGE_W};
use crate::{font, DocError};

/// Official documents write dates without leading zeros: 2027年1月11日 (GB/T 9704).
fn day(d: NaiveDate) -> String {
    d.format("%Y年%-m月%-d日").to_string()
}

pub(crate) fn time(t: NaiveDateTime) -> String {
    format!("{} {}", day(t.date()), t.format("%H:%M"))
}

fn date(t: NaiveDateTime) -> String {
    day(t.date())
}

fn person_line(p: &Person, masked: bool) -> String {
    let n = if masked {
        mask_id(&p.id_number)
    } else {
        p.id_number.clone()
    };
    format!("{}（{} {}）", p.name, p.id_type.label(), n)
}

fn applicant_fields(case: &Case, masked: bool) -> Vec<(&'static str, String)> {
    let mut f = Vec::new();
    match &case.applicant {
        Applicant::Person(p) => {
            f.push(("申请人", person_line(p, masked)));
            if let Some(ph) = &p.phone {
                f.push(("联系电话", ph.clone()));
            }
        }
        Applicant::Unit {
            name,
            credit_code,
            phone,
        } => {
            f.push((
                "申请单位",
                format!("{name}（统一社会信用代码 {credit_code}）"),
            ));
            if let Some(ph) = phone {
                f.push(("联系电话", ph.clone()));
            }
        }
    }
    if let Some(a) = &case.agent {
        f.push(("代理人", person_line(a, masked)));
    }
    f
}

/// Title block: office, title, document and case numbers, the QR code of the case number.
/// The two copies the rules require (the applicant's, with the ID number masked, and the
/// office's file copy), each starting on a clean page under its own head.
fn two_copies(
    l: &mut Layout,
    office: &PointSettings,
    kind: DocKind,
    number: &str,
    case: &Case,
    mut body: impl FnMut(&mut Layout, bool),
) {
    for (i, copy) in ["（申请人留存联）", "（受理机构存档联）"]
        .iter()
        .enumerate()
    {
        if i > 0 {
            l.new_section();
        }
        head(l, office, kind.title(), Some(copy), number, &case.case_no);
        body(l, i == 0);
    }
}

pub(crate) fn head(
    l: &mut Layout,
    office: &PointSettings,
    title: &str,
    copy: Option<&str>,
    number: &str,
    qr: &str,
) {
    l.qr(PAGE_W - MARGIN - 26.0, MARGIN - 4.0, 26.0, qr);
    l.para(
        MARGIN,
        PAGE_W - 2.0 * MARGIN,
        &office.name,
        11.0,
        Align::Center,
    );
    l.gap(1.0);
    l.title(title);
    if let Some(c) = copy {
        l.para(MARGIN, PAGE_W - 2.0 * MARGIN, c, 10.0, Align::Center);
    }
    l.para(
        MARGIN,
        PAGE_W - 2.0 * MARGIN - 30.0,
        &format!("编号：{number}"),
        10.0,
        Align::Left,
    );
    l.gap(3.0);
    l.set_running_head(&format!("{title}（续）  {number}"));
}

fn materials_received(case: &Case) -> Vec<Vec<String>> {
    case.checklist
        .iter()
        .enumerate()
        .filter_map(|(i, e)| match &e.status {
            MaterialStatus::Received {
                form,
                copies,
                option,
            } => Some(vec![
                (i + 1).to_string(),
                // Of an "A 或 B 或 C" line, the one actually handed over.
                option.clone().unwrap_or_else(|| e.material.name.clone()),
                form.label().to_string(),
                format!("{copies}份"),
            ]),
            MaterialStatus::Promised => Some(vec![
                (i + 1).to_string(),
                e.material.name.clone(),
                "告知承诺".into(),
                "—".into(),
            ]),
            MaterialStatus::Deferred { deadline } => Some(vec![
                (i + 1).to_string(),
                e.material.name.clone(),
                format!("容缺，{}前补交", day(*deadline)),
                "—".into(),
            ]),
            MaterialStatus::Missing => None,
        })
        .collect()
}

const RECEIVED_COLS: [Column; 4] = [
    Column {
        header: "序号",
        width: 14.0,
    },
    Column {
        header: "材料名称",
        width: 110.0,
    },
    Column {
        header: "形式",
        width: 36.0,
    },
    Column {
        header: "份数",
        width: 14.0,
    },
];

fn promise_fields(case: &Case) -> Vec<(&'static str, String)> {
    let Some(a) = &case.acceptance else {
        return Vec::new();
    };
    let kind = match a.kind {
        TimeLimitKind::Immediate => "即办件".to_string(),
        TimeLimitKind::WorkingDays => format!("承诺件（{}个工作日）", a.working_days.unwrap_or(0)),
        TimeLimitKind::Agreement => "按协议执行".to_string(),
        TimeLimitKind::NoPromise => "按所含各事项的办理时限".to_string(),
    };
    let mut f = vec![("受理时间", time(a.at)), ("办件类型", kind)];
    if let Some(d) = a.due {
        let mut due = day(d);
        if a.provisional {
            due.push_str(
                "（预计：所跨年度的节假日安排尚未公布，已扣除法定节假日，公布后以实际工作日为准）",
            );
        }
        f.push(("承诺办结日期", due));
        f.push((
            "节假日安排",
            format!(
                "按国务院办公厅公布的节假日安排计算工作日（日历版本 {}）",
                calendar_label(&a.calendar_version)
            ),
        ));
    }
    f
}

fn office_fields(office: &PointSettings, case: &Case) -> Vec<(&'static str, String)> {
    vec![
        ("受理机构", format!("{}（{}）", office.name, office.address)),
        (
            "经办人",
            format!("{}    咨询电话：{}", case.clerk, office.phone),
        ),
        (
            "查询方式",
            format!(
                "凭办件编号 {} 或扫描右上角二维码到窗口查询，或拨打咨询电话",
                case.case_no
            ),
        ),
        (
            "投诉监督",
            format!("投诉监督电话 {}", office.complaint_phone),
        ),
    ]
}

/// Seal area on the right, applicant signature on the left.
fn signatures(l: &mut Layout, left: &str) {
    signature_boxes(l, left, "受理机构（盖章）");
}

/// Two framed boxes side by side, each with a date line: who signs on the left and on the right.
pub(crate) fn signature_boxes(l: &mut Layout, left: &str, right: &str) {
    l.need(38.0);
    l.gap(4.0);
    let y = l.y;
    let w = (PAGE_W - 2.0 * MARGIN - 8.0) / 2.0;
    l.framed(MARGIN, y, w, 32.0, left);
    l.text_at(MARGIN + 2.5, y + 28.0, "日期：      年    月    日", 10.0);
    l.framed(MARGIN + w + 8.0, y, w, 32.0, right);
    l.text_at(
        MARGIN + w + 10.5,
        y + 28.0,
        "日期：      年    月    日",
        10.0,
    );
    l.y = y + 34.0;
}

fn footer(office: &PointSettings, case: &Case, catalog: &Catalog) -> String {
    format!(
        "{}  办件编号 {}  清单：{}",
        office.name,
        case.case_no,
        catalog_label(catalog)
    )
}

fn item_fields(case: &Case, catalog: &Catalog) -> Vec<(&'static str, String)> {
    vec![
        ("办件编号", case.case_no.clone()),
        (
            "申请事项",
            format!("{}（事项编码 {}）", case.item_name, case.item),
        ),
        ("清单版本", catalog_label(catalog)),
    ]
}

fn wrong_state(case: &Case, kind: DocKind) -> DocError {
    DocError::WrongState {
        case_no: case.case_no.clone(),
        state: case.state.label(),
        document: kind.title(),
    }
}

/// The document of `kind` for a decided case, as PDF bytes.
pub fn render(
    kind: DocKind,
    case: &Case,
    catalog: &Catalog,
    office: &PointSettings,
    now: NaiveDateTime,
) -> Result<Vec<u8>, DocError> {
    render_copy(kind, case, catalog, office, now, None)
}

/// `render`, for a document printed before (first at `first_printed`): every page then says
/// 补打 and when the original was printed, so a second receipt is never taken for a first.
pub fn render_copy(
    kind: DocKind,
    case: &Case,
    catalog: &Catalog,
    office: &PointSettings,
    now: NaiveDateTime,
    first_printed: Option<NaiveDateTime>,
) -> Result<Vec<u8>, DocError> {
    if !case.may_print(kind) {
        let accepted = case.may_print(DocKind::Receipt);
        return Err(if kind == DocKind::Deferral && accepted {
            DocError::NothingDeferred(case.case_no.clone())
        } else {
            wrong_state(case, kind)
        });
    }
    let number = format!("{}-{}", kind.prefix(), case.case_no);
    let mut l = Layout::new(font(), kind.title());
    if let Some(first) = first_printed {
        l.mark_every_page(&format!(
            "【补打】本文书首次打印于 {}，补打于 {}",
            time(first),
            time(now)
        ));
    }
    match kind {
        DocKind::Receipt => {
            two_copies(&mut l, office, kind, &number, case, |l, masked| {
                let mut f = item_fields(case, catalog);
                f.extend(applicant_fields(case, masked));
                f.extend(promise_fields(case));
                l.fields(&f, 10.5);
                l.gap(2.0);
                l.body("已收材料：", 10.5);
                l.table(&RECEIVED_COLS, &materials_received(case), 10.0);
                if let Some(to) = &case.assisted {
                    l.body(
                        &format!("本件为帮办代办：本网点代为受理，将上述纸质材料移交{to}办理，办理结果由本网点送达您。"),
                        10.5,
                    );
                }
                l.fields(&office_fields(office, case), 10.0);
                signatures(l, "申请人（代理人）签字");
            });
        }
        DocKind::Notice => {
            let notice = case.notice.as_ref().expect("checked above");
            head(&mut l, office, kind.title(), None, &number, &case.case_no);
            // Handed to the applicant only (the office keeps the case record): the ID
            // number masked, as on the receipt's applicant copy.
            let mut f = applicant_fields(case, true);
            f.extend(item_fields(case, catalog));
            f.push(("收件日期", date(case.opened_at)));
            f.push(("告知时间", time(notice.at)));
            l.fields(&f, 10.5);
            l.gap(2.0);
            let intro = match &notice.apply_to {
                Some(to) => format!(
                    "您申请办理的“{}”事项，本网点不能代为受理，请到{to}办理。现一次性告知您办理时需要携带的全部材料如下：",
                    case.item_name
                ),
                None => format!(
                    "您申请办理的“{}”事项，经审查，申请材料尚不齐全。现一次性告知您需要补齐的全部材料如下：",
                    case.item_name
                ),
            };
            l.body(&intro, 10.5);
            l.gap(1.0);
            let rows: Vec<Vec<String>> = notice
                .missing
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    let req = m.requirement();
                    vec![
                        (i + 1).to_string(),
                        m.name.clone(),
                        if req.is_empty() {
                            "按清单要求提供".into()
                        } else {
                            req
                        },
                    ]
                })
                .collect();
            l.table(
                &[
                    Column {
                        header: "序号",
                        width: 14.0,
                    },
                    Column {
                        header: if notice.apply_to.is_some() {
                            "需携带的材料"
                        } else {
                            "需补齐的材料"
                        },
                        width: 88.0,
                    },
                    Column {
                        header: "要求",
                        width: 72.0,
                    },
                ],
                &rows,
                10.0,
            );
            let online = catalog.case_item(&case.item).is_some_and(|i| {
                i.channels
                    .iter()
                    .any(|c| c == "线上办" || c.starts_with("线上"))
            });
            if let Some(to) = &notice.apply_to {
                l.body(
                    &format!(
                        "办理地点：{to}。请携带上述材料前往办理{}；可出示本告知书。",
                        if online {
                            "，也可通过线上渠道申请"
                        } else {
                            ""
                        },
                    ),
                    10.5,
                );
                l.body("本告知书依据办事指南列明本事项需要的全部材料。", 10.5);
            } else {
                l.body(
                    &format!(
                        "补齐方式：请携带上述材料到{}（{}）窗口补交{}；补交时请出示本告知书或告知办件编号 {}。",
                        office.name,
                        office.address,
                        if online { "，也可通过线上渠道提交" } else { "" },
                        case.case_no
                    ),
                    10.5,
                );
                l.body(
                    &match notice.bring_by {
                        Some(by) => format!("补交期限：请于{}前补交上述材料。", day(by)),
                        None => "补交期限：本网点对补交上述材料不设期限。".to_string(),
                    },
                    10.5,
                );
                l.body(
                    "上述材料补齐后，即予受理。本告知书所列为本事项需要补齐的全部材料，此后不再要求您补充本告知书未列明的材料。",
                    10.5,
                );
            }
            l.gap(2.0);
            l.fields(&office_fields(office, case), 10.0);
            signatures(&mut l, "申请人（代理人）签收");
        }
        DocKind::Refusal => {
            let r = case.refusal.as_ref().expect("refused");
            head(&mut l, office, kind.title(), None, &number, &case.case_no);
            // Handed to the applicant only (the office keeps the case record): the ID
            // number masked, as on the receipt's applicant copy.
            let mut f = applicant_fields(case, true);
            f.extend(item_fields(case, catalog));
            f.push(("申请日期", date(case.opened_at)));
            l.fields(&f, 10.5);
            l.gap(2.0);
            l.body(
                &format!(
                    "您于{}申请办理的“{}”事项，经审查，决定不予受理。",
                    date(case.opened_at),
                    case.item_name
                ),
                10.5,
            );
            l.body(&format!("理由：{}", r.reason), 10.5);
            if let Some(item) = catalog.case_item(&case.item) {
                if !item.basis.is_empty() {
                    l.body(&format!("事项设定依据：{}", item.basis.join("；")), 10.0);
                }
            }
            if let Some(to) = &r.apply_to {
                l.body(&format!("请向{to}申请办理。"), 10.5);
            }
            l.body(
                "如对本决定不服，可自收到本通知书之日起六十日内依法申请行政复议，或者在六个月内依法提起行政诉讼。",
                10.5,
            );
            l.gap(2.0);
            l.fields(
                &[
                    ("决定时间", time(r.at)),
                    (
                        "经办人",
                        format!("{}    咨询电话：{}", case.clerk, office.phone),
                    ),
                    (
                        "投诉监督",
                        format!("投诉监督电话 {}", office.complaint_phone),
                    ),
                ],
                10.0,
            );
            signatures(&mut l, "申请人（代理人）签收");
        }
        DocKind::Deferral => {
            let deferred: Vec<Vec<String>> = case
                .checklist
                .iter()
                .filter_map(|e| match e.status {
                    MaterialStatus::Deferred { deadline } => Some(vec![
                        e.material.name.clone(),
                        {
                            let r = e.material.requirement();
                            if r.is_empty() {
                                "原件".into()
                            } else {
                                r
                            }
                        },
                        format!("{}前", day(deadline)),
                        "逾期未补交的，终止办理".into(),
                    ]),
                    _ => None,
                })
                .collect();
            if deferred.is_empty() {
                return Err(DocError::NothingDeferred(case.case_no.clone()));
            }
            two_copies(&mut l, office, kind, &number, case, |l, masked| {
                let mut f = item_fields(case, catalog);
                f.extend(applicant_fields(case, masked));
                f.extend(promise_fields(case));
                l.fields(&f, 10.5);
                l.body("容缺补交的材料：", 10.5);
                l.table(
                    &[
                        Column {
                            header: "材料名称",
                            width: 64.0,
                        },
                        Column {
                            header: "形式要求",
                            width: 40.0,
                        },
                        Column {
                            header: "补交期限",
                            width: 36.0,
                        },
                        Column {
                            header: "逾期后果",
                            width: 34.0,
                        },
                    ],
                    &deferred,
                    10.0,
                );
                l.body("已收材料：", 10.5);
                l.table(&RECEIVED_COLS, &materials_received(case), 10.0);
                l.body(
                    "容缺受理承诺：本人承诺在上述期限内补交所列材料，并对所提交材料的真实性负责；逾期未补交的，同意终止办理。",
                    10.5,
                );
                l.fields(&office_fields(office, case), 10.0);
                signatures(l, "申请人（代理人）承诺签字");
            });
        }
        DocKind::Completion => {
            head(&mut l, office, kind.title(), None, &number, &case.case_no);
            let mut f = item_fields(case, catalog);
            f.extend(applicant_fields(case, true));
            f.push((
                "受理时间",
                case.acceptance
                    .as_ref()
                    .map(|a| time(a.at))
                    .unwrap_or_default(),
            ));
            f.push(("办结时间", case.completed_at.map(time).unwrap_or_default()));
            if let Some(by) = &case.completed_by {
                f.push(("办结人", by.clone()));
            }
            l.fields(&f, 10.5);
            let on_the_spot = case
                .acceptance
                .as_ref()
                .is_some_and(|a| a.kind == TimeLimitKind::Immediate);
            l.body(
                &if on_the_spot {
                    format!("您申请办理的“{}”事项已当场办结。", case.item_name)
                } else {
                    format!(
                        "您申请办理的“{}”事项已于{}办结。",
                        case.item_name,
                        case.completed_at.map(time).unwrap_or_default()
                    )
                },
                10.5,
            );
            l.body("已收材料：", 10.5);
            l.table(&RECEIVED_COLS, &materials_received(case), 10.0);
            l.fields(&office_fields(office, case), 10.0);
            signatures(&mut l, "申请人（代理人）签收");
        }
    }
    let _ = now;
    Ok(l.finish(&footer(office, case, catalog)))
}
