//! A push's reads and writes in a constant number of statements whatever the batch's size.
//! Everything the case rules look at is fetched at once before the first event ([`Batch::load`]),
//! the rules run on it in memory (each event seeing what the earlier ones of the batch did),
//! and what they decided is written at once ([`Batch::write`]): each case's judged copy once
//! per batch, not once per event. Only the paper's rarer questions (was this sheet addressed
//! here, was it received) still ask the database, per hand-over event.

use std::collections::{BTreeSet, HashMap, HashSet};

use counter_core::case::{CaseState, Change};
use counter_core::proto::WireEvent;

use crate::claims::{self, Known};
use crate::db::{Col, Exec, Rows};
use crate::seal::{self, Place};
use crate::ServerFailure;

/// The event the server holds under one of this device's sequences.
pub(crate) struct Held {
    pub id: String,
    pub hash: Option<String>,
    /// Why it was refused, if it was.
    pub refused: Option<String>,
}

/// A case of the batch as the server holds it, or will once the batch is written.
struct CaseRow {
    known: Known,
    /// The device that opened it.
    owner: Option<String>,
    /// Opened by this batch: inserted, not updated.
    opening: Option<Opening>,
    changed: bool,
}

struct Opening {
    point: String,
    item: String,
    id_hash: String,
    event_id: String,
}

pub(crate) struct Batch {
    device: String,
    held: HashMap<i64, Held>,
    /// Events held under these ids, by any device: their content hashes.
    ids: HashMap<String, Option<String>>,
    cases: HashMap<String, CaseRow>,
    /// The points that are part of each case: as stored, and as the batch leaves them.
    points_before: HashMap<String, BTreeSet<String>>,
    points: HashMap<String, BTreeSet<String>>,
    /// Cases whose opening by this device was refused as another case's number.
    reused: HashSet<String>,
    /// Offices the hand-overs of the batch name that the central office registered.
    offices: HashSet<String>,
    /// The batch's accepted events, for the paper's questions.
    accepted: Vec<(String, Change)>,
    events: Rows,
    flags: BTreeSet<(String, String)>,
}

const EVENT_COLS: &[(&str, Col)] = &[
    ("device", Col::Text),
    ("seq", Col::Int),
    ("id", Col::Text),
    ("case_no", Col::Text),
    ("kind", Col::Text),
    ("body", Col::Text),
    ("rejected", Col::Text),
    ("hash", Col::Text),
];

/// The flag of a device's refused second opening of a number.
pub(crate) fn reused_by(device: &str) -> String {
    format!("设备 {device} 重复使用该编号")
}

