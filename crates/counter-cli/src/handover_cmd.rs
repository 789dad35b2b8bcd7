//! `counter handover …`: hand-over sheets (材料交接单) between a point and the handling office.

use std::path::PathBuf;

use chrono::{NaiveDate, NaiveDateTime};
use clap::Subcommand;
use counter_core::office::Office;
use counter_core::Calendar;
use counter_store::{SheetRow, Store};

use crate::{print_json, CliError};

#[derive(Subcommand)]
pub enum HandoverCmd {
    /// 移交: puts accepted cases on a new sheet to the handling office; prints its number.
    Create {
        /// Case numbers, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        cases: Vec<String>,
        /// The receiving office's point code.
        #[arg(long)]
        to: String,
        /// Also write the sheet as a PDF to print.
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, env = "COUNTER_CLERK", default_value = "经办人")]
        clerk: String,
    },
    /// 接收: confirms the paper of a sheet (number typed or scanned) arrived.
    Receive {
        sheet_no: String,
        /// A material that did not arrive: CASE_NO:KEY (repeatable).
        #[arg(long)]
        missing: Vec<String>,
        /// A material that arrived damaged: CASE_NO:KEY (repeatable).
        #[arg(long)]
        damaged: Vec<String>,
        #[arg(long, env = "COUNTER_CLERK", default_value = "经办人")]
        clerk: String,
    },
    /// 撤回: takes back a sheet this point sent that nobody has received yet (a wrong office
    /// code; paper that never left).
    Recall {
        sheet_no: String,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long, env = "COUNTER_CLERK", default_value = "经办人")]
        clerk: String,
    },
    /// Sheets sent by this point or addressed to it, newest first.
    List {
        /// Only those not yet received.
        #[arg(long)]
        pending: bool,
        /// Only those sent but not received after this many working days.
        #[arg(long)]
        overdue_days: Option<u32>,
    },
}

/// Sheets not received `days` working days after they were sent.
fn overdue(rows: Vec<SheetRow>, days: u32, calendar: &Calendar, today: NaiveDate) -> Vec<SheetRow> {
    rows.into_iter()
        .filter(|r| r.received_at.is_none())
        .filter(|r| counter_core::custody::transit_overdue(r.sent_at.date(), days, calendar, today))
        .collect()
}

fn parse_notes(list: &[String], note: &str) -> Result<Vec<(String, String, String)>, CliError> {
    list.iter()
        .map(|s| match s.split_once(':') {
            Some((c, k)) if !c.trim().is_empty() && !k.trim().is_empty() => {
                Ok((c.trim().to_string(), k.trim().to_string(), note.to_string()))
            }
            _ => Err(CliError::Input(format!(
                "“{s}”格式不对，应为 办件编号:材料代号，例如 E01-20261123-0001:m2"
            ))),
        })
        .collect()
}

pub fn run(
    cmd: &HandoverCmd,
    store: &mut Store,
    office: &Office,
    calendar: &Calendar,
    now: NaiveDateTime,
    json: bool,
) -> Result<(), CliError> {
    match cmd {
        HandoverCmd::Create {
            cases,
            to,
            out,
            clerk,
        } => {
            let sent = store.hand_over(cases, &office.point, to.trim(), clerk, now)?;
            if let Some(out) = out {
                let pdf = crate::doc_cmd::sheet_pdf(store, &sent.sheet_no, office)?;
                if json {
                    std::fs::write(out, &pdf).map_err(|source| CliError::Write {
                        path: out.clone(),
                        source,
                    })?;
                } else {
                    crate::doc_cmd::write(out, &pdf)?;
                }
            }
            let cases: Vec<&str> = sent.cases.iter().map(|c| c.case_no.as_str()).collect();
            if json {
                return print_json(&serde_json::json!({
                    "sheet_no": sent.sheet_no,
                    "to": to.trim(),
                    "cases": cases,
                }));
            }
            println!(
                "交接单 {}：{} 件移交 {}（{}）",
                sent.sheet_no,
                cases.len(),
                to.trim(),
                cases.join("、")
            );
            println!("请同步，接收单位同步后即可扫码接收");
        }
        HandoverCmd::Receive {
            sheet_no,
            missing,
            damaged,
            clerk,
        } => {
            let mut notes = parse_notes(missing, "缺失")?;
            notes.extend(parse_notes(damaged, "破损")?);
            let cases = store.receive_sheet(sheet_no, &office.point, &notes, clerk, now)?;
            if json {
                return print_json(&serde_json::json!({
                    "sheet_no": sheet_no.trim(),
                    "cases": cases.iter().map(|c| &c.case_no).collect::<Vec<_>>(),
                    "notes": notes.iter().map(|(c, k, n)| serde_json::json!({"case_no": c, "key": k, "note": n})).collect::<Vec<_>>(),
                }));
            }
            println!("已接收交接单 {}：{} 件", sheet_no.trim(), cases.len());
            for (c, k, n) in &notes {
                println!("  {c} 材料 {k}：{n}");
            }
        }
        HandoverCmd::Recall {
            sheet_no,
            reason,
            clerk,
        } => {
            let cases =
                store.recall_sheet(sheet_no, &office.point, reason.as_deref(), clerk, now)?;
            let nos: Vec<&str> = cases.iter().map(|c| c.case_no.as_str()).collect();
            if json {
                return print_json(&serde_json::json!({
                    "sheet_no": sheet_no.trim(),
                    "cases": nos,
                }));
            }
            println!(
                "已撤回交接单 {}：{} 件材料仍由本网点保管（{}）",
                sheet_no.trim(),
                nos.len(),
                nos.join("、")
            );
        }
        HandoverCmd::List {
            pending,
            overdue_days,
        } => {
            let mut rows = store.sheets(&office.point, *pending || overdue_days.is_some())?;
            if let Some(days) = overdue_days {
                rows = overdue(rows, *days, calendar, now.date());
            }
            if json {
                return print_json(&rows);
            }
            if rows.is_empty() {
                println!("没有交接单");
            }
            for r in rows {
                println!(
                    "{}  {} → {}  {}件  移交 {}  {}",
                    r.sheet_no,
                    r.from,
                    r.to,
                    r.cases.len(),
                    r.sent_at.format("%Y-%m-%d %H:%M"),
                    match (&r.received_at, &r.recalled_at) {
                        (Some(at), _) => format!("已接收 {}", at.format("%Y-%m-%d %H:%M")),
                        (None, Some(at)) => format!("已撤回 {}", at.format("%Y-%m-%d %H:%M")),
                        _ if r.incoming => "待本网点接收".into(),
                        _ => "对方未接收".into(),
                    }
                );
            }
        }
    }
    Ok(())
}
