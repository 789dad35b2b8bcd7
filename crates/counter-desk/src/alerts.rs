//! Alerts at the window (the header's 提醒, the ledger's filter): the core's rule
//! (`counter_core::alerts`) over this store's open cases, less those a clerk has opened since.

use counter_core::alerts::{alert, soon_limit, AlertKind};
use counter_core::case::{Case, CaseState};
use counter_store::{LedgerQuery, LedgerRow};
use serde::Serialize;
use ts_rs::TS;

use crate::{store_err, ApiError, Workstation};

/// One alert, as the header lists it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Alert {
    pub case_no: String,
    pub kind: AlertKind,
    pub label: String,
    pub item_name: String,
    pub due: Option<String>,
    /// The centre's reason, for a return.
    pub reason: Option<String>,
}

impl Workstation {
    /// The cases alerting now and not yet opened, returns first, then by due date.
    fn alerting(&self) -> Result<Vec<(Case, AlertKind)>, ApiError> {
        let today = self.now().date();
        let soon = soon_limit(today, &self.calendar);
        let queries = [
            LedgerQuery {
                state: Some(CaseState::Returned),
                ..Default::default()
            },
            LedgerQuery {
                overdue: true,
                ..Default::default()
            },
            LedgerQuery {
                due_by: Some(soon),
                ..Default::default()
            },
        ];
        let mut seen = std::collections::BTreeSet::new();
        let mut out = Vec::new();
        for q in &queries {
            for row in self.store.ledger(q, today).map_err(store_err)? {
                if !seen.insert(row.case_no.clone()) {
                    continue;
                }
                let case = self.store.case(&row.case_no).map_err(store_err)?;
                let Some((kind, mark)) = alert(&case, today, soon) else {
                    continue;
                };
                if !self
                    .store
                    .alert_seen(&case.case_no, kind.as_str(), &mark)
                    .map_err(store_err)?
                {
                    out.push((case, kind));
                }
            }
        }
        out.sort_by_key(|(c, k)| (*k != AlertKind::Returned, c.due(), c.case_no.clone()));
        Ok(out)
    }

    /// 提醒: what the header shows until each case is opened.
    pub fn alerts(&self) -> Result<Vec<Alert>, ApiError> {
        self.clerk()?;
        Ok(self
            .alerting()?
            .into_iter()
            .map(|(c, kind)| Alert {
                case_no: c.case_no.clone(),
                kind,
                label: kind.label().to_string(),
                item_name: c.item_name.clone(),
                due: c.due().map(|d| d.to_string()),
                reason: (kind == AlertKind::Returned)
                    .then(|| c.reason.clone())
                    .flatten(),
            })
            .collect())
    }

    /// The ledger's 提醒 filter: the alerting cases as ledger rows.
    pub(crate) fn alert_rows(&self) -> Result<Vec<LedgerRow>, ApiError> {
        let today = self.now().date();
        let mut rows = Vec::new();
        for (c, _) in self.alerting()? {
            let q = LedgerQuery {
                case_no: Some(c.case_no),
                ..Default::default()
            };
            rows.extend(self.store.ledger(&q, today).map_err(store_err)?);
        }
        Ok(rows)
    }

    /// The clerk opened `case`: its alert (if any) is no longer shown.
    pub(crate) fn alert_opened(&self, case: &Case) -> Result<(), ApiError> {
        let today = self.now().date();
        if let Some((kind, mark)) = alert(case, today, soon_limit(today, &self.calendar)) {
            let at = self.now().format("%Y-%m-%dT%H:%M:%S").to_string();
            self.store
                .mark_alert_seen(&case.case_no, kind.as_str(), &mark, &at)
                .map_err(store_err)?;
        }
        Ok(())
    }
}
