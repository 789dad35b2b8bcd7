//! `counter case …` and `counter backup`: a whole intake from a terminal.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use clap::{Args, Subcommand};
use counter_core::case::{Applicant, CaseState, CaseView, Form, IdType, OpenCase, Person};
use counter_core::custody::{scope, Scope};
use counter_core::rating::RatingChannel;
use counter_core::{Calendar, Catalog, CatalogSet};
use counter_store::{LedgerQuery, Store};

use crate::{parse_date, print_json, CliError};

#[derive(Subcommand)]
pub enum CaseCmd {
    /// Opens a case for an applicant and an item; prints its number and material checklist.
    Open(OpenArgs),
    /// Records an answer to a situation question (KEY=VALUE); the checklist follows.
    Answer { case_no: String, answer: String },
    /// Ticks a material as received.
    Tick {
        case_no: String,
        key: String,
        #[arg(long, conflicts_with_all = ["copy", "electronic"])]
        original: bool,
        #[arg(long, conflicts_with = "electronic")]
        copy: bool,
        #[arg(long)]
        electronic: bool,
        #[arg(long, default_value_t = 1)]
        copies: u32,
        /// For an 'any of' material: which option was handed over.
        #[arg(long)]
        option: Option<String>,
    },
    /// Marks a received material as missing again.
    Untick { case_no: String, key: String },
    /// 容缺: the material follows by a deadline (where the catalog allows it).
    Defer {
        case_no: String,
        key: String,
        #[arg(long, value_parser = parse_date)]
        until: NaiveDate,
    },
    /// 告知承诺: a signed promise replaces the material (where the catalog allows it).
    Promise { case_no: String, key: String },
    /// 受理: needs every required material received, deferred or promised.
    Accept { case_no: String },
    /// 一次性告知: records exactly the missing materials.
    Notify { case_no: String },
    /// 不予受理, with the reason and where to apply instead.
    Refuse {
        case_no: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        apply_to: Option<String>,
    },
    /// The applicant is back after a one-time notice.
    Resume { case_no: String },
    /// 即办件: completes an immediate item on the spot (or a reviewed case).
    Complete { case_no: String },
    /// 撤回.
    Withdraw {
        case_no: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Shows a case: state, due date, materials with status, where its paper is, events.
    Show { case_no: String },
    /// 送达: the result handed back to the applicant by this point.
    Handback {
        case_no: String,
        #[arg(long, env = "COUNTER_CLERK", default_value = "经办人")]
        clerk: String,
    },
    /// 好差评: the applicant's rating, 5 (非常满意) … 1 (非常不满意); 1–2 open a follow-up.
    Rate {
        case_no: String,
        #[arg(long)]
        score: u8,
        #[arg(long)]
        comment: Option<String>,
        /// counter (on screen at the counter) or paper (a paper form typed in later).
        #[arg(long, default_value = "counter")]
        channel: String,
        #[arg(long, env = "COUNTER_CLERK", default_value = "经办人")]
        clerk: String,
    },
    /// The supervisor's reply to a 差评 (closes its follow-up).
    Reply {
        case_no: String,
        #[arg(long)]
        text: String,
        #[arg(long, env = "COUNTER_CLERK", default_value = "经办人")]
        clerk: String,
    },
    /// The ledger (台账), newest first; ID numbers masked.
    List(ListArgs),
    /// Stress writer for the crash test: opens and accepts cases in a loop, printing each
    /// acknowledged write (`CASE_NO EVENTS`) after its commit.
    #[command(hide = true)]
    Stress {
        #[arg(long, default_value_t = 1000)]
        count: u32,
    },
}

#[derive(Args)]
pub struct OpenArgs {
    #[arg(long)]
    catalog: String,
    #[arg(long)]
    item: String,
    /// Applicant's name (a person).
    #[arg(long, required_unless_present = "unit_name")]
    name: Option<String>,
    #[arg(long, required_unless_present = "unit_name")]
    id_number: Option<String>,
    /// resident_id (居民身份证, default), passport, hk_macao_permit, hk_macao_taiwan_residence,
    /// foreign_permanent_residence.
    #[arg(long, default_value = "resident_id")]
    id_type: String,
    /// A unit applies (单位): its name and 统一社会信用代码.
    #[arg(long, conflicts_with_all = ["name", "id_number"], requires = "credit_code")]
    unit_name: Option<String>,
    #[arg(long)]
    credit_code: Option<String>,
    #[arg(long)]
    phone: Option<String>,
    /// Situation answers, KEY=VALUE, repeatable.
    #[arg(long = "answer")]
    answers: Vec<String>,
    /// 委托办理: the agent's name and ID number.
    #[arg(long, requires = "agent_id_number")]
    agent_name: Option<String>,
    #[arg(long, requires = "agent_name")]
    agent_id_number: Option<String>,
    #[arg(long, default_value = "resident_id")]
    agent_id_type: String,
    /// The point (网点) code that receives the case (default: the office settings').
    #[arg(long, env = "COUNTER_POINT")]
    point: Option<String>,
    /// The clerk (经办人).
    #[arg(long, env = "COUNTER_CLERK", default_value = "经办人")]
    clerk: String,
}

#[derive(Args)]
pub struct ListArgs {
    #[arg(long)]
    state: Option<String>,
    /// Cases opened on this day (default: all days).
    #[arg(long, value_parser = parse_date)]
    date: Option<NaiveDate>,
    #[arg(long, value_parser = parse_date)]
    from: Option<NaiveDate>,
    #[arg(long, value_parser = parse_date)]
    to: Option<NaiveDate>,
    #[arg(long)]
    item: Option<String>,
    #[arg(long)]
    clerk: Option<String>,
    #[arg(long)]
    id_number: Option<String>,
    #[arg(long)]
    case_no: Option<String>,
    /// Open cases past their due date.
    #[arg(long)]
    overdue: bool,
    /// Open cases due within N days from today.
    #[arg(long)]
    due_within: Option<u32>,
    /// Cases whose paper this point holds now.
    #[arg(long)]
    held: bool,
    /// Cases with a 差评 awaiting the supervisor's reply.
    #[arg(long)]
    follow_ups: bool,
    #[arg(long)]
    limit: Option<u32>,
}

/// What a case command needs besides its arguments.
pub struct Ctx<'a> {
    pub store: Store,
    pub catalogs: &'a CatalogSet,
    pub calendar: &'a Calendar,
    pub office: &'a counter_core::office::Office,
    pub now: NaiveDateTime,
    pub json: bool,
}

