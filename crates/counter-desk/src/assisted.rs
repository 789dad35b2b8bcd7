//! Assisted service at the workstation: what this point may accept, hand-over sheets (create
//! from the held paper, receive by scanning the sheet's QR code), hand-back, ratings and the
//! supervisor's follow-ups.

use counter_core::case::{CaseView, Form};
use counter_core::custody::{scope, transit_overdue, Scope};
use counter_core::rating::RatingChannel;
use counter_store::{LedgerQuery, LedgerRow, SheetRow, SheetSent};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{err, store_err, ApiError, ApiErrorCode, Preview, Workstation};

/// A hand-over sheet with its cases, for the receive screen (what to check the paper against).
#[derive(Debug, Clone, Serialize, TS)]
pub struct SheetDetail {
    pub sheet: SheetRow,
    pub cases: Vec<SheetCase>,
    /// Cases on the sheet not yet synced to this workstation.
    pub missing_cases: Vec<String>,
    /// Not received this many working days after it was sent (see `TRANSIT_DAYS`).
    pub overdue: bool,
    /// Addressed to this point, open, and every case of it here.
    pub can_receive: bool,
    /// Sent by this point and neither received nor recalled.
    pub can_recall: bool,
    /// Why the central server refused this hand-over, if it did: the receiving office will
    /// never see it (a wrong office code); recall it and hand over again.
    pub rejected: Option<String>,
}

/// One case of a sheet and the paper that travels with it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SheetCase {
    pub case: CaseView,
    pub materials: Vec<SheetMaterial>,
}

/// A piece of paper on a sheet: the material (the option handed over, for an 'any of'), in
/// which form and how many copies.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SheetMaterial {
    pub key: String,
    pub name: String,
    pub form: Form,
    pub copies: u32,
}

/// A material noted at receipt: not there (缺失) or damaged (破损).
#[derive(Debug, Clone, Deserialize, TS)]
pub struct ReceiptNote {
    pub case_no: String,
    pub key: String,
    pub note: String,
}

/// Working days after which a sheet not yet received is shown as overdue.
pub const TRANSIT_DAYS: u32 = 3;

impl Workstation {
    /// What this point may do with a case's item.
    pub fn scope_of(&self, case: &counter_core::case::Case) -> Result<Scope, ApiError> {
        Ok(scope(
            self.pinned(case)?,
            self.office.level,
            &self.office.handled_by,
            &case.item,
        ))
    }

    /// 移交: the given cases on a new sheet to `to`; returns the sheet's preview to print.
    pub fn hand_over(
        &mut self,
        cases: Vec<String>,
        to: &str,
        unregistered: bool,
    ) -> Result<Preview, ApiError> {
        let sent = self.hand_over_sheet(&cases, to, unregistered)?;
        self.sheet_document(&sent.sheet_no)
    }

    /// 移交 recorded: the cases on a new sheet to `to`. An office neither registered above this
    /// point nor the one the cases came from is refused unless the clerk confirmed it
    /// (`unregistered`): offline nothing else could tell a mistyped code, and the paper would
    /// travel to nobody.
    pub fn hand_over_sheet(
        &mut self,
        cases: &[String],
        to: &str,
        unregistered: bool,
    ) -> Result<SheetSent, ApiError> {
        let clerk = self.clerk()?.name.clone();
        let to = to.trim();
        // The paper goes up to a registered office, or back to the point that accepted it.
        let returning = cases
            .iter()
            .all(|no| self.store.case(no.trim()).is_ok_and(|c| c.point == to));
        if !unregistered && !returning && self.office.office_of_point(to).is_none() {
            let known: Vec<String> = self
                .office
                .handled_by
                .iter()
                .map(|o| format!("{}（{}）", o.name, o.point))
                .collect();
            return Err(err(
                ApiErrorCode::Unconfirmed,
                if known.is_empty() {
                    format!("网点代码“{to}”无法核对：本网点尚未登记上级经办机构（设置 → 上级经办机构）。确认代码无误请再按一次")
                } else {
                    format!(
                        "网点代码“{to}”不是本网点登记的上级经办机构（{}）。确认代码无误请再按一次",
                        known.join("、")
                    )
                },
            ));
        }
        let point = self.office.point.clone();
        self.store
            .hand_over(cases, &point, to, &clerk, self.now())
            .map_err(store_err)
    }

    /// The PDF of a recorded sheet; its QR code carries the sheet number.
    pub fn sheet_pdf(&self, sheet_no: &str) -> Result<Vec<u8>, ApiError> {
        self.clerk()?;
        let (sheet, cases) = self
            .store
            .sheet_cases(sheet_no, &self.office.point)
            .map_err(store_err)?;
        counter_docs::hand_over_sheet(
            &counter_docs::HandOverSheet {
                number: sheet.sheet_no.clone(),
                to_office: match self.office.office_of_point(&sheet.to) {
                    Some(o) => format!("{}（网点 {}）", o.name, o.point),
                    None => format!("网点 {}", sheet.to),
                },
                cases: &cases,
                at: sheet.sent_at,
                clerk: sheet.sent_by.clone(),
            },
            &self.office,
        )
        .map_err(|e| err(ApiErrorCode::InvalidInput, e.to_string()))
    }

