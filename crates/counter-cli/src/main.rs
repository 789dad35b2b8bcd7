//! `counter`: the catalog, calendar and ID checks from a terminal. `--json` output is a
//! contract other tools rely on; without it the output is for people.

mod case_cmd;
mod catalog_cmd;
mod doc_cmd;
mod hand_over_cmd;
mod sync_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use counter_desk::{ApiError, Clock, Paths, Workstation};

#[derive(Parser)]
#[command(
    name = "counter",
    version,
    about = "Counter 医保经办窗口：清单、工作日与证件号码校验"
)]
struct Cli {
    /// Load catalogs from this folder (*.toml) instead of the ones built in.
    #[arg(long, global = true, env = "COUNTER_CATALOGS")]
    catalogs: Option<PathBuf>,
    /// Load the holiday calendar from this file instead of the one built in.
    #[arg(long, global = true, env = "COUNTER_CALENDAR")]
    calendar: Option<PathBuf>,
    /// The case store (default: the app's data directory).
    #[arg(long, global = true, env = "COUNTER_DB")]
    db: Option<PathBuf>,
    /// The store's key file, kept apart from the database (default: the app's config
    /// directory).
    #[arg(long, global = true, env = "COUNTER_KEY_FILE")]
    key_file: Option<PathBuf>,
    /// Office settings (office.toml: name, address, phone, complaint_phone, point, printer);
    /// default: office.toml beside the key file, if present.
    #[arg(long, global = true, env = "COUNTER_OFFICE")]
    office: Option<PathBuf>,
    /// The time to record instead of the clock (tests; also `COUNTER_NOW`):
    /// YYYY-MM-DDTHH:MM:SS.
    #[arg(long, global = true, hide = true, value_parser = parse_now)]
    now: Option<chrono::NaiveDateTime>,
    /// Who signs what this command records (经办人).
    #[arg(long, global = true, env = "COUNTER_CLERK", default_value = "经办人")]
    clerk: String,
    /// The point (网点) code to act for instead of the office settings' one.
    #[arg(long, global = true, env = "COUNTER_POINT")]
    point: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Catalogs of service items (清单).
    #[command(subcommand)]
    Catalog(CatalogCmd),
    /// The working-day calendar (工作日).
    #[command(subcommand)]
    Calendar(CalendarCmd),
    /// Checks a 居民身份证号码 or 统一社会信用代码: exit 0 when valid, 1 with the reason.
    CheckId { number: String },
    /// Cases (办件): open, tick, decide, show, list.
    Case(Box<CaseArgs>),
    /// Printed documents of a case as PDF files; printing.
    #[command(subcommand)]
    Doc(doc_cmd::DocCmd),
    /// Syncing with the central server.
    #[command(subcommand)]
    Sync(sync_cmd::SyncCmd),
    /// Hand-over sheets (材料交接单) of assisted service: create, receive, list.
    #[command(name = "handover")]
    HandOver(HandOverArgs),
    /// The 二代证 reader: `counter reader read [--port DEV] [--json]`.
    #[command(subcommand)]
    Reader(ReaderCmd),
    /// The figures of a period (办件量, 按时办结率, 超期 …): `counter report --from D --to D`.
    Report {
        #[arg(long, value_parser = parse_date)]
        from: Option<NaiveDate>,
        #[arg(long, value_parser = parse_date)]
        to: Option<NaiveDate>,
        #[arg(long)]
        json: bool,
        /// Also writes the figures and the period's cases as an Excel workbook.
        #[arg(long)]
        xlsx: Option<PathBuf>,
    },
    /// Copies the case store to a file while it is in use.
    Backup {
        #[arg(long)]
        to: PathBuf,
    },
}

#[derive(Subcommand)]
enum ReaderCmd {
    /// Reads the card on the reader: exit 1 with the reason (未放卡, 读卡器未连接 …).
    Read {
        /// The reader's serial port (default: the first port a reader answers on).
        #[arg(long)]
        port: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Args)]
struct HandOverArgs {
    /// Machine output (a contract other tools rely on).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    cmd: hand_over_cmd::HandOverCmd,
}

#[derive(clap::Args)]
struct CaseArgs {
    /// Machine output (a contract other tools rely on).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    cmd: case_cmd::CaseCmd,
}

fn parse_now(s: &str) -> Result<chrono::NaiveDateTime, String> {
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
        .map_err(|_| format!("时间“{s}”无效，应为 YYYY-MM-DDTHH:MM:SS"))
}

