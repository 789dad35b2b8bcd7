//! A case's history as a clerk reads it: each event with its title and what it concerned in
//! words (the material's name, not its key; the reason; the sheet). The window shows these
//! lines as they are, so no label table is kept in the UI.

use chrono::NaiveDateTime;
use serde::Serialize;
use ts_rs::TS;

use super::record::{Case, CaseEvent, Change};
use super::values::CaseState;

/// One line of a case's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct HistoryLine {
    #[ts(type = "string")]
    pub at: NaiveDateTime,
    pub clerk: String,
    /// The event's kind (`ticked`, `accepted`, …), for styling and tests.
    pub event: &'static str,
    pub title: &'static str,
    /// What it concerned, in words; empty when the title says it all.
    pub detail: String,
}

impl Change {
    /// The title a clerk reads for this change.
    pub fn title(&self) -> &'static str {
        match self {
            Change::Opened { .. } => "登记",
            Change::Answered { .. } => "回答情形",
            Change::Ticked { .. } => "收取材料",
            Change::Unticked { .. } => "撤销收取",
            Change::Deferred { .. } => "容缺",
            Change::Promised { .. } => "告知承诺",
            Change::Accepted { .. } => "受理",
            Change::Notified { .. } => "一次性告知",
            Change::Refused { .. } => "不予受理",
            Change::Completed => "办结",
            Change::Resumed => "续办",
            Change::Omission { .. } => "告知遗漏",
            Change::ReviewStarted => "审核",
            Change::Returned { .. } => "退回",
            Change::Terminated { .. } => "终止办理",
            Change::Withdrawn { .. } => "撤回",
            Change::HandedOver { .. } => "移交",
            Change::HandOverReceived { .. } => "接收",
            Change::HandOverRecalled { .. } => "撤回移交",
            Change::HandedBack { .. } => "送达申请人",
            Change::Rated { .. } => "评价",
            Change::FollowUpReplied { .. } => "差评答复",
        }
    }
}

impl Case {
    /// The name of the material `key` on this case's checklist (the key itself if unknown).
    fn material_name(&self, key: &str) -> String {
        self.checklist
            .iter()
            .find(|e| e.material.key == key)
            .map_or_else(|| key.to_string(), |e| e.material.name.clone())
    }

    /// `event` as a line of this case's history.
    pub fn history_line(&self, event: &CaseEvent) -> HistoryLine {
        let names = |keys: &[String]| {
            keys.iter()
                .map(|k| self.material_name(k))
                .collect::<Vec<_>>()
                .join("、")
        };
        let detail = match &event.change {
            Change::Answered { situation, answer } => format!("{situation}：{answer}"),
            Change::Ticked {
                key,
                form,
                copies,
                option,
            } => format!(
                "{}（{}，{copies}份）",
                option.clone().unwrap_or_else(|| self.material_name(key)),
                form.label()
            ),
            Change::Unticked { key } | Change::Promised { key } => self.material_name(key),
            Change::Deferred { key, deadline } => format!(
                "{}，{}前补交",
                self.material_name(key),
                deadline.format("%Y-%m-%d")
            ),
            Change::Accepted { due, .. } => due
                .map(|d| format!("办结期限 {}", d.format("%Y-%m-%d")))
                .unwrap_or_default(),
            Change::Notified {
                missing,
                apply_to,
                bring_by,
            } => match (apply_to, bring_by) {
                (Some(to), _) => format!("请到{to}办理"),
                (None, Some(by)) => {
                    format!("缺 {}，{}前补交", names(missing), by.format("%Y-%m-%d"))
                }
                (None, None) => format!("缺 {}", names(missing)),
            },
            Change::Refused { reason, .. }
            | Change::Returned { reason }
            | Change::Terminated { reason } => reason.clone(),
            Change::Withdrawn { reason } => reason.clone().unwrap_or_default(),
            Change::Omission { name, .. } => format!("{name} 未列在告知书上"),
            Change::HandedOver { sheet_no, to, .. } => format!("交接单 {sheet_no}，移交 {to}"),
            Change::HandOverReceived { sheet_no, to, .. } => {
                format!("交接单 {sheet_no}，{to} 已接收")
            }
            Change::HandOverRecalled { sheet_no, .. } => format!("交接单 {sheet_no}"),
            Change::Rated { score, .. } => super::values::level_label(*score).to_string(),
            Change::FollowUpReplied { reply } => reply.clone(),
            Change::Opened {
                card_read: true, ..
            } => "读卡：身份信息由二代证读卡器读取".into(),
            // A withdrawn case's paper goes back, not its result.
            Change::HandedBack { .. } if self.state == CaseState::Withdrawn => {
                "申请人撤回，材料已退还申请人".into()
            }
            Change::Opened { .. }
            | Change::Completed
            | Change::Resumed
            | Change::ReviewStarted
            | Change::HandedBack { .. } => String::new(),
        };
        HistoryLine {
            at: event.at,
            clerk: event.clerk.clone(),
            event: event.change.kind(),
            title: event.change.title(),
            detail,
        }
    }
}
