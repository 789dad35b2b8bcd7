//! `counter-server`: serve the API, and the administrator's verbs on the same store.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use counter_core::proto::RemoteStatus;
use counter_server::Central;

#[derive(Parser)]
#[command(name = "counter-server", about = "Counter 中心服务器")]
struct Cli {
    /// The store: sqlite:FILE or postgres://USER:PASSWORD@HOST/DB.
    #[arg(
        long,
        global = true,
        env = "COUNTER_SERVER_DB",
        default_value = "sqlite:counter-server.db"
    )]
    db: String,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serves the API.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8750")]
        listen: String,
    },
    /// Prints a one-time enrolment code for a point.
    EnrollCode {
        #[arg(long)]
        point: String,
        #[arg(long)]
        level: Option<String>,
        #[arg(long)]
        name: Option<String>,
    },
    /// 审核: --approve (审核中) or --return with a reason.
    Review {
        case_no: String,
        #[arg(long, conflicts_with = "return_")]
        approve: bool,
        #[arg(long = "return")]
        return_: bool,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long, default_value = "中心审核")]
        by: String,
    },
    /// 办结.
    Complete {
        case_no: String,
        #[arg(long, default_value = "中心审核")]
        by: String,
    },
    /// Publishes a catalog edition (TOML) as the next signed version.
    PublishCatalog { file: std::path::PathBuf },
    /// Publishes the holiday calendar (TOML) as the next signed version.
    PublishCalendar { file: std::path::PathBuf },
    /// Lists the same applicant and item opened at two points (for review).
    Flags,
    /// Lists the enrolled devices: id, point, window, name, in service or revoked.
    Devices,
    /// Stops a device (a lost PC).
    Revoke { device: String },
    /// Imports an outbox export from a point without network.
    Import { file: std::path::PathBuf },
}

fn run(cli: Cli) -> Result<(), String> {
    let central = Central::open(&cli.db).map_err(|e| e.to_string())?;
    match cli.cmd {
        Cmd::Serve { listen } => {
            let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
            rt.block_on(async {
                let l = tokio::net::TcpListener::bind(&listen)
                    .await
                    .map_err(|e| format!("无法监听 {listen}：{e}"))?;
                eprintln!("counter-server 在 {listen} 提供服务");
                counter_server::serve(central, l)
                    .await
                    .map_err(|e| e.to_string())
            })
        }
        Cmd::EnrollCode { point, level, name } => {
            println!(
                "{}",
                central
                    .enroll_code(&point, level.as_deref(), name.as_deref())
                    .map_err(|e| e.to_string())?
            );
            Ok(())
        }
        Cmd::Review {
            case_no,
            approve,
            return_,
            reason,
            by,
        } => {
            let status = match (approve, return_) {
                (true, _) => RemoteStatus::InReview,
                (_, true) => RemoteStatus::Returned,
                _ => return Err("请指定 --approve 或 --return".into()),
            };
            central
                .decide(&case_no, status, reason.as_deref(), &by, now())
                .map_err(|e| e.to_string())
        }
        Cmd::Complete { case_no, by } => central
            .decide(&case_no, RemoteStatus::Completed, None, &by, now())
            .map_err(|e| e.to_string()),
        Cmd::PublishCatalog { file } => publish(&central, "catalog", &file),
        Cmd::PublishCalendar { file } => publish(&central, "calendar", &file),
        Cmd::Flags => {
            for (a, b) in central.flags().map_err(|e| e.to_string())? {
                println!("{a}  ↔  {b}");
            }
            Ok(())
        }
        Cmd::Devices => {
            for d in central.devices().map_err(|e| e.to_string())? {
                println!(
                    "{}  网点 {}  {} 号窗口  {}  {}",
                    d.id,
                    d.point,
                    d.window,
                    d.name,
                    if d.revoked { "已停用" } else { "使用中" }
                );
            }
            Ok(())
        }
        Cmd::Revoke { device } => central.revoke(&device).map_err(|e| e.to_string()),
        Cmd::Import { file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("无法读取 {}：{e}", file.display()))?;
            let r = central.import(&text).map_err(|e| e.to_string())?;
            println!(
                "已导入至序号 {}，拒收 {} 条",
                r.acked_through,
                r.rejected.len()
            );
            Ok(())
        }
    }
}

/// The decision time recorded with 审核, 退回 and 办结: this machine's local time, to the second
/// (counters stamp their own events the same way).
fn now() -> chrono::NaiveDateTime {
    chrono::SubsecRound::trunc_subsecs(chrono::Local::now().naive_local(), 0)
}

fn publish(central: &Central, kind: &str, file: &std::path::Path) -> Result<(), String> {
    let text =
        std::fs::read_to_string(file).map_err(|e| format!("无法读取 {}：{e}", file.display()))?;
    let (id, version) = central.publish(kind, &text).map_err(|e| e.to_string())?;
    println!("已发布 {id} 第{version}版（已签名）");
    Ok(())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("COUNTER_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .init();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}