fn id_type(s: &str) -> Result<IdType, CliError> {
    IdType::ALL
        .into_iter()
        .find(|t| {
            serde_json::to_value(t)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                == Some(s.into())
                || t.label() == s
        })
        .ok_or_else(|| {
            CliError::Input(format!(
                "证件类型“{s}”无效，可选：{}",
                IdType::ALL.map(|t| t.label()).join("、")
            ))
        })
}

fn answers(list: &[String]) -> Result<BTreeMap<String, String>, CliError> {
    list.iter()
        .map(|a| {
            a.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| CliError::Input(format!("情形“{a}”应写作 情形=选项，例如 急诊=是")))
        })
        .collect()
}

/// The catalog edition a case was opened under (never a newer one received since).
fn pinned<'a>(
    set: &'a CatalogSet,
    case: &counter_core::case::Case,
) -> Result<&'a Catalog, CliError> {
    set.pinned(&case.catalog, case.revision.as_deref())
        .ok_or_else(|| {
            CliError::Input(format!(
                "办件 {} 依据的清单 {}（{}）在本机已不存在",
                case.case_no, case.catalog, case.edition
            ))
        })
}

/// What this point may do with a case's item (its level from the central registration, else
/// the settings).
fn scope_of(ctx: &Ctx, case_no: &str) -> Result<Scope, CliError> {
    let case = ctx.store.case(case_no)?;
    let catalog = pinned(ctx.catalogs, &case)?;
    Ok(scope(catalog, ctx.office.level, &case.item))
}