#[derive(Subcommand)]
pub(crate) enum CatalogCmd {
    /// Lists the loaded catalog editions.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Shows one item or bundle by code.
    Show {
        code: String,
        #[arg(long)]
        catalog: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Searches by name, pinyin initials, full pinyin, code prefix or words in notes.
    Search {
        query: String,
        #[arg(long)]
        catalog: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Validates catalog files (default: every catalog loaded); one line per problem.
    Validate { files: Vec<PathBuf> },
    /// What CATALOG adds, drops or changes (materials, time limits) against BASE.
    Diff {
        catalog: String,
        base: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum CalendarCmd {
    /// The due date of N working days counted from the first working day after acceptance.
    Due {
        #[arg(long, value_parser = parse_date)]
        from: NaiveDate,
        #[arg(long)]
        working_days: u32,
        #[arg(long)]
        json: bool,
    },
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("日期“{s}”无效，应为 YYYY-MM-DD，例如 2026-09-30"))
}

/// Why a command failed; printed on stderr, exit code 1.
#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error("{0}")]
    Desk(#[from] ApiError),
    #[error("{0}")]
    Input(String),
    #[error("无法写入 {path}：{source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<(), CliError> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Where this workstation keeps its files, from the options (or their defaults).
fn paths(cli: &Cli) -> Result<Paths, CliError> {
    let mut p = Paths::from_env();
    if let Some(db) = &cli.db {
        p.db = db.clone();
    }
    if let Some(key) = &cli.key_file {
        p.key = key.clone();
        p.office = key.with_file_name("office.toml");
    }
    if let Some(office) = &cli.office {
        if !office.is_file() {
            return Err(CliError::Input(format!(
                "无法读取网点设置 {}",
                office.display()
            )));
        }
        p.office = office.clone();
    }
    p.catalogs = cli.catalogs.clone();
    p.calendar = cli.calendar.clone();
    Ok(p)
}

/// `--now`, else `COUNTER_NOW`, else the system clock.
fn clock(cli: &Cli) -> Clock {
    cli.now.map_or_else(Clock::from_env, Clock::Fixed)
}

/// The workstation, acting as the terminal's operator (`--clerk`) for `--point` if given.
fn workstation(cli: &Cli) -> Result<Workstation, CliError> {
    let mut ws = Workstation::open(paths(cli)?, clock(cli))?;
    ws.operator(&cli.clerk);
    if let Some(p) = &cli.point {
        ws.act_for_point(p);
    }
    Ok(ws)
}

fn run(cli: &Cli) -> Result<(), CliError> {
    match &cli.command {
        Command::Case(args) => case_cmd::run(&args.cmd, &mut workstation(cli)?, args.json),
        Command::Backup { to } => {
            workstation(cli)?.backup(to)?;
            println!("已备份到 {}", to.display());
            Ok(())
        }
        Command::Sync(cmd) => sync_cmd::run(cmd, &mut workstation(cli)?),
        Command::HandOver(args) => hand_over_cmd::run(&args.cmd, &mut workstation(cli)?, args.json),
        Command::Doc(doc_cmd::DocCmd::Print { file, printer }) => {
            doc_cmd::print(file, printer.as_deref(), &paths(cli)?)
        }
        Command::Doc(cmd) => doc_cmd::run(cmd, &workstation(cli)?),
        Command::Catalog(cmd) => catalog_cmd::catalog(cmd, &paths(cli)?),
        Command::Calendar(cmd) => catalog_cmd::calendar(cmd, &paths(cli)?),
        Command::CheckId { number } => catalog_cmd::check_id(number, clock(cli).now().date()),
        Command::Report {
            from,
            to,
            json,
            xlsx,
        } => {
            let today = clock(cli).now().date();
            let (from, to) = (from.unwrap_or(today), to.unwrap_or(today));
            let mut ws = workstation(cli)?;
            let f = match xlsx {
                Some(path) => ws.figures_workbook(from, to, path)?,
                None => ws.figures(from, to)?,
            };
            if *json {
                return print_json(&f);
            }
            println!("{} 至 {}：办件 {} 件", f.from, f.to, f.cases);
            println!(
                "受理 {}，一次性告知 {}，不予受理 {}，办结 {}，撤回 {}",
                f.accepted, f.notified, f.refused, f.completed, f.withdrawn
            );
            println!(
                "超期 {}，即将超期 {}，按时办结率 {}",
                f.overdue, f.due_soon, f.on_time_text
            );
            for c in &f.by_item {
                println!("  {} {} 件", c.label, c.count);
            }
            println!("差评待回访 {}", f.follow_ups_open);
            for c in &f.follow_ups {
                let late = if c.late { "（已逾期）" } else { "" };
                println!(
                    "  {} {} {}，回访期限 {}{late}",
                    c.case_no, c.item_name, c.rating, c.due
                );
            }
            Ok(())
        }
        Command::Reader(ReaderCmd::Read { port, json }) => {
            let read = counter_desk::read_card(port.as_deref(), clock(cli).now().date())?;
            if *json {
                return print_json(&read);
            }
            let c = &read.card;
            for (label, value) in [
                ("姓名", &c.name),
                ("性别", &c.sex),
                ("民族", &c.nation),
                ("出生", &c.birth),
                ("住址", &c.address),
                ("公民身份号码", &c.id_number),
                ("签发机关", &c.authority),
            ] {
                println!("{label}：{value}");
            }
            println!("有效期限：{} 至 {}", c.valid_from, c.valid_to);
            if read.expired {
                println!("注意：此证件已过有效期，请申请人提供有效身份证件");
            }
            Ok(())
        }
    }
}

/// Logs go to `COUNTER_LOG_FILE` (appended) or stderr, at the level in `COUNTER_LOG`
/// (default: none; errors are printed anyway). Nothing personal is logged: ID numbers only
/// masked, no names.
fn init_log() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("COUNTER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false);
    match std::env::var_os("COUNTER_LOG_FILE").map(|p| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(p)
    }) {
        Some(Ok(file)) => builder.with_writer(std::sync::Mutex::new(file)).init(),
        _ => builder.with_writer(std::io::stderr).init(),
    }
}

/// `counter … | head`: when the reader goes away, end quietly as other Unix tools do. Rust
/// ignores SIGPIPE, which turns every later `println!` into a "Broken pipe" panic.
fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: restores the default disposition of one signal before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let cli = Cli::parse();
    init_log();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::warn!(error = %e, "command failed");
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}
