//! `counter`: the catalog, calendar and ID checks from a terminal. `--json` output is a
//! contract other tools rely on; without it the output is for people.

mod case_cmd;
mod doc_cmd;
mod handover_cmd;
mod sync_cmd;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use counter_core::ids::{self, IdCheck};
use counter_core::view::EntryView;
use counter_core::{bundled, Calendar, CatalogError, CatalogSet, SearchIndex};

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
    /// The time to record instead of the clock (tests): YYYY-MM-DDTHH:MM:SS.
    #[arg(long, global = true, env = "COUNTER_NOW", hide = true, value_parser = parse_now)]
    now: Option<chrono::NaiveDateTime>,
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
    Handover(HandoverArgs),
    /// Copies the case store to a file while it is in use.
    Backup {
        #[arg(long)]
        to: PathBuf,
    },
}

#[derive(clap::Args)]
struct HandoverArgs {
    /// Machine output (a contract other tools rely on).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    cmd: handover_cmd::HandoverCmd,
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
enum CatalogCmd {
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
enum CalendarCmd {
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
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Catalog(Vec<CatalogError>),
    #[error("{0}")]
    Calendar(#[from] counter_core::CalendarError),
    #[error("未找到事项编码 {0}")]
    NotFound(String),
    #[error("未找到清单 {0}（counter catalog list 列出可用的清单）")]
    UnknownCatalog(String),
    #[error("{0}")]
    Input(String),
    #[error("无法写入 {path}：{source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Doc(#[from] counter_docs::DocError),
    #[error("{0}")]
    Sync(#[from] counter_sync::SyncError),
    #[error("{0}")]
    Print(#[from] counter_docs::PrintError),
    #[error("{0}")]
    Store(#[from] counter_store::StoreError),
    #[error("{0}")]
    InvalidId(#[from] ids::IdCheckError),
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
}

fn read(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|source| CliError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn catalog_files(dir: &Path) -> Result<Vec<PathBuf>, CliError> {
    let entries = std::fs::read_dir(dir).map_err(|source| CliError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml") && !is_calendar(p))
        .collect();
    files.sort();
    Ok(files)
}

fn is_calendar(p: &Path) -> bool {
    p.file_name().is_some_and(|n| n == "calendar.toml")
}

fn load_files(files: &[PathBuf]) -> Result<CatalogSet, CliError> {
    let texts = files
        .iter()
        .map(|p| Ok((p.display().to_string(), read(p)?)))
        .collect::<Result<Vec<_>, CliError>>()?;
    CatalogSet::from_texts(&texts).map_err(CliError::Catalog)
}

/// This workstation's store, when it has one (catalog and calendar lookups work without).
fn existing_store(cli: &Cli) -> Option<counter_store::Store> {
    let db = cli
        .db
        .clone()
        .unwrap_or_else(|| counter_store::default_paths().0);
    if !db.exists() {
        return None;
    }
    counter_store::Store::open(&db, &key_file(cli))
        .map_err(|e| tracing::warn!(error = %e, "received catalogs not read"))
        .ok()
}

/// The catalogs in force (the store's: built-in, newer received editions, and the replaced
/// ones kept for their cases), or the folder given with `--catalogs`.
fn load_catalogs(cli: &Cli) -> Result<CatalogSet, CliError> {
    if let Some(dir) = &cli.catalogs {
        return load_files(&catalog_files(dir)?);
    }
    let (set, problems) = match existing_store(cli) {
        Some(store) => store.catalogs()?,
        None => bundled::catalogs_with(&[], &[]),
    };
    for p in problems {
        eprintln!("{p}");
    }
    Ok(set)
}

fn load_calendar(cli: &Cli) -> Result<Calendar, CliError> {
    Ok(match (&cli.calendar, existing_store(cli)) {
        (Some(p), _) => Calendar::from_toml(&read(p)?)?,
        (None, Some(store)) => store.calendar()??,
        (None, None) => bundled::calendar()?,
    })
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<(), CliError> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Pads to a display width, counting CJK characters as two columns.
fn pad(s: &str, width: usize) -> String {
    let w: usize = s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

fn key_file(cli: &Cli) -> PathBuf {
    cli.key_file
        .clone()
        .unwrap_or_else(|| counter_store::default_paths().1)
}

fn open_store(cli: &Cli) -> Result<counter_store::Store, CliError> {
    let db = cli
        .db
        .clone()
        .unwrap_or_else(|| counter_store::default_paths().0);
    Ok(counter_store::Store::open(&db, &key_file(cli))?)
}

fn now(cli: &Cli) -> chrono::NaiveDateTime {
    // Whole seconds: what documents and the ledger show.
    cli.now.unwrap_or_else(|| {
        chrono::SubsecRound::trunc_subsecs(chrono::Local::now().naive_local(), 0)
    })
}

fn run(cli: &Cli) -> Result<(), CliError> {
    match &cli.command {
        Command::Case(args) => {
            let catalogs = load_catalogs(cli)?;
            let calendar = load_calendar(cli)?;
            let store = open_store(cli)?;
            let office = store
                .registered_office(doc_cmd::load_office(cli.office.as_deref(), &key_file(cli))?)?;
            let ctx = case_cmd::Ctx {
                store,
                catalogs: &catalogs,
                calendar: &calendar,
                office: &office,
                now: now(cli),
                json: args.json,
            };
            case_cmd::run(&args.cmd, ctx)?;
        }
        Command::Backup { to } => case_cmd::backup(&open_store(cli)?, to)?,
        Command::Sync(cmd) => sync_cmd::run(cmd, &mut open_store(cli)?)?,
        Command::Handover(args) => {
            let mut store = open_store(cli)?;
            let office = store
                .registered_office(doc_cmd::load_office(cli.office.as_deref(), &key_file(cli))?)?;
            handover_cmd::run(
                &args.cmd,
                &mut store,
                &office,
                &load_calendar(cli)?,
                now(cli),
                args.json,
            )?;
        }
        Command::Doc(cmd) => {
            let office = doc_cmd::load_office(cli.office.as_deref(), &key_file(cli))?;
            // Documents of cases print the point as the central registration names it.
            let office = match cmd {
                doc_cmd::DocCmd::Print { .. } => office,
                _ => open_store(cli)?.registered_office(office)?,
            };
            doc_cmd::run(
                cmd,
                || open_store(cli),
                &load_catalogs(cli)?,
                &office,
                now(cli),
            )?;
        }
        Command::Catalog(CatalogCmd::List { json }) => {
            let set = load_catalogs(cli)?;
            let list = set.summaries();
            if *json {
                return print_json(&list);
            }
            println!(
                "{} {} {} 名称",
                pad("清单", 16),
                pad("版本", 12),
                pad("事项", 6)
            );
            for c in list {
                let count = if c.bundles > 0 {
                    format!("{}+{}", c.items, c.bundles)
                } else {
                    c.items.to_string()
                };
                println!(
                    "{} {} {} {}",
                    pad(&c.id, 16),
                    pad(&c.edition, 12),
                    pad(&count, 6),
                    c.title
                );
            }
        }
        Command::Catalog(CatalogCmd::Show {
            code,
            catalog,
            json,
        }) => {
            let set = load_catalogs(cli)?;
            let entry = set
                .show(code, catalog.as_deref())
                .ok_or_else(|| CliError::NotFound(code.clone()))?;
            if *json {
                return print_json(&entry);
            }
            print_entry(&entry);
        }
        Command::Catalog(CatalogCmd::Search {
            query,
            catalog,
            json,
        }) => {
            let set = load_catalogs(cli)?;
            let hits = SearchIndex::new(&set).search(query, catalog.as_deref());
            if *json {
                return print_json(&hits);
            }
            if hits.is_empty() {
                println!("没有找到与“{query}”相符的事项");
            }
            for h in hits {
                println!("{} {} {}", pad(&h.code, 14), pad(&h.name, 40), h.catalog);
            }
        }
        Command::Catalog(CatalogCmd::Diff {
            catalog,
            base,
            json,
        }) => {
            let set = load_catalogs(cli)?;
            let get = |id: &String| {
                set.get(id)
                    .ok_or_else(|| CliError::UnknownCatalog(id.clone()))
            };
            let d = counter_core::diff::diff(get(catalog)?, get(base)?);
            if *json {
                return print_json(&d);
            }
            print_diff(&d);
        }
        Command::Catalog(CatalogCmd::Validate { files }) => {
            let (calendars, catalogs): (Vec<PathBuf>, Vec<PathBuf>) = if files.is_empty() {
                match &cli.catalogs {
                    Some(dir) => (Vec::new(), catalog_files(dir)?),
                    None => {
                        bundled::catalogs().map_err(CliError::Catalog)?;
                        bundled::calendar()?;
                        println!("内置清单与日历校验通过");
                        return Ok(());
                    }
                }
            } else {
                files.iter().cloned().partition(|p| is_calendar(p))
            };
            for c in &calendars {
                Calendar::from_toml(&read(c)?)?;
            }
            let set = load_files(&catalogs)?;
            let items: usize = set.catalogs.iter().map(|c| c.items.len()).sum();
            println!(
                "{} 个文件校验通过（{} 个清单，{items} 个事项）",
                calendars.len() + catalogs.len(),
                set.catalogs.len()
            );
        }
        Command::Calendar(CalendarCmd::Due {
            from,
            working_days,
            json,
        }) => {
            let due = load_calendar(cli)?.due(*from, *working_days)?;
            if *json {
                return print_json(&due);
            }
            if due.provisional {
                println!("{}（预计：所跨年度的节假日安排尚未发布）", due.due);
            } else {
                println!("{}", due.due);
            }
        }
        Command::CheckId { number } => {
            let today = chrono::Local::now().date_naive();
            match ids::check_any(number, today)? {
                IdCheck::Resident(id) => println!(
                    "有效的居民身份证号码 {}（出生日期 {}，{}{}）",
                    ids::mask_id(&id.number),
                    id.birth_date,
                    if id.male { "男" } else { "女" },
                    if id.legacy { "，15位旧号码" } else { "" }
                ),
                IdCheck::CreditCode(code) => println!("有效的统一社会信用代码 {code}"),
            }
        }
    }
    Ok(())
}

fn print_entry(entry: &EntryView) {
    let (code, name, catalog, steps, limit, materials) = match entry {
        EntryView::Item(i) => (
            &i.code,
            &i.name,
            &i.catalog,
            &i.steps,
            i.time_limit_text.clone(),
            &i.materials,
        ),
        EntryView::Bundle(b) => (
            &b.code,
            &b.name,
            &b.catalog,
            &b.steps,
            b.time_limit_text.clone().unwrap_or_default(),
            &b.materials,
        ),
    };
    println!("{name}  {code}  [{catalog}]");
    if let EntryView::Item(i) = entry {
        println!("主项      {} {}", i.main.name, i.main.code);
        if !i.levels.is_empty() {
            let levels: Vec<String> = i.levels.iter().map(|l| format!("{l:?}")).collect();
            println!("办理层级  {}", levels.join("、"));
        }
        if !i.channels.is_empty() {
            println!("办理渠道  {}", i.channels.join("、"));
        }
    }
    if let EntryView::Bundle(b) = entry {
        println!("包含事项  {}", b.items.join("、"));
    }
    println!("办理时限  {limit}");
    if !steps.is_empty() {
        println!("办理环节  {}", steps.join(" → "));
    }
    println!("申请材料");
    for (n, m) in materials.iter().enumerate() {
        let mut extra = Vec::new();
        if m.any_of.is_some() {
            extra.push("任选其一".to_string());
        }
        extra.extend(m.form.clone());
        if let Some(c) = m.copies {
            extra.push(format!("{c}份"));
        }
        if let Some(s) = &m.stamp {
            extra.push(format!("加盖{s}"));
        }
        extra.extend(m.note.clone());
        if m.optional {
            extra.push("可要求提供".into());
        }
        let extra = if extra.is_empty() {
            String::new()
        } else {
            format!("（{}）", extra.join("；"))
        };
        let when = m
            .when
            .as_ref()
            .map(|w| format!("  [适用：{w}]"))
            .unwrap_or_default();
        println!("  {}. {}{extra}{when}", n + 1, m.name);
    }
    let agreement = match entry {
        EntryView::Item(i) => &i.agreement,
        EntryView::Bundle(b) => &b.agreement,
    };
    if let Some(a) = agreement {
        println!("  {a}");
    }
    if let EntryView::Item(i) = entry {
        for (label, list) in [("备注", &i.notes), ("设定依据", &i.basis)] {
            if !list.is_empty() {
                println!("{label}");
                for (n, t) in list.iter().enumerate() {
                    println!("  {}. {t}", n + 1);
                }
            }
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

fn print_diff(d: &counter_core::diff::CatalogDiff) {
    println!("{} 对比 {}", d.catalog, d.base);
    println!("新增事项（{}）：", d.added.len());
    for i in &d.added {
        println!("  + {} {}", i.code, i.name);
    }
    println!("删去事项（{}）：", d.dropped.len());
    for i in &d.dropped {
        println!("  - {} {}", i.code, i.name);
    }
    println!("变更事项（{}），未变 {}：", d.changed.len(), d.unchanged);
    for c in &d.changed {
        println!(
            "  {} {} ↔ {} {}",
            c.item.code, c.item.name, c.base.code, c.base.name
        );
        if let Some((b, a)) = &c.name {
            println!("    名称：{b} → {a}");
        }
        if let Some((b, a)) = &c.time_limit {
            println!("    时限：{b} → {a}");
        }
        for m in &c.materials_added {
            println!("    材料 +：{m}");
        }
        for m in &c.materials_dropped {
            println!("    材料 -：{m}");
        }
    }
}
