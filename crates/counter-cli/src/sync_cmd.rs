//! `counter sync …`: enrol this device, sync now, show the state, export the outbox.

use std::path::PathBuf;

use clap::Subcommand;
use counter_desk::Workstation;

use crate::{print_json, CliError};

#[derive(Subcommand)]
pub enum SyncCmd {
    /// Registers this device with the central server: its https:// address and the whole
    /// enrolment pass from the administrator (the code, then the server's fingerprint).
    Enroll {
        #[arg(long)]
        server: String,
        /// The pass as printed by `counter-server enroll-code`, e.g. 3f9a0c51d2e4-K7Q2-M9XD-…
        #[arg(long)]
        code: String,
        #[arg(long, default_value = "counter")]
        name: String,
    },
    /// Pushes every pending event and pulls the central office's changes: {pushed, pulled, rejected}.
    Now {
        #[arg(long)]
        json: bool,
    },
    /// {pending, last_success, last_error}.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Writes the pending events to a file (for `counter-server import` at a point with no network).
    Export {
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(cmd: &SyncCmd, ws: &mut Workstation) -> Result<(), CliError> {
    match cmd {
        SyncCmd::Enroll { server, code, name } => {
            let r = ws.enroll(server, code, name)?;
            println!("已注册：网点 {}，设备 {}", r.point, r.device_id);
        }
        SyncCmd::Now { json } => {
            let r = ws.sync_report()?;
            if *json {
                return print_json(&serde_json::json!({
                    "pushed": r.pushed,
                    "pulled": r.pulled,
                    "rejected": r.rejected,
                    "snapshots": r.snapshots,
                    "refused": r.refused,
                    "notes": r.notes,
                }));
            }
            println!(
                "已上传 {} 条，已接收 {} 条变更，{} 份清单或日历",
                r.pushed, r.pulled, r.snapshots
            );
            for x in &r.notes {
                println!("{x}");
            }
            for x in &r.refused {
                println!("拒收：{x}");
            }
            for x in &r.rejected {
                println!("被拒收：{} {}", x.case_no, x.reason);
            }
        }
        SyncCmd::Status { json } => {
            let s = ws.sync_state()?;
            if *json {
                return print_json(&s);
            }
            if !s.enrolled {
                println!("本机尚未注册到中心服务器");
            }
            println!("待上传 {} 条", s.pending);
            println!("上次成功：{}", s.last_success.as_deref().unwrap_or("从未"));
            if let Some(e) = &s.last_error {
                println!("上次失败：{e}");
            }
        }
        SyncCmd::Export { out } => {
            let n = ws.export(out)?;
            println!(
                "已导出 {n} 条待上传事件到 {}（导入中心后，下次同步时确认删除）",
                out.display()
            );
        }
    }
    Ok(())
}
