//! `counter catalog …`, `counter calendar …` and `counter check-id`: lookups that need no
//! store (a fresh machine has the built-in catalogs).

use std::path::PathBuf;

use counter_core::ids::{self, IdCheck};
use counter_core::view::EntryView;
use counter_core::{bundled, SearchIndex};
use counter_desk::{
    catalog_files, is_calendar, load_catalogs, read_calendar, read_catalogs, Paths,
};

use crate::{print_json, CalendarCmd, CatalogCmd, CliError};

/// Pads to a display width, counting CJK characters as two columns.
fn pad(s: &str, width: usize) -> String {
    let w: usize = s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

fn catalog_error(e: impl ToString) -> CliError {
    CliError::Input(e.to_string())
}

pub fn catalog(cmd: &CatalogCmd, paths: &Paths) -> Result<(), CliError> {
    match cmd {
        CatalogCmd::List { json } => {
            let set = load_catalogs(paths)?.0;
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
        CatalogCmd::Show {
            code,
            catalog,
            json,
        } => {
            let set = load_catalogs(paths)?.0;
            let entry = set
                .show(code, catalog.as_deref())
                .ok_or_else(|| CliError::Input(format!("未找到事项编码 {code}")))?;
            if *json {
                return print_json(&entry);
            }
            print_entry(&entry);
        }
        CatalogCmd::Search {
            query,
            catalog,
            json,
        } => {
            let set = load_catalogs(paths)?.0;
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
        CatalogCmd::Diff {
            catalog,
            base,
            json,
        } => {
            let set = load_catalogs(paths)?.0;
            let get = |id: &String| {
                set.get(id).ok_or_else(|| {
                    CliError::Input(format!(
                        "未找到清单 {id}（counter catalog list 列出可用的清单）"
                    ))
                })
            };
            let d = counter_core::diff::diff(get(catalog)?, get(base)?);
            if *json {
                return print_json(&d);
            }
            print_diff(&d);
        }
        CatalogCmd::Validate { files } => {
            let (calendars, catalogs): (Vec<PathBuf>, Vec<PathBuf>) = if files.is_empty() {
                match &paths.catalogs {
                    Some(dir) => (Vec::new(), catalog_files(dir)?),
                    None => {
                        bundled::catalogs().map_err(|errs| {
                            let lines: Vec<String> = errs.iter().map(ToString::to_string).collect();
                            CliError::Input(lines.join("\n"))
                        })?;
                        bundled::calendar().map_err(catalog_error)?;
                        println!("内置清单与日历校验通过");
                        return Ok(());
                    }
                }
            } else {
                files.iter().cloned().partition(|p| is_calendar(p))
            };
            for c in &calendars {
                read_calendar(c)?;
            }
            let set = read_catalogs(&catalogs)?;
            let items: usize = set.catalogs.iter().map(|c| c.items.len()).sum();
            println!(
                "{} 个文件校验通过（{} 个清单，{items} 个事项）",
                calendars.len() + catalogs.len(),
                set.catalogs.len()
            );
        }
    }
    Ok(())
}

pub fn calendar(cmd: &CalendarCmd, paths: &Paths) -> Result<(), CliError> {
    match cmd {
        CalendarCmd::Due {
            from,
            working_days,
            json,
        } => {
            let due = load_catalogs(paths)?
                .1
                .due(*from, *working_days)
                .map_err(catalog_error)?;
            if *json {
                return print_json(&due);
            }
            if due.provisional {
                println!("{}（预计：所跨年度的节假日安排尚未发布）", due.due);
            } else {
                println!("{}", due.due);
            }
        }
    }
    Ok(())
}

pub fn check_id(number: &str, today: chrono::NaiveDate) -> Result<(), CliError> {
    match ids::check_any(number, today).map_err(catalog_error)? {
        IdCheck::Resident(id) => println!(
            "有效的居民身份证号码 {}（出生日期 {}，{}{}）",
            ids::mask_id(&id.number),
            id.birth_date,
            if id.male { "男" } else { "女" },
            if id.legacy { "，15位旧号码" } else { "" }
        ),
        IdCheck::CreditCode(code) => println!("有效的统一社会信用代码 {code}"),
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
