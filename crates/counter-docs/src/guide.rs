//! The sheets a clerk prints for an applicant who only asks (咨询): the 办事指南 of an item
//! under the answers given, and a blank 授权委托书 for an agent. No case, no number.

use chrono::NaiveDateTime;
use counter_core::case::Guide;
use counter_core::settings::PointSettings;
use counter_core::Catalog;

use crate::documents::{signature_boxes, time};
use crate::font;
use crate::labels::catalog_label;
use crate::layout::{Align, Column, Layout, MARGIN, PAGE_W};

fn heading(l: &mut Layout, office: &PointSettings, title: &str) {
    l.para(
        MARGIN,
        PAGE_W - 2.0 * MARGIN,
        &office.name,
        11.0,
        Align::Center,
    );
    l.gap(1.0);
    l.title(title);
    l.gap(3.0);
    l.set_running_head(&format!("{title}（续）"));
}

/// 办事指南: the item, where to apply, the materials for these answers, the time limit, the
/// basis and the notes, and how to ask the office.
pub fn guide_sheet(
    g: &Guide,
    catalog: &Catalog,
    office: &PointSettings,
    now: NaiveDateTime,
) -> Vec<u8> {
    let mut l = Layout::new(font(), "办事指南");
    heading(&mut l, office, "办事指南");
    let mut f = vec![
        ("事项名称", format!("{}（事项编码 {}）", g.name, g.code)),
        ("依据清单", catalog_label(catalog)),
        ("办理地点", g.where_to_apply.clone()),
        (
            "办理时限",
            match &g.time_limit_now {
                Some(now) if !g.time_limit_text.contains(now.as_str()) => {
                    format!("{}（按您的情形：{now}）", g.time_limit_text)
                }
                _ => g.time_limit_text.clone(),
            },
        ),
    ];
    if !g.channels.is_empty() {
        f.push(("办理渠道", g.channels.join("、")));
    }
    if !g.steps.is_empty() {
        f.push(("办理流程", g.steps.join(" → ")));
    }
    let answered: Vec<String> = g
        .questions
        .iter()
        .filter_map(|q| {
            g.answers_in_effect
                .get(&q.id)
                .map(|a| format!("{}：{a}", q.question))
        })
        .chain(g.with_agent.then(|| "委托他人代办：是".to_string()))
        .collect();
    if !answered.is_empty() {
        f.push(("您的情形", answered.join("；")));
    }
    l.fields(&f, 10.5);
    l.gap(2.0);
    l.body("需要携带的材料：", 10.5);
    let rows: Vec<Vec<String>> = g
        .materials
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let mut need = m.requirement.clone();
            if m.optional {
                need = format!(
                    "{need}{}可要求提供",
                    if need.is_empty() { "" } else { "；" }
                );
            }
            vec![
                (i + 1).to_string(),
                m.name.clone(),
                if need.is_empty() {
                    "按清单要求提供".into()
                } else {
                    need
                },
            ]
        })
        .collect();
    l.table(
        &[
            Column {
                header: "序号",
                width: 12.0,
            },
            Column {
                header: "材料名称",
                width: 100.0,
            },
            Column {
                header: "要求",
                width: PAGE_W - 2.0 * MARGIN - 112.0,
            },
        ],
        &rows,
        10.0,
    );
    for (title, lines) in [("设定依据：", &g.basis), ("注意事项：", &g.notes)] {
        if !lines.is_empty() {
            l.gap(2.0);
            l.body(title, 10.5);
            for (i, line) in lines.iter().enumerate() {
                l.body(&format!("{}. {line}", i + 1), 10.0);
            }
        }
    }
    l.gap(2.0);
    l.body(
        &format!(
            "本指南按您所述情形出具，供准备材料参考，不作为受理凭证。咨询电话 {}；投诉监督电话 {}。",
            office.phone, office.complaint_phone
        ),
        10.0,
    );
    l.finish(&format!(
        "{}  办事指南  {}  {}",
        office.name,
        g.code,
        time(now)
    ))
}

/// 授权委托书, blank: the applicant (委托人) names the agent (受托人) for this item and signs.
pub fn authorisation_form(item_name: &str, office: &PointSettings) -> Vec<u8> {
    let mut l = Layout::new(font(), "授权委托书");
    heading(&mut l, office, "授权委托书");
    let blank = "＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿".to_string();
    l.fields(
        &[
            ("委托人（申请人）", blank.clone()),
            ("证件类型及号码", blank.clone()),
            ("联系电话", blank.clone()),
            ("受托人（代理人）", blank.clone()),
            ("证件类型及号码", blank.clone()),
            ("联系电话", blank.clone()),
            ("与委托人关系", blank),
        ],
        11.0,
    );
    l.gap(3.0);
    l.body(
        &format!(
            "本人因故不能亲自办理，现委托上述受托人代为办理“{item_name}”事项，包括提交材料、签收受理回执、一次性告知书及办理结果等相关手续。受托人在委托权限内所办理的事项，本人均予以认可，并承担相应的法律责任。"
        ),
        11.0,
    );
    l.body("委托期限：自本委托书签署之日起至该事项办结之日止。", 11.0);
    l.body("附：委托人、受托人有效身份证件复印件。", 11.0);
    signature_boxes(&mut l, "委托人（签字或按指印）", "受托人（签字）");
    l.finish(&format!("{}  授权委托书  {item_name}", office.name))
}
