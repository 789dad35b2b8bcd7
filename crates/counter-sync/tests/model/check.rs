//! What must hold after quiescence (see the model's header), checked on every device and on
//! the server.

use std::collections::{BTreeMap, BTreeSet};

use counter_testkit::prelude::*;
use proptest::prelude::*;

use super::World;

impl World {
    /// How the server's file holds an event (for the failure message).
    fn server_row(&self, id: &str) -> Option<(String, i64, Option<String>)> {
        let file = self.db.url.strip_prefix("sqlite:")?;
        let conn = rusqlite::Connection::open(file).ok()?;
        conn.query_row(
            "SELECT device, seq, rejected FROM events WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .ok()
    }

    /// Case numbers a clone and its original both made: two applicants under one number.
    fn copies(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for dev in &self.devices {
            if let Some(o) = dev.clone_of {
                out.extend(dev.made.intersection(&self.devices[o].made).cloned());
            }
        }
        out
    }

    pub(super) fn check(&mut self) -> Result<(), TestCaseError> {
        let on_server: BTreeSet<String> =
            self.centrals[0].event_ids().unwrap().into_iter().collect();
        let copies = self.copies();
        let mut made: BTreeMap<String, usize> = BTreeMap::new();
        for (i, dev) in self.devices.iter().enumerate() {
            for no in dev.made.difference(&copies) {
                prop_assert!(made.insert(no.clone(), i).is_none(), "{no} made twice");
            }
            let s = dev.store.as_ref().unwrap();
            prop_assert_eq!(s.sync_state().unwrap().pending, 0);
            let rejected = s.rejections(None).unwrap();
            prop_assert!(
                rejected.iter().all(|r| copies.contains(&r.case_no)),
                "{:?}",
                rejected
            );
            let me = s.sync_link().unwrap().unwrap().device_id;
            for id in s.own_event_ids().unwrap() {
                let case_no = s.event_case(&id).unwrap().unwrap_or_default();
                prop_assert!(
                    on_server.contains(&id) || copies.contains(&case_no),
                    "{id} of device {i} not on the server: {:?}",
                    self.server_row(&id)
                );
            }
            for row in s.ledger(&Default::default(), now().date()).unwrap() {
                if !dev.made.contains(&row.case_no) {
                    continue;
                }
                let mine = s.case(&row.case_no).unwrap();
                let (state, owner) = self.centrals[0].case_record(&row.case_no).unwrap().unwrap();
                let counter_server::Judged {
                    case: judged,
                    opening,
                } = self.centrals[0].judged(&row.case_no).unwrap().unwrap();
                let my_opening = s.opening_of(&row.case_no).unwrap();
                if copies.contains(&row.case_no) && opening != my_opening {
                    // The other applicant's case holds the number: this one took nothing.
                    prop_assert_eq!(mine.state.as_str(), "accepted", "{}", row.case_no);
                    continue;
                }
                prop_assert_eq!(state.as_str(), mine.state.as_str(), "{}", row.case_no);
                // Nothing the hostile device said reached the server's copy of the case.
                let judged = judged.expect("judged");
                prop_assert_eq!(&judged.checklist, &mine.checklist, "{}", row.case_no);
                prop_assert_eq!(judged.applicant.name(), mine.applicant.name());
                // A clone's cases pushed before it was found follow the original's seat.
                if dev.clone_of.is_none() && !copies.contains(&row.case_no) {
                    prop_assert_eq!(owner.as_deref(), Some(me.as_str()));
                }
            }
        }
        for id in &on_server {
            prop_assert!(
                self.ever.contains(id) || id.starts_with("hostile-"),
                "the server holds {id}, which no device made"
            );
        }
        Ok(())
    }
}
