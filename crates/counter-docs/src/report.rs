//! The supervisor's figures as an Excel workbook: a sheet of figures and a sheet of the
//! period's cases, each headed with the office, the period, when it was made and by whom. ID numbers
//! are masked.

use counter_core::case::Case;
use counter_core::figures::{Count, Figures};
use counter_core::ids::mask_id;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

/// The workbook's bytes.
pub fn workbook(
    office: &str,
    figures: &Figures,
    cases: &[Case],
    made_at: &str,
    made_by: &str,
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let head = |sheet: &mut Worksheet, title: &str| -> Result<(), XlsxError> {
        sheet.write_string_with_format(0, 0, format!("{office} {title}"), &bold)?;
        sheet.write_string(
            1,
            0,
            format!("统计期间：{} 至 {}", figures.from, figures.to),
        )?;
        sheet.write_string(2, 0, format!("制表时间：{made_at}　制表人：{made_by}"))?;
        Ok(())
    };

    let sheet = book.add_worksheet().set_name("统计")?;
    head(sheet, "办件统计")?;
    let rows: [(&str, f64); 9] = [
        ("办件量", figures.cases.into()),
        ("受理", figures.accepted.into()),
        ("一次性告知", figures.notified.into()),
        ("不予受理", figures.refused.into()),
        ("办结", figures.completed.into()),
        ("撤回", figures.withdrawn.into()),
        ("超期", figures.overdue.into()),
        ("即将超期", figures.due_soon.into()),
        ("差评待回访", figures.follow_ups_open.into()),
    ];
    let mut r = 4;
    for (label, n) in rows {
        sheet.write_string(r, 0, label)?;
        sheet.write_number(r, 1, n)?;
        r += 1;
    }
    sheet.write_string(r, 0, "按时办结率")?;
    match figures.on_time_rate {
        Some(rate) => {
            sheet.write_number_with_format(r, 1, rate, &Format::new().set_num_format("0.0%"))?
        }
        None => sheet.write_string(r, 1, "—")?,
    };
    r += 2;
    for (title, list) in [
        ("按状态", &figures.by_state),
        ("按事项", &figures.by_item),
        ("按经办人", &figures.by_clerk),
        ("按网点", &figures.by_point),
        ("按日", &figures.by_day),
        ("好差评", &figures.ratings),
    ] {
        r = counts(sheet, r, title, list, &bold)?;
    }
    sheet.set_column_width(0, 40)?;

    let sheet = book.add_worksheet().set_name("办件")?;
    head(sheet, "办件清单")?;
    // The central console lists at most so many; the figures above count every case.
    if (figures.cases as usize) > cases.len() {
        sheet.write_string(
            3,
            0,
            format!(
                "本表列出前 {} 件，共 {} 件；其余请缩短统计期间或按网点导出",
                cases.len(),
                figures.cases
            ),
        )?;
    }
    for (c, h) in [
        "办件编号",
        "事项",
        "状态",
        "经办人",
        "受理日期",
        "办结期限",
        "证件号码",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(4, c as u16, *h, &bold)?;
    }
    for (i, case) in cases.iter().enumerate() {
        let row = 5 + i as u32;
        let cells = [
            case.case_no.clone(),
            case.item_name.clone(),
            case.state.label().to_string(),
            case.clerk.clone(),
            case.opened_at.date().to_string(),
            case.due().map(|d| d.to_string()).unwrap_or_default(),
            mask_id(case.applicant.id_number()),
        ];
        for (c, v) in cells.iter().enumerate() {
            sheet.write_string(row, c as u16, v)?;
        }
    }
    sheet.set_column_width(0, 24)?;
    sheet.set_column_width(1, 30)?;

    // The screen's two lists that are not the period's cases: what is late, and the 差评 due a
    // follow-up.
    let overdue: Vec<[String; 5]> = figures
        .overdue_cases
        .iter()
        .map(|c| {
            let due = c.due.clone().unwrap_or_default();
            [
                c.case_no.clone(),
                c.item_name.clone(),
                c.clerk.clone(),
                c.state.clone(),
                due,
            ]
        })
        .collect();
    let follow_ups: Vec<[String; 5]> = figures
        .follow_ups
        .iter()
        .map(|c| {
            let late = if c.late { "（已逾期）" } else { "" };
            let due = format!("{}{late}", c.due);
            [
                c.case_no.clone(),
                c.item_name.clone(),
                c.clerk.clone(),
                c.rating.clone(),
                due,
            ]
        })
        .collect();
    for (name, title, last, rows, count) in [
        (
            "超期",
            "超期办件",
            ["状态", "办结期限"],
            overdue,
            figures.overdue,
        ),
        (
            "差评回访",
            "差评待回访",
            ["评价", "回访期限"],
            follow_ups,
            figures.follow_ups_open,
        ),
    ] {
        let sheet = book.add_worksheet().set_name(name)?;
        head(sheet, title)?;
        if rows.len() < count as usize {
            let note = format!("本表列出前 {} 件，共 {count} 件", rows.len());
            sheet.write_string(3, 0, note)?;
        }
        let header = ["办件编号", "事项", "经办人", last[0], last[1]];
        for (c, h) in header.iter().enumerate() {
            sheet.write_string_with_format(4, c as u16, *h, &bold)?;
        }
        for (i, cells) in rows.iter().enumerate() {
            for (c, v) in cells.iter().enumerate() {
                sheet.write_string(5 + i as u32, c as u16, v)?;
            }
        }
        sheet.set_column_width(0, 24)?;
        sheet.set_column_width(1, 30)?;
    }
    book.save_to_buffer()
}

fn counts(
    sheet: &mut Worksheet,
    mut r: u32,
    title: &str,
    list: &[Count],
    bold: &Format,
) -> Result<u32, XlsxError> {
    sheet.write_string_with_format(r, 0, title, bold)?;
    r += 1;
    for c in list {
        sheet.write_string(r, 0, &c.label)?;
        sheet.write_number(r, 1, f64::from(c.count))?;
        r += 1;
    }
    Ok(r + 1)
}
