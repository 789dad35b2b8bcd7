//! The applicant's screen (申请人屏) and its rating. The workstation remembers the case the
//! clerk is serving (`facing`): every intake operation on a case brings it to the screen. The
//! rating given there belongs to that case only: once the clerk serves another, a rating sent
//! for the earlier one is refused, so a slow touch can never land on the next applicant.

use counter_core::case::{RatingChannel, ScreenView};

use crate::{err, store_err, ApiError, ApiErrorCode, CaseView, Workstation};

/// The case at the applicant's screen, and the clerk serving it.
#[derive(Debug, Clone)]
pub(crate) struct Facing {
    pub case_no: String,
    pub clerk: String,
}

impl Workstation {
    /// The case `case_no` is now the one at the applicant's screen.
    pub(crate) fn face(&mut self, case_no: &str) {
        if let Some(clerk) = &self.clerk {
            self.facing = Some(Facing {
                case_no: case_no.trim().to_string(),
                clerk: clerk.name.clone(),
            });
        }
    }

    /// An intake operation: applied as `change` does, and the case brought to the screen.
    pub(crate) fn serving<F>(&mut self, case_no: &str, op: F) -> Result<CaseView, ApiError>
    where
        F: FnOnce(
            &mut counter_core::case::Case,
            &counter_core::Catalog,
            &counter_core::Calendar,
            chrono::NaiveDateTime,
        )
            -> Result<Vec<counter_core::case::CaseEvent>, counter_core::case::CaseError>,
    {
        let view = self.change(case_no, op)?;
        self.face(case_no);
        Ok(view)
    }

    /// 下一位: a draft set aside leaves the screen; a decided case stays there, its rating
    /// open, until the clerk serves the next applicant.
    pub fn next_applicant(&mut self) -> Result<(), ApiError> {
        if let Some(f) = &self.facing {
            let draft = self
                .store
                .case(&f.case_no)
                .map(|c| c.state == counter_core::case::CaseState::Draft)
                .unwrap_or(true);
            if draft {
                self.facing = None;
            }
        }
        Ok(())
    }

    /// What the applicant's screen shows now. It asks often, so it neither keeps the
    /// workstation awake nor needs a clerk: signed out or locked, it shows the welcome.
    pub fn applicant_screen(&self) -> Result<ScreenView, ApiError> {
        let Some(f) = self.facing.as_ref().filter(|_| !self.locked()) else {
            return Ok(ScreenView::idle());
        };
        let case = match self.store.case(&f.case_no) {
            Ok(c) => c,
            // Gone (a restored store): nothing to show.
            Err(counter_store::StoreError::NotFound(_)) => return Ok(ScreenView::idle()),
            Err(e) => return Err(store_err(e)),
        };
        let view = self.view(&case)?;
        Ok(ScreenView::of(&case, &view, true))
    }

    /// The rating given on the applicant's screen for `case_no`: only the case at the screen,
    /// decided, once.
    pub fn rate_on_screen(&mut self, case_no: &str, score: u8) -> Result<ScreenView, ApiError> {
        let f = self
            .facing
            .clone()
            .filter(|f| f.case_no == case_no.trim() && !self.locked())
            .ok_or_else(|| {
                err(
                    ApiErrorCode::InvalidInput,
                    format!("办件 {} 的评价已结束，窗口已在办理下一位", case_no.trim()),
                )
            })?;
        let calendar = &self.calendar;
        let t = self.now();
        self.store
            .update(&f.case_no, |c| {
                c.rate(score, RatingChannel::Counter, None, calendar, &f.clerk, t)
            })
            .map_err(store_err)?;
        self.applicant_screen()
    }
}