    /// The 材料交接单 of a recorded sheet, kept for reprinting and rendered for preview.
    pub fn sheet_document(&self, sheet_no: &str) -> Result<Preview, ApiError> {
        let pdf = self.sheet_pdf(sheet_no)?;
        self.preview(sheet_no.trim(), "handover", "材料交接单", &pdf)
    }

    /// A sheet by its number (typed, or scanned from its QR code).
    pub fn sheet(&self, sheet_no: &str) -> Result<SheetDetail, ApiError> {
        self.clerk()?;
        let (sheet, cases) = self
            .store
            .sheet_cases(sheet_no, &self.office.point)
            .map_err(store_err)?;
        let missing_cases: Vec<String> = sheet
            .cases
            .iter()
            .filter(|n| !cases.iter().any(|c| &c.case_no == *n))
            .cloned()
            .collect();
        let open = sheet.received_at.is_none() && sheet.recalled_at.is_none();
        let overdue = open
            && transit_overdue(
                sheet.sent_at.date(),
                TRANSIT_DAYS,
                &self.calendar,
                self.now().date(),
            );
        let cases = cases
            .iter()
            .map(|c| {
                Ok(SheetCase {
                    case: self.view(c)?,
                    materials: c
                        .received_materials()
                        .map(|(e, form, copies, option)| SheetMaterial {
                            key: e.material.key.clone(),
                            name: option.unwrap_or(&e.material.name).to_string(),
                            form,
                            copies,
                        })
                        .collect(),
                })
            })
            .collect::<Result<_, ApiError>>()?;
        Ok(SheetDetail {
            rejected: self
                .store
                .sheet_rejection(&sheet.sheet_no)
                .map_err(store_err)?,
            can_receive: open && sheet.incoming && missing_cases.is_empty(),
            can_recall: open && sheet.from == self.office.point,
            cases,
            sheet,
            missing_cases,
            overdue,
        })
    }

    /// 接收: confirms the sheet's paper arrived, with what was missing or damaged.
    pub fn receive_sheet(
        &mut self,
        sheet_no: &str,
        notes: Vec<ReceiptNote>,
    ) -> Result<SheetDetail, ApiError> {
        let clerk = self.clerk()?.name.clone();
        let notes: Vec<(String, String, String)> = notes
            .into_iter()
            .map(|n| (n.case_no, n.key, n.note))
            .collect();
        let point = self.office.point.clone();
        self.store
            .receive_sheet(sheet_no, &point, &notes, &clerk, self.now())
            .map_err(store_err)?;
        self.sheet(sheet_no)
    }

    /// 撤回: takes back a sheet this point sent that nobody has received.
    pub fn recall_sheet(
        &mut self,
        sheet_no: &str,
        reason: Option<String>,
    ) -> Result<SheetDetail, ApiError> {
        let clerk = self.clerk()?.name.clone();
        let point = self.office.point.clone();
        self.store
            .recall_sheet(sheet_no, &point, reason.as_deref(), &clerk, self.now())
            .map_err(store_err)?;
        self.sheet(sheet_no)
    }

    /// Sheets of this point, newest first; `pending`: not yet received.
    pub fn sheets(&self, pending: bool) -> Result<Vec<SheetDetail>, ApiError> {
        self.clerk()?;
        self.store
            .sheets(&self.office.point, pending)
            .map_err(store_err)?
            .iter()
            .map(|s| self.sheet(&s.sheet_no))
            .collect()
    }

    /// 送达: the result handed back to the applicant here.
    pub fn hand_back(&mut self, case_no: &str) -> Result<CaseView, ApiError> {
        let point = self.office.point.clone();
        let clerk = self.clerk()?.name.clone();
        self.change(case_no, |c, _, _, t| c.hand_back(&point, &clerk, t))
    }

    /// 好差评, given on the screen (`counter`) or typed in from a paper form (`paper`).
    pub fn rate(
        &mut self,
        case_no: &str,
        score: u8,
        channel: &str,
        comment: Option<String>,
    ) -> Result<CaseView, ApiError> {
        let channel = RatingChannel::parse(channel).ok_or_else(|| {
            err(
                ApiErrorCode::InvalidInput,
                format!("未知的评价渠道 {channel}"),
            )
        })?;
        let clerk = self.clerk()?.name.clone();
        self.change(case_no, |c, _, cal, t| {
            c.rate(score, channel, comment.as_deref(), cal, &clerk, t)
        })
    }

    /// The supervisor's reply to a 差评.
    pub fn reply_follow_up(&mut self, case_no: &str, reply: &str) -> Result<CaseView, ApiError> {
        let clerk = self.supervisor()?.name.clone();
        let view = self.change(case_no, |c, _, _, t| c.reply_follow_up(reply, &clerk, t))?;
        self.audit(&clerk, "差评回复", Some(case_no.trim()));
        Ok(view)
    }

    /// 差评 awaiting a reply, soonest due first.
    pub fn follow_ups(&self) -> Result<Vec<LedgerRow>, ApiError> {
        self.clerk()?;
        let mut rows = self
            .store
            .ledger(
                &LedgerQuery {
                    follow_ups: true,
                    ..Default::default()
                },
                self.now().date(),
            )
            .map_err(store_err)?;
        rows.sort_by(|a, b| a.follow_up_due.cmp(&b.follow_up_due));
        Ok(rows)
    }
}