fn show(ctx: &Ctx, case: &counter_core::case::Case, duplicates: &[String]) -> Result<(), CliError> {
    let catalog = pinned(ctx.catalogs, case)?;
    let view = CaseView::new(case, catalog);
    if ctx.json {
        let mut v = serde_json::to_value(&view)?;
        v["duplicates"] = serde_json::json!(duplicates);
        return print_json(&v);
    }
    println!(
        "{}  {}  {}（{}）",
        view.case.case_no, view.state_label, view.case.item_name, view.case.item
    );
    println!(
        "申请人  {} {}",
        view.case.applicant.name(),
        counter_core::ids::mask_id(view.case.applicant.id_number())
    );
    if let Some(d) = view.due {
        let prov = view.case.acceptance.as_ref().is_some_and(|a| a.provisional);
        println!("办结期限  {d}{}", if prov { "（预计）" } else { "" });
    }
    for q in &view.unanswered {
        println!("待回答  {q}");
    }
    for m in &view.materials {
        println!(
            "  [{}] {:<6} {}{}",
            m.status_label,
            m.key,
            m.name,
            if m.requirement.is_empty() {
                String::new()
            } else {
                format!("（{}）", m.requirement)
            }
        );
    }
    for d in duplicates {
        println!("注意：该申请人在本网点已有未办结的同一事项办件 {d}");
    }
    for o in &view.case.omissions {
        println!("告知遗漏：{}（一次性告知书未列明）", o.name);
    }
    if let Some(n) = view.case.notice.as_ref().and_then(|n| n.apply_to.as_ref()) {
        println!("本网点不能受理此事项，已告知申请人到{n}办理");
    }
    for s in &view.case.custody {
        println!(
            "  材料流转 {} {} → {}  {}  {}{}",
            s.at,
            s.from,
            s.to,
            s.kind.label(),
            s.by,
            s.sheet_no
                .as_ref()
                .map(|n| format!("（交接单 {n}）"))
                .unwrap_or_default()
        );
        for n in &s.notes {
            println!("    {}：{}", n.name, n.note);
        }
    }
    if let Some(r) = &view.rating {
        println!(
            "评价  {}（{}）{}",
            r.label,
            r.channel.label(),
            r.comment.as_deref().unwrap_or("")
        );
        if let Some(f) = &r.follow_up {
            match &f.reply {
                Some(reply) => println!("差评回复  {reply}"),
                None => println!("差评待回复，期限 {}", f.due),
            }
        }
    }
    Ok(())
}