impl Batch {
    /// Reads what the rules need for these events: six statements, whatever their number.
    pub(crate) fn load(
        t: &mut dyn Exec,
        device: &str,
        events: &[WireEvent],
    ) -> Result<Batch, ServerFailure> {
        let case_nos: BTreeSet<&str> = events.iter().map(|e| e.case_no.as_str()).collect();
        let cases = Rows::texts(case_nos.iter().copied());
        let mut seqs = Rows::new(&[("v", Col::Int)]);
        for e in events {
            seqs.push(vec![e.seq.into()]);
        }
        let ids = Rows::texts(events.iter().map(|e| e.id.as_str()));
        let offices = Rows::texts(events.iter().filter_map(|e| match &e.event.change {
            Change::HandedOver { to, .. } => Some(to.as_str()),
            _ => None,
        }));
        let mut b = Batch {
            device: device.to_string(),
            held: HashMap::new(),
            ids: HashMap::new(),
            cases: HashMap::new(),
            points_before: HashMap::new(),
            points: HashMap::new(),
            reused: HashSet::new(),
            offices: HashSet::new(),
            accepted: Vec::new(),
            events: Rows::new(EVENT_COLS),
            flags: BTreeSet::new(),
        };
        if events.is_empty() {
            return Ok(b);
        }
        let sql = format!(
            "SELECT e.seq, e.id, e.hash, e.rejected FROM events e JOIN {} ON e.seq = x.v
             WHERE e.device = ?1",
            seqs.source(t, 2, "x")
        );
        for r in t.rows(&sql, &[device.into(), seqs.param()])? {
            let held = Held {
                id: r.get("id").text().unwrap_or_default(),
                hash: r.get("hash").text(),
                refused: r.get("rejected").text(),
            };
            b.held.insert(r.get("seq").int()?, held);
        }
        let sql = format!(
            "SELECT id, hash FROM events WHERE id IN (SELECT v FROM {})",
            ids.source(t, 1, "x")
        );
        for r in t.rows(&sql, &[ids.param()])? {
            b.ids
                .insert(r.get("id").text().unwrap_or_default(), r.get("hash").text());
        }
        let sql = format!(
            "SELECT case_no, state, immediate, body, device FROM cases
             WHERE case_no IN (SELECT v FROM {})",
            cases.source(t, 1, "x")
        );
        for r in t.rows(&sql, &[cases.param()])? {
            let case_no = r.get("case_no").text().unwrap_or_default();
            let known = claims::decode(
                t,
                &case_no,
                r.get("state"),
                r.get("immediate"),
                r.get("body"),
            )?;
            let row = CaseRow {
                known,
                owner: r.get("device").text(),
                opening: None,
                changed: false,
            };
            b.cases.insert(case_no, row);
        }
        let sql = format!(
            "SELECT case_no, point FROM case_points WHERE case_no IN (SELECT v FROM {})",
            cases.source(t, 1, "x")
        );
        for r in t.rows(&sql, &[cases.param()])? {
            let (case_no, point) = (
                r.get("case_no").text().unwrap_or_default(),
                r.get("point").text(),
            );
            b.points_before.entry(case_no).or_default().extend(point);
        }
        b.points = b.points_before.clone();
        let sql = format!(
            "SELECT case_no FROM flags WHERE other = ?1 AND case_no IN (SELECT v FROM {})",
            cases.source(t, 2, "x")
        );
        for r in t.rows(&sql, &[reused_by(device).into(), cases.param()])? {
            b.reused.extend(r.get("case_no").text());
        }
        if !offices.is_empty() {
            let sql = format!(
                "SELECT DISTINCT point FROM enroll_codes WHERE point IN (SELECT v FROM {})",
                offices.source(t, 1, "x")
            );
            for r in t.rows(&sql, &[offices.param()])? {
                b.offices.extend(r.get("point").text());
            }
        }
        Ok(b)
    }

    /// The event held under this device's sequence, the batch's own included.
    pub(crate) fn held(&self, seq: i64) -> Option<&Held> {
        self.held.get(&seq)
    }

    /// The content hash of the event held under this id, if one is held.
    pub(crate) fn hash_of(&self, id: &str) -> Option<Option<String>> {
        self.ids.get(id).cloned()
    }

    pub(crate) fn known(&self, case_no: &str) -> Option<Known> {
        self.cases.get(case_no).map(|c| c.known.clone())
    }

    /// The device that opened the case, when the server knows it.
    pub(crate) fn owner(&self, case_no: &str) -> Option<&str> {
        self.cases.get(case_no).and_then(|c| c.owner.as_deref())
    }

    /// The points that are part of the case, in a stable order.
    pub(crate) fn points(&self, case_no: &str) -> Vec<String> {
        self.points
            .get(case_no)
            .map(|p| p.iter().cloned().collect())
            .unwrap_or_default()
    }

    pub(crate) fn add_point(&mut self, case_no: &str, point: &str) {
        self.points
            .entry(case_no.to_string())
            .or_default()
            .insert(point.to_string());
    }

    pub(crate) fn drop_point(&mut self, case_no: &str, point: &str) {
        if let Some(p) = self.points.get_mut(case_no) {
            p.remove(point);
        }
    }

    pub(crate) fn reused(&self, case_no: &str) -> bool {
        self.reused.contains(case_no)
    }

    /// Whether the central office registered this office (enrolment codes name it).
    pub(crate) fn office_known(&self, point: &str) -> bool {
        self.offices.contains(point)
    }

    pub(crate) fn flag(&mut self, case_no: &str, other: String) {
        if other == reused_by(&self.device) {
            self.reused.insert(case_no.to_string());
        }
        self.flags.insert((case_no.to_string(), other));
    }

