//! The case's states and the changes that move it between them: the one table that the
//! counter's operations (`Case::accept`, `Case::finish`, …) and the central server both follow,
//! so a device cannot push a case into a state the counter itself would have refused.

use serde::{Deserialize, Serialize};

use super::record::{Case, CaseError, Change};
use super::values::{CaseState, TimeLimitKind};

/// What the rules need to know of a case to judge its next change without its catalog: its
/// state (`None` before it is opened) and whether its acceptance was an immediate one (即办件,
/// completed at the counter without central review).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifecycle {
    pub state: Option<CaseState>,
    #[serde(default)]
    pub immediate: bool,
}

impl Lifecycle {
    /// The case after `change`, or the action (in words, for the message) its state forbids.
    pub fn after(self, change: &Change) -> Result<Lifecycle, &'static str> {
        use CaseState::*;
        let Some(state) = self.state else {
            return match change {
                Change::Opened { .. } => Ok(Lifecycle {
                    state: Some(Draft),
                    immediate: false,
                }),
                _ => Err("在办件登记之前记录其他事项"),
            };
        };
        let accepted = matches!(state, Accepted | InReview | Returned);
        let to = |s: CaseState| {
            Ok(Lifecycle {
                state: Some(s),
                ..self
            })
        };
        match change {
            Change::Opened { .. } => Err("重复登记"),
            Change::Answered { .. }
            | Change::Unticked { .. }
            | Change::Deferred { .. }
            | Change::Promised { .. }
            | Change::Omission { .. } => {
                if state == Draft {
                    Ok(self)
                } else {
                    Err("修改材料或情形")
                }
            }
            // 补交: a deferred material handed in after acceptance.
            Change::Ticked { .. } if state == Draft || accepted => Ok(self),
            Change::Ticked { .. } => Err("登记材料"),
            Change::Accepted { kind, .. } if state == Draft => Ok(Lifecycle {
                state: Some(Accepted),
                immediate: *kind == TimeLimitKind::Immediate,
            }),
            Change::Accepted { .. } => Err("受理"),
            Change::Notified { .. } if state == Draft => to(Notified),
            Change::Notified { .. } => Err("出具一次性告知书"),
            Change::Resumed if state == Notified => to(Draft),
            Change::Resumed => Err("继续受理"),
            Change::Refused { .. } if state == Draft => to(Refused),
            Change::Refused { .. } => Err("不予受理"),
            Change::ReviewStarted if matches!(state, Accepted | Returned) => to(InReview),
            Change::ReviewStarted => Err("开始审核"),
            Change::Returned { .. } if state == InReview => to(Returned),
            Change::Returned { .. } => Err("退回"),
            // A case that needs review is completed only after it; an immediate one at once.
            Change::Completed if state == InReview || (state == Accepted && self.immediate) => {
                to(Completed)
            }
            Change::Completed => Err("办结"),
            Change::Terminated { .. } if accepted => to(Terminated),
            Change::Terminated { .. } => Err("终止办理"),
            Change::Withdrawn { .. } if state.is_open() => to(Withdrawn),
            Change::Withdrawn { .. } => Err("撤回"),
            // The paper's way and the rating have rules of their own (custody, rating); they
            // never move the case's state.
            Change::HandedOver { .. }
            | Change::HandOverReceived { .. }
            | Change::HandOverRecalled { .. }
            | Change::HandedBack { .. }
            | Change::Rated { .. }
            | Change::FollowUpReplied { .. } => Ok(self),
        }
    }

    /// Follows a whole history; the first change the rules refuse stops it.
    pub fn replay<'a>(
        changes: impl IntoIterator<Item = &'a Change>,
    ) -> Result<Lifecycle, &'static str> {
        changes
            .into_iter()
            .try_fold(Lifecycle::default(), |l, c| l.after(c))
    }
}

impl Case {
    /// What the state table needs of this case.
    pub fn lifecycle(&self) -> Lifecycle {
        Lifecycle {
            state: Some(self.state),
            immediate: self
                .acceptance
                .as_ref()
                .is_some_and(|a| a.kind == TimeLimitKind::Immediate),
        }
    }

    /// Moves the case to the state `change` leads to by the one lifecycle table.
    pub(super) fn enter(&mut self, change: &Change) -> Result<(), CaseError> {
        let now = self.lifecycle();
        let next = now.after(change).map_err(|action| self.illegal(action))?;
        self.state = next.state.unwrap_or(self.state);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