pub fn run(cmd: &CaseCmd, mut ctx: Ctx) -> Result<(), CliError> {
    let now = ctx.now;
    let (catalogs, calendar) = (ctx.catalogs, ctx.calendar);
    // Every operation on an existing case: load under the write lock, apply, write back.
    macro_rules! update {
        ($no:expr, |$c:ident, $cat:ident| $body:expr) => {{
            let case = ctx.store.case($no)?;
            let $cat = pinned(catalogs, &case)?;
            let case = ctx.store.update($no, |$c| $body)?;
            show(&ctx, &case, &[])
        }};
    }
    match cmd {
        CaseCmd::Open(a) => {
            let catalog = catalogs
                .get(&a.catalog)
                .ok_or_else(|| CliError::UnknownCatalog(a.catalog.clone()))?;
            let applicant = match (&a.unit_name, &a.credit_code) {
                (Some(name), Some(code)) => Applicant::Unit {
                    name: name.clone(),
                    credit_code: code.clone(),
                    phone: a.phone.clone(),
                },
                _ => Applicant::Person(Person {
                    name: a.name.clone().unwrap_or_default(),
                    id_type: id_type(&a.id_type)?,
                    id_number: a.id_number.clone().unwrap_or_default(),
                    phone: a.phone.clone(),
                }),
            };
            let agent = match (&a.agent_name, &a.agent_id_number) {
                (Some(name), Some(n)) => Some(Person {
                    name: name.clone(),
                    id_type: id_type(&a.agent_id_type)?,
                    id_number: n.clone(),
                    phone: None,
                }),
                _ => None,
            };
            let opened = ctx.store.open_case(
                catalog,
                OpenCase {
                    case_no: String::new(),
                    catalog: a.catalog.clone(),
                    item: a.item.trim().to_string(),
                    applicant,
                    agent,
                    point: a.point.clone().unwrap_or_else(|| ctx.office.point.clone()),
                    clerk: a.clerk.clone(),
                    answers: answers(&a.answers)?,
                    assisted: match scope(catalog, ctx.office.level, a.item.trim()) {
                        Scope::Assisted { office } => Some(office),
                        _ => None,
                    },
                },
                now,
            )?;
            show(&ctx, &opened.case, &opened.duplicates)
        }
        CaseCmd::Answer { case_no, answer } => {
            let (k, v) = answers(std::slice::from_ref(answer))?
                .into_iter()
                .next()
                .expect("one answer");
            update!(case_no, |c, cat| c.answer(cat, &k, &v, now))
        }
        CaseCmd::Tick {
            case_no,
            key,
            copy,
            electronic,
            copies,
            option,
            ..
        } => {
            let form = if *copy {
                Form::Copy
            } else if *electronic {
                Form::Electronic
            } else {
                Form::Original
            };
            update!(case_no, |c, _cat| c.tick(
                key,
                form,
                *copies,
                option.as_deref(),
                now
            ))
        }
        CaseCmd::Untick { case_no, key } => update!(case_no, |c, _cat| c.untick(key, now)),
        CaseCmd::Defer {
            case_no,
            key,
            until,
        } => update!(case_no, |c, cat| c.defer(cat, calendar, key, *until, now)),
        CaseCmd::Promise { case_no, key } => update!(case_no, |c, _cat| c.promise(key, now)),
        CaseCmd::Accept { case_no } => {
            let level = ctx.office.level;
            update!(case_no, |c, cat| {
                let within = scope(cat, level, &c.item);
                c.accept(cat, calendar, &within, now)
            })
        }
        CaseCmd::Notify { case_no } => match scope_of(&ctx, case_no)? {
            Scope::Elsewhere { office } => {
                update!(case_no, |c, cat| c.notify_elsewhere(cat, &office, now))
            }
            _ => update!(case_no, |c, cat| c.notify(cat, now)),
        },
        CaseCmd::Refuse {
            case_no,
            reason,
            apply_to,
        } => update!(case_no, |c, _cat| c.refuse(
            reason,
            apply_to.as_deref(),
            now
        )),
        CaseCmd::Resume { case_no } => update!(case_no, |c, cat| c.resume(cat, now)),
        CaseCmd::Complete { case_no } => {
            let level = ctx.office.level;
            update!(case_no, |c, cat| {
                let within = scope(cat, level, &c.item);
                c.complete(cat, calendar, &within, now)
            })
        }
        CaseCmd::Handback { case_no, clerk } => {
            let point = ctx.office.point.clone();
            update!(case_no, |c, _cat| c.hand_back(&point, clerk, now))
        }
        CaseCmd::Rate {
            case_no,
            score,
            comment,
            channel,
            clerk,
        } => {
            let channel = RatingChannel::parse(channel).ok_or_else(|| {
                CliError::Input(format!("评价渠道“{channel}”无效，可选：counter、paper"))
            })?;
            update!(case_no, |c, _cat| c.rate(
                *score,
                channel,
                comment.as_deref(),
                calendar,
                clerk,
                now
            ))
        }
        CaseCmd::Reply {
            case_no,
            text,
            clerk,
        } => update!(case_no, |c, _cat| c.reply_follow_up(text, clerk, now)),
        CaseCmd::Withdraw { case_no, reason } => {
            update!(case_no, |c, _cat| c.withdraw(reason.as_deref(), now))
        }
        CaseCmd::Show { case_no } => {
            let case = ctx.store.case(case_no)?;
            if ctx.json {
                let catalog = pinned(catalogs, &case)?;
                let mut v = serde_json::to_value(CaseView::new(&case, catalog))?;
                v["events"] = serde_json::to_value(ctx.store.events(case_no)?)?;
                return print_json(&v);
            }
            show(&ctx, &case, &[])?;
            for e in ctx.store.events(case_no)? {
                println!(
                    "  {} {} {}",
                    e.event.at,
                    e.event.clerk,
                    e.event.change.kind()
                );
            }
            Ok(())
        }
        CaseCmd::List(l) => {
            let state = l
                .state
                .as_deref()
                .map(|s| {
                    CaseState::parse(s).ok_or_else(|| {
                        CliError::Input(format!(
                            "办件状态“{s}”无效，可选：{}",
                            CaseState::ALL.map(|s| s.as_str()).join("、")
                        ))
                    })
                })
                .transpose()?;
            let today = now.date();
            let q = LedgerQuery {
                date: l.date,
                from: l.from,
                to: l.to,
                item: l.item.clone(),
                state,
                clerk: l.clerk.clone(),
                id_number: l.id_number.clone(),
                case_no: l.case_no.clone(),
                overdue: l.overdue,
                due_by: l
                    .due_within
                    .map(|d| today + chrono::Days::new(u64::from(d))),
                held_by: l.held.then(|| ctx.office.point.clone()),
                follow_ups: l.follow_ups,
                limit: l.limit,
            };
            let rows = ctx.store.ledger(&q, today)?;
            if ctx.json {
                return print_json(&rows);
            }
            if rows.is_empty() {
                println!("没有符合条件的办件");
            }
            for r in rows {
                println!(
                    "{}  {}  {}  {}  {} {}  {}{}",
                    r.case_no,
                    r.state_label,
                    r.item_name,
                    r.clerk,
                    r.applicant,
                    r.id_masked,
                    r.due.as_deref().unwrap_or(""),
                    if r.overdue { "（已超期）" } else { "" }
                );
            }
            Ok(())
        }
        CaseCmd::Stress { count } => stress(&mut ctx, *count),
    }
}

