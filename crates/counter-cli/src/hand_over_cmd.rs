//! `counter handover …`: hand-over sheets (材料交接单) between a point and the handling office.

use std::path::PathBuf;

use clap::Subcommand;
use counter_desk::{ReceiptNote, Workstation};

use crate::{print_json, CliError};

#[derive(Subcommand)]
pub enum HandOverCmd {
    /// 移交: puts accepted cases on a new sheet to the handling office; prints its number.
    Create {
        /// Case numbers, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        cases: Vec<String>,
        /// The receiving office's point code (one registered above this point in its settings).
        #[arg(long)]
        to: String,
        /// Send to an office not registered above this point (checked by nobody offline).
        #[arg(long)]
        unregistered: bool,
        /// Also write the sheet as a PDF to print.
        #[arg(long)]
        out: Option<PathBuf>,
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
    },
    /// 撤回: takes back a sheet this point sent that nobody has received yet (a wrong office
    /// code; paper that never left).
    Recall {
        sheet_no: String,
        #[arg(long)]
        reason: Option<String>,
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

fn parse_notes(list: &[String], note: &str) -> Result<Vec<ReceiptNote>, CliError> {
    list.iter()
        .map(|s| match s.split_once(':') {
            Some((c, k)) if !c.trim().is_empty() && !k.trim().is_empty() => Ok(ReceiptNote {
                case_no: c.trim().to_string(),
                key: k.trim().to_string(),
                note: note.to_string(),
            }),
            _ => Err(CliError::Input(format!(
                "“{s}”格式不对，应为 办件编号:材料代号，例如 E01-20261123-0001:m2"
            ))),
        })
        .collect()
}

pub fn run(cmd: &HandOverCmd, ws: &mut Workstation, json: bool) -> Result<(), CliError> {
    match cmd {
        HandOverCmd::Create {
            cases,
            to,
            unregistered,
            out,
        } => {
            let sent = ws.hand_over_sheet(cases, to, *unregistered)?;
            if let Some(out) = out {
                let pdf = ws.sheet_pdf(&sent.sheet_no)?;
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
        HandOverCmd::Receive {
            sheet_no,
            missing,
            damaged,
        } => {
            let mut notes = parse_notes(missing, "缺失")?;
            notes.extend(parse_notes(damaged, "破损")?);
            let sheet = ws.receive_sheet(sheet_no, notes.clone())?;
            let cases: Vec<&str> = sheet.sheet.cases.iter().map(String::as_str).collect();
            if json {
                return print_json(&serde_json::json!({
                    "sheet_no": sheet_no.trim(),
                    "cases": cases,
                    "notes": notes.iter().map(|n| serde_json::json!({"case_no": n.case_no, "key": n.key, "note": n.note})).collect::<Vec<_>>(),
                }));
            }
            println!("已接收交接单 {}：{} 件", sheet_no.trim(), cases.len());
            for n in &notes {
                println!("  {} 材料 {}：{}", n.case_no, n.key, n.note);
            }
        }
        HandOverCmd::Recall { sheet_no, reason } => {
            let sheet = ws.recall_sheet(sheet_no, reason.clone())?;
            let nos: Vec<&str> = sheet.sheet.cases.iter().map(String::as_str).collect();
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
        HandOverCmd::List {
            pending,
            overdue_days,
        } => {
            let rows = ws.sheet_rows(*pending, *overdue_days)?;
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
