//! `counter case …` and `counter backup`: a whole intake from a terminal.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use clap::{Args, Subcommand};
use counter_core::case::{CaseState, CaseView, Form, IdType};
use counter_desk::{LedgerFilter, OpenRequest, UnitApplicant, Workstation};

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
    Handback { case_no: String },
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
    },
    /// The supervisor's reply to a 差评 (closes its follow-up).
    Reply {
        case_no: String,
        #[arg(long)]
        text: String,
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
    /// Cases recorded by this clerk (`--clerk` names who acts).
    #[arg(long = "by")]
    by: Option<String>,
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
    /// Cases alerting now (中心退回, 即将超期, 已超期) not yet opened at the window.
    #[arg(long)]
    alerts: bool,
    #[arg(long)]
    limit: Option<u32>,
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

fn open_request(a: &OpenArgs) -> Result<OpenRequest, CliError> {
    Ok(OpenRequest {
        catalog: a.catalog.clone(),
        item: a.item.clone(),
        name: a.name.clone().unwrap_or_default(),
        id_type: id_type(&a.id_type)?,
        id_number: a.id_number.clone().unwrap_or_default(),
        phone: a.phone.clone(),
        agent_name: a.agent_name.clone(),
        agent_id_number: a.agent_id_number.clone(),
        agent_id_type: Some(id_type(&a.agent_id_type)?),
        unit: match (&a.unit_name, &a.credit_code) {
            (Some(name), Some(code)) => Some(UnitApplicant {
                name: name.clone(),
                credit_code: code.clone(),
            }),
            _ => None,
        },
        answers: Some(answers(&a.answers)?),
        card_read: None,
    })
}

fn ledger_filter(l: &ListArgs) -> Result<LedgerFilter, CliError> {
    if let Some(s) = l.state.as_deref() {
        CaseState::parse(s).ok_or_else(|| {
            CliError::Input(format!(
                "办件状态“{s}”无效，可选：{}",
                CaseState::ALL.map(|s| s.as_str()).join("、")
            ))
        })?;
    }
    let day = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
    Ok(LedgerFilter {
        date: day(l.date),
        from: day(l.from),
        to: day(l.to),
        state: l.state.clone(),
        item: l.item.clone(),
        clerk: l.by.clone(),
        id_number: l.id_number.clone(),
        case_no: l.case_no.clone(),
        overdue: l.overdue,
        due_within: l.due_within,
        held: l.held,
        follow_ups: Some(l.follow_ups),
        alerts: Some(l.alerts),
        limit: l.limit,
    })
}

pub fn run(cmd: &CaseCmd, ws: &mut Workstation, json: bool) -> Result<(), CliError> {
    let view = match cmd {
        CaseCmd::Open(a) => {
            let opened = ws.open_case(open_request(a)?)?;
            return show(json, &opened.case, &opened.duplicates);
        }
        CaseCmd::Answer { case_no, answer } => {
            let (k, v) = answers(std::slice::from_ref(answer))?
                .into_iter()
                .next()
                .expect("one answer");
            ws.answer(case_no, &k, &v)?
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
            ws.tick(case_no, key, form, *copies, option.clone())?
        }
        CaseCmd::Untick { case_no, key } => ws.untick(case_no, key)?,
        CaseCmd::Defer {
            case_no,
            key,
            until,
        } => ws.defer(case_no, key, &until.format("%Y-%m-%d").to_string())?,
        CaseCmd::Promise { case_no, key } => ws.promise(case_no, key)?,
        CaseCmd::Accept { case_no } => ws.accept(case_no)?,
        CaseCmd::Notify { case_no } => ws.notify(case_no)?,
        CaseCmd::Refuse {
            case_no,
            reason,
            apply_to,
        } => ws.refuse(case_no, reason, apply_to.clone())?,
        CaseCmd::Resume { case_no } => ws.resume_notice(case_no)?,
        CaseCmd::Complete { case_no } => ws.complete(case_no)?,
        CaseCmd::Handback { case_no } => ws.hand_back(case_no)?,
        CaseCmd::Rate {
            case_no,
            score,
            comment,
            channel,
        } => ws.rate(case_no, *score, channel, comment.clone())?,
        CaseCmd::Reply { case_no, text } => ws.reply_follow_up(case_no, text)?,
        CaseCmd::Withdraw { case_no, reason } => ws.withdraw(case_no, reason.clone())?,
        CaseCmd::Show { case_no } => {
            let view = ws.case_detail(case_no)?.case;
            let events = ws.events(case_no)?;
            if json {
                let mut v = serde_json::to_value(&view)?;
                v["events"] = serde_json::to_value(&events)?;
                return print_json(&v);
            }
            show(false, &view, &[])?;
            for e in events {
                println!(
                    "  {} {} {}",
                    e.event.at,
                    e.event.clerk,
                    e.event.change.kind()
                );
            }
            return Ok(());
        }
        CaseCmd::List(l) => return list(ws, l, json),
        CaseCmd::Stress { count } => return stress(ws, *count),
    };
    show(json, &view, &[])
}

fn list(ws: &Workstation, l: &ListArgs, json: bool) -> Result<(), CliError> {
    let rows = ws.ledger(ledger_filter(l)?)?;
    if json {
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

/// Stress writer for the crash test: the window's own operations in a loop, each
/// acknowledged write printed (`CASE_NO EVENTS`) after its commit.
fn stress(ws: &mut Workstation, count: u32) -> Result<(), CliError> {
    use std::io::Write;
    ws.act_for_point("9999");
    let mut out = std::io::stdout().lock();
    for _ in 0..count {
        let opened = ws.open_case(OpenRequest::person(
            "national",
            "002036006002",
            "压力测试",
            "11010519491231002X",
        ))?;
        let no = opened.case.case.case_no;
        writeln!(out, "{no} 1").ok();
        out.flush().ok();
        for (i, key) in ["m1", "m2", "m3", "m4"].iter().enumerate() {
            ws.tick(&no, key, Form::Original, 1, None)?;
            writeln!(out, "{no} {}", i + 2).ok();
            out.flush().ok();
        }
        ws.accept(&no)?;
        writeln!(out, "{no} 6").ok();
        out.flush().ok();
    }
    Ok(())
}

fn show(json: bool, view: &CaseView, duplicates: &[String]) -> Result<(), CliError> {
    if json {
        let mut v = serde_json::to_value(view)?;
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