fn stress(ctx: &mut Ctx, count: u32) -> Result<(), CliError> {
    use std::io::Write;
    let catalog = ctx
        .catalogs
        .get("national")
        .ok_or_else(|| CliError::UnknownCatalog("national".into()))?;
    let mut out = std::io::stdout().lock();
    for _ in 0..count {
        let opened = ctx.store.open_case(
            catalog,
            OpenCase::person(
                "national",
                "002036006002",
                "9999",
                "stress",
                "压力测试",
                "11010519491231002X",
            ),
            ctx.now,
        )?;
        let no = opened.case.case_no;
        writeln!(out, "{no} 1").ok();
        out.flush().ok();
        for (i, key) in ["m1", "m2", "m3", "m4"].iter().enumerate() {
            ctx.store
                .update(&no, |c| c.tick(key, Form::Original, 1, None, ctx.now))?;
            writeln!(out, "{no} {}", i + 2).ok();
            out.flush().ok();
        }
        ctx.store.update(&no, |c| {
            c.accept(catalog, ctx.calendar, &Scope::Handles, ctx.now)
        })?;
        writeln!(out, "{no} 6").ok();
        out.flush().ok();
    }
    Ok(())
}

/// `counter backup --to FILE`.
pub fn backup(store: &Store, to: &Path) -> Result<(), CliError> {
    if to.exists() {
        return Err(CliError::Input(format!(
            "{} 已存在，请指定新的备份文件名",
            to.display()
        )));
    }
    store.backup(to)?;
    println!("已备份到 {}", to.display());
    Ok(())
}