    /// Whether the server holds, or this batch accepted, an event of `kind` on this case for
    /// which `pred` holds.
    pub(crate) fn holds_event(
        &self,
        t: &mut dyn Exec,
        case_no: &str,
        kind: &str,
        pred: impl Fn(&Change) -> bool,
    ) -> Result<bool, ServerFailure> {
        if self
            .accepted
            .iter()
            .any(|(c, change)| c == case_no && change.kind() == kind && pred(change))
        {
            return Ok(true);
        }
        let rows = t.rows(
            "SELECT device, seq, body FROM events WHERE case_no = ?1 AND kind = ?2 AND rejected IS NULL",
            &[case_no.into(), kind.into()],
        )?;
        for r in rows {
            let (device, seq) = (
                r.get("device").text().unwrap_or_default(),
                r.get("seq").int()?,
            );
            if pred(
                &seal::event(t, &device, seq, &r.get("body").text().unwrap_or_default())?.change,
            ) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Stores an event of this device (refused with its reason, or accepted).
    pub(crate) fn insert_event(
        &mut self,
        t: &dyn Exec,
        e: &WireEvent,
        body: &str,
        hash: &str,
        refused: Option<&str>,
    ) {
        let device = self.device.clone();
        self.events.push(vec![
            device.as_str().into(),
            e.seq.into(),
            e.id.as_str().into(),
            e.case_no.as_str().into(),
            e.kind().into(),
            seal::seal(
                t,
                Place::Event {
                    device: &device,
                    seq: e.seq,
                },
                body,
            )
            .into(),
            refused.into(),
            hash.into(),
        ]);
        let held = Held {
            id: e.id.clone(),
            hash: Some(hash.to_string()),
            refused: refused.map(str::to_string),
        };
        self.held.insert(e.seq, held);
        self.ids.insert(e.id.clone(), Some(hash.to_string()));
        if refused.is_none() {
            self.accepted
                .push((e.case_no.clone(), e.event.change.clone()));
        }
    }

    /// A case this batch opens, at this point, for this applicant (keyed fingerprint).
    pub(crate) fn open_case(
        &mut self,
        e: &WireEvent,
        point: &str,
        item: &str,
        id_hash: String,
        next: Known,
    ) {
        let row = CaseRow {
            known: next,
            owner: Some(self.device.clone()),
            opening: Some(Opening {
                point: point.to_string(),
                item: item.to_string(),
                id_hash,
                event_id: e.id.clone(),
            }),
            changed: true,
        };
        self.cases.insert(e.case_no.clone(), row);
        self.add_point(&e.case_no, point);
    }

    /// The case as judged after an event.
    pub(crate) fn store(&mut self, case_no: &str, next: Known) {
        if let Some(c) = self.cases.get_mut(case_no) {
            c.known = next;
            c.changed = true;
        }
    }

    /// Writes what the batch decided: at most eight statements, whatever its size. Fails with
    /// `Busy` (the transaction rolls back, the device comes back) when an event was stored
    /// meanwhile by another device under one of the batch's ids.
    pub(crate) fn write(self, t: &mut dyn Exec, point: &str) -> Result<(), ServerFailure> {
        if !self.events.is_empty() {
            let sql = format!(
                "INSERT INTO events (device, seq, id, case_no, kind, body, rejected, hash)
                 SELECT device, seq, id, case_no, kind, body, rejected, hash FROM {}
                 WHERE true ON CONFLICT DO NOTHING RETURNING seq",
                self.events.source(t, 1, "x")
            );
            let stored = t.rows(&sql, &[self.events.param()])?.len();
            if stored != self.events.len() {
                tracing::warn!(
                    device = self.device,
                    "an event of the batch was stored meanwhile by another push: rolled back"
                );
                return Err(ServerFailure::Busy);
            }
        }
        self.write_cases(t, point)?;
        let mut added = Rows::new(&[("case_no", Col::Text), ("point", Col::Text)]);
        let mut dropped = Rows::new(&[("case_no", Col::Text), ("point", Col::Text)]);
        let none = BTreeSet::new();
        for (case_no, now) in &self.points {
            let before = self.points_before.get(case_no).unwrap_or(&none);
            for p in now.difference(before) {
                added.push(vec![case_no.into(), p.into()]);
            }
            for p in before.difference(now) {
                dropped.push(vec![case_no.into(), p.into()]);
            }
        }
        if !added.is_empty() {
            let sql = format!(
                "INSERT INTO case_points (case_no, point) SELECT case_no, point FROM {}
                 WHERE true ON CONFLICT DO NOTHING",
                added.source(t, 1, "x")
            );
            t.exec(&sql, &[added.param()])?;
        }
        if !dropped.is_empty() {
            let sql = format!(
                "DELETE FROM case_points WHERE EXISTS (SELECT 1 FROM {}
                 WHERE x.case_no = case_points.case_no AND x.point = case_points.point)",
                dropped.source(t, 1, "x")
            );
            t.exec(&sql, &[dropped.param()])?;
        }
        if !self.flags.is_empty() {
            let mut flags = Rows::new(&[("case_no", Col::Text), ("other", Col::Text)]);
            for (case_no, other) in &self.flags {
                flags.push(vec![case_no.into(), other.into()]);
            }
            let sql = format!(
                "INSERT INTO flags (case_no, other) SELECT case_no, other FROM {}
                 WHERE true ON CONFLICT DO NOTHING",
                flags.source(t, 1, "x")
            );
            t.exec(&sql, &[flags.param()])?;
        }
        Ok(())
    }

    /// The batch's new cases inserted and its changed cases updated, one statement each; then
    /// the same applicant and item open at another point flagged for review, never merged.
    fn write_cases(&self, t: &mut dyn Exec, point: &str) -> Result<(), ServerFailure> {
        const CASE_COLS: &[(&str, Col)] = &[
            ("case_no", Col::Text),
            ("point", Col::Text),
            ("item", Col::Text),
            ("state", Col::Text),
            ("id_hash", Col::Text),
            ("device", Col::Text),
            ("opening", Col::Text),
            ("immediate", Col::Int),
            ("body", Col::Text),
            ("opened_on", Col::Text),
        ];
        let mut opened = Rows::new(CASE_COLS);
        let mut changed = Rows::new(CASE_COLS);
        for (case_no, c) in self.cases.iter().filter(|(_, c)| c.changed) {
            let body = c
                .known
                .case
                .as_ref()
                .map(|case| seal::seal(t, Place::Case { case_no }, &claims::body_text(case)));
            let o = c.opening.as_ref();
            let row = vec![
                case_no.into(),
                o.map(|o| o.point.as_str()).into(),
                o.map(|o| o.item.as_str()).into(),
                c.known.life.state.map(CaseState::as_str).into(),
                o.map(|o| o.id_hash.as_str()).into(),
                c.owner.as_deref().into(),
                o.map(|o| o.event_id.as_str()).into(),
                i64::from(c.known.life.immediate).into(),
                body.into(),
                c.known
                    .case
                    .as_ref()
                    .map(|case| case.opened_at.date().to_string())
                    .into(),
            ];
            if o.is_some() {
                opened.push(row);
            } else {
                changed.push(row);
            }
        }
        if !opened.is_empty() {
            let sql = format!(
                "INSERT INTO cases (case_no, point, item, state, id_hash, device, opening, immediate, body, opened_on)
                 SELECT case_no, point, item, state, id_hash, device, opening, immediate, body, opened_on FROM {}",
                opened.source(t, 1, "x")
            );
            t.exec(&sql, &[opened.param()])?;
            let sql = format!(
                "INSERT INTO flags (case_no, other)
                 SELECT x.case_no, c.case_no FROM {} JOIN cases c
                   ON c.id_hash = x.id_hash AND c.item = x.item
                 WHERE c.point <> ?2
                   AND c.state NOT IN ('completed', 'refused', 'withdrawn', 'terminated')
                 ON CONFLICT DO NOTHING",
                opened.source(t, 1, "x")
            );
            t.exec(&sql, &[opened.param(), point.into()])?;
        }
        if !changed.is_empty() {
            let sql = format!(
                "UPDATE cases SET state = x.state, immediate = x.immediate, body = x.body
                 FROM {} WHERE cases.case_no = x.case_no",
                changed.source(t, 1, "x")
            );
            t.exec(&sql, &[changed.param()])?;
        }
        Ok(())
    }
}
