//! The 材料交接单 (hand-over sheet) of assisted service: the cases whose paper travels from a
//! point to the office that handles them, what each carries, and the signatures.

use chrono::NaiveDateTime;
use counter_core::case::Case;
use counter_core::ids::mask_id;
use counter_core::settings::PointSettings;

use crate::documents::{head, signature_boxes, time};
use crate::layout::{Column, Layout, MARGIN, PAGE_W};
use crate::{font, DocError};

/// A 材料交接单: the paper of accepted cases handed from this point to the handling office.
pub struct HandOverSheet<'a> {
    pub number: String,
    pub to_office: String,
    pub cases: &'a [Case],
    pub at: NaiveDateTime,
    pub clerk: String,
}

pub fn hand_over_sheet(h: &HandOverSheet, office: &PointSettings) -> Result<Vec<u8>, DocError> {
    if h.cases.is_empty() {
        return Err(DocError::NoCases);
    }
    for c in h.cases {
        if c.acceptance.is_none() {
            return Err(DocError::NotAccepted {
                case_no: c.case_no.clone(),
                state: c.state.label(),
            });
        }
    }
    let mut l = Layout::new(font(), "材料交接单");
    // Two copies, each on its own pages: the sending point keeps the 移交联 signed by the
    // receiver, the receiving office keeps the 接收联.
    for (i, copy) in ["（移交联）", "（接收联）"].iter().enumerate() {
        if i > 0 {
            l.new_section();
        }
        sheet_copy(&mut l, h, office, copy);
    }
    Ok(l.finish(&format!("{}  材料交接单 {}", office.name, h.number)))
}

/// One copy of the sheet: its head, the cases, the totals and the signatures.
fn sheet_copy(l: &mut Layout, h: &HandOverSheet, office: &PointSettings, copy: &str) {
    head(l, office, "材料交接单", Some(copy), &h.number, &h.number);
    l.fields(
        &[
            (
                "移交单位",
                format!("{}（网点 {}）", office.name, office.point),
            ),
            ("接收单位", h.to_office.clone()),
            ("移交时间", time(h.at)),
            ("办件数", format!("{}件", h.cases.len())),
        ],
        10.5,
    );
    l.gap(2.0);
    let mut total = 0u32;
    let rows: Vec<Vec<String>> = h
        .cases
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut pieces = 0;
            let materials: Vec<String> = c
                .received_materials()
                .map(|(e, form, copies, option)| {
                    pieces += copies;
                    // For an 'any of' material, the one actually in the envelope.
                    format!(
                        "{}（{}{}份）",
                        option.unwrap_or(&e.material.name),
                        form.label(),
                        copies
                    )
                })
                .collect();
            total += pieces;
            vec![
                (i + 1).to_string(),
                c.case_no.clone(),
                format!(
                    "{} {}",
                    c.applicant.name(),
                    mask_id(c.applicant.id_number())
                ),
                c.item_name.clone(),
                materials.join("；"),
                pieces.to_string(),
            ]
        })
        .collect();
    // A case number is never split across lines (the receiver reads and scans it).
    let number_width = h
        .cases
        .iter()
        .map(|c| font().width(&c.case_no, 9.5))
        .fold(34.0_f32, f32::max)
        + 4.0;
    l.table(
        &[
            Column {
                header: "序号",
                width: 9.0,
            },
            Column {
                header: "办件编号",
                width: number_width,
            },
            Column {
                header: "申请人",
                width: 33.0,
            },
            Column {
                header: "事项",
                width: 27.0,
            },
            Column {
                header: "纸质材料（形式、份数）",
                width: PAGE_W - 2.0 * MARGIN - 9.0 - 33.0 - 27.0 - 12.0 - number_width,
            },
            Column {
                header: "份数",
                width: 12.0,
            },
        ],
        &rows,
        9.5,
    );
    l.body(
        &format!("合计：{}件办件，纸质材料{}份。", h.cases.len(), total),
        10.5,
    );
    l.body(
        "接收单位请逐件核对材料，如有缺失或破损，请在备注中注明并签字确认。结果材料随本单复印件一并退回移交网点。",
        10.0,
    );
    signature_boxes(l, &format!("移交人：{}", h.clerk), "接收人（签字）及备注");
}
