//! 好差评: the applicant's rating of a case, five levels, once per case and channel; a 差评
//! (the two lowest levels) opens a follow-up for the supervisor, due in 15 working days.

use chrono::{NaiveDate, NaiveDateTime};

use crate::calendar::Calendar;

use super::record::{Case, CaseError, CaseEvent, Change};
use super::values::*;
pub use super::values::{
    level_label, rating_levels, FollowUp, Rating, RatingChannel, RatingLevel, FOLLOW_UP_DAYS,
    LEVELS,
};

impl Case {
    /// The latest rating, if any.
    pub fn rating(&self) -> Option<&Rating> {
        self.ratings.last()
    }

    /// Records the applicant's rating (1–5) from `channel`; a 差评 opens a follow-up due in
    /// [`FOLLOW_UP_DAYS`] working days.
    pub fn rate(
        &mut self,
        score: u8,
        channel: RatingChannel,
        comment: Option<&str>,
        calendar: &Calendar,
        clerk: &str,
        now: NaiveDateTime,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        if !(1..=5).contains(&score) {
            return Err(CaseError::InvalidInput(format!(
                "评价等级应为1至5（5 非常满意 … 1 非常不满意），收到 {score}"
            )));
        }
        if self.state == CaseState::Draft {
            return Err(CaseError::InvalidInput(format!(
                "办件 {} 尚未办理（草稿），不能评价",
                self.case_no
            )));
        }
        if self.ratings.iter().any(|r| r.channel == channel) {
            return Err(CaseError::InvalidInput(format!(
                "办件 {} 已有{}评价，每个办件每个渠道只评价一次",
                self.case_no,
                channel.label()
            )));
        }
        let follow_up_due = if score <= 2 {
            Some(
                calendar
                    .due(now.date(), FOLLOW_UP_DAYS)
                    .map_err(|e| CaseError::Calendar(e.to_string()))?
                    .due,
            )
        } else {
            None
        };
        let ev = CaseEvent {
            at: now,
            clerk: clerk.into(),
            change: Change::Rated {
                score,
                channel,
                comment: comment
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_string),
                follow_up_due,
            },
        };
        self.apply_rating(&ev);
        Ok(vec![ev])
    }

    /// The supervisor's recorded reply to a 差评.
    pub fn reply_follow_up(
        &mut self,
        reply: &str,
        clerk: &str,
        now: NaiveDateTime,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        let open = self
            .ratings
            .iter()
            .any(|r| r.follow_up.as_ref().is_some_and(|f| f.reply.is_none()));
        if !open {
            return Err(CaseError::InvalidInput(format!(
                "办件 {} 没有待回复的差评",
                self.case_no
            )));
        }
        if reply.trim().is_empty() {
            return Err(CaseError::Required("回复内容"));
        }
        let ev = CaseEvent {
            at: now,
            clerk: clerk.into(),
            change: Change::FollowUpReplied {
                reply: reply.trim().into(),
            },
        };
        self.apply_rating(&ev);
        Ok(vec![ev])
    }

    /// The open follow-up's due date, if a 差评 awaits its reply.
    pub fn follow_up_due(&self) -> Option<NaiveDate> {
        self.ratings
            .iter()
            .filter_map(|r| r.follow_up.as_ref())
            .filter(|f| f.reply.is_none())
            .map(|f| f.due)
            .min()
    }

    /// Applies a rating change; `false` when it is already there.
    pub(crate) fn apply_rating(&mut self, ev: &CaseEvent) -> bool {
        match &ev.change {
            Change::Rated {
                score,
                channel,
                comment,
                follow_up_due,
            } => {
                if self.ratings.iter().any(|r| r.channel == *channel) {
                    return false;
                }
                self.ratings.push(Rating {
                    score: *score,
                    label: level_label(*score).into(),
                    channel: *channel,
                    comment: comment.clone(),
                    at: ev.at,
                    by: ev.clerk.clone(),
                    follow_up: follow_up_due.map(|due| FollowUp {
                        due,
                        reply: None,
                        replied_at: None,
                        replied_by: None,
                    }),
                });
                true
            }
            Change::FollowUpReplied { reply } => {
                let Some(f) = self
                    .ratings
                    .iter_mut()
                    .filter_map(|r| r.follow_up.as_mut())
                    .find(|f| f.reply.is_none())
                else {
                    return false;
                };
                f.reply = Some(reply.clone());
                f.replied_at = Some(ev.at);
                f.replied_by = Some(ev.clerk.clone());
                true
            }
            _ => false,
        }
    }

    /// What a point's word for a rating must hold before it is taken (the server's check of a
    /// pushed one; [`Case::rate`] makes only such): a level of 1 to 5 on a case past its draft,
    /// a follow-up for a 差评 and for nothing else, due soon after the rating.
    pub fn check_rating(ev: &CaseEvent, state: Option<CaseState>) -> Result<(), String> {
        let Change::Rated {
            score,
            follow_up_due,
            ..
        } = &ev.change
        else {
            return Ok(());
        };
        if !(1..=5).contains(score) {
            return Err(format!("评价等级应为1至5，收到 {score}"));
        }
        if state == Some(CaseState::Draft) {
            return Err("办件尚未办理（草稿），不能评价".into());
        }
        let poor = *score <= 2;
        match follow_up_due {
            None if poor => Err("差评须有回访期限".into()),
            Some(_) if !poor => Err("只有差评才有回访期限".into()),
            // FOLLOW_UP_DAYS working days, with the longest holidays in between.
            Some(due) if *due < ev.at.date() || (*due - ev.at.date()).num_days() > 60 => {
                Err(format!("回访期限 {due} 与评价时间 {} 不符", ev.at.date()))
            }
            _ => Ok(()),
        }
    }

    /// Applies an event another point recorded on this case (hand-overs, receipts, hand-back,
    /// rating); `false` when it does not apply here or is already applied.
    pub fn apply_shared(&mut self, ev: &CaseEvent) -> bool {
        self.apply_custody(ev) || self.apply_rating(ev)
    }
}
