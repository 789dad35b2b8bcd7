//! The sync protocol as a state machine, tested by proptest: two points with two windows each
//! work through random operations (open, hand over, receive, recall, central review / return /
//! completion, re-enrolment, backups and restores) while the transport misbehaves (a push
//! committed but its answer lost, a duplicated delivery, a pull cut after its first page, the
//! server stopped and restarted). One store may be copied onto a second PC (a clone pushing as
//! the same device), and a hostile device of the first point (window 3) sends arbitrary events
//! under its own credentials. After quiescence:
//! - every event a device recorded is on the server exactly once, and the server holds nothing
//!   no device made;
//! - every device sees each case it opened in the state the server has, and the server names
//!   that device as its owner;
//! - no case number was made by two devices, but for a clone's copies, where the server holds
//!   exactly one of the two applicants' cases and the other store's case took no decision;
//! - the server's judged copy of each honest case has the device's materials: nothing the
//!   hostile device said changed an honest case.
//!
//! The same holds with the central store on PostgreSQL served by two and three instances at
//! once: each device syncs through the instance it enrolled with, the central office decides
//! and the transport misbehaves through any of them, and a sync races a decision on another
//! instance (`Op::Race`).
//!
//! The test command runs a few cases; `COUNTER_MODEL_CASES=200` runs more.

use std::collections::BTreeSet;
use std::path::PathBuf;

use counter_core::proto::{PushRequest, RemoteStatus};
use counter_server::Central;
use counter_store::Store;
use counter_sync::sync_now;
use counter_testkit::prelude::*;
use proptest::prelude::*;

#[path = "model/check.rs"]
mod check;
#[path = "model/hostile.rs"]
mod hostile;
use hostile::Hostile;

const POINTS: [&str; 2] = ["3211", "3212"];

#[derive(Debug, Clone)]
enum Op {
    Open(usize),
    Sync(usize),
    HandOver(usize),
    Receive(usize),
    Recall(usize),
    Decide(usize, u8),
    ReEnrol(usize),
    Backup(usize),
    Restore(usize),
    LostAnswer(usize),
    Duplicate(usize),
    HalfPull(usize),
    /// Instance `i`'s server stops (its address refuses) or starts again.
    StopServer(usize),
    StartServer(usize),
    /// Device `d` syncs while two reviewers decide case `c` through two other instances.
    Race(usize, usize, u8),
    /// The store of device `d` copied onto another PC, which goes on as if it were `d`.
    Clone(usize),
    /// The hostile device sends one arbitrary event (target, change).
    Hostile(usize, u8),
}

fn op() -> impl Strategy<Value = Op> {
    let d = 0..4usize;
    prop_oneof![
        4 => (0..5usize).prop_map(Op::Open),
        4 => (0..5usize).prop_map(Op::Sync),
        2 => d.clone().prop_map(Op::HandOver),
        2 => d.clone().prop_map(Op::Receive),
        1 => d.clone().prop_map(Op::Recall),
        2 => (0..64usize, 0..3u8).prop_map(|(c, k)| Op::Decide(c, k)),
        1 => d.clone().prop_map(Op::ReEnrol),
        1 => d.clone().prop_map(Op::Backup),
        1 => d.clone().prop_map(Op::Restore),
        1 => d.clone().prop_map(Op::LostAnswer),
        1 => d.clone().prop_map(Op::Duplicate),
        1 => d.clone().prop_map(Op::HalfPull),
        1 => (0..3usize).prop_map(Op::StopServer),
        1 => (0..3usize).prop_map(Op::StartServer),
        2 => (0..4usize, 0..64usize, 0..3u8).prop_map(|(d, c, k)| Op::Race(d, c, k)),
        1 => d.clone().prop_map(Op::Clone),
        3 => (0..64usize, 0..12u8).prop_map(|(c, k)| Op::Hostile(c, k)),
    ]
}

struct Device {
    point: &'static str,
    window: u32,
    db: PathBuf,
    key: PathBuf,
    store: Option<Store>,
    backup: Option<PathBuf>,
    /// Every case number this device made, including those lost with a restore.
    made: BTreeSet<String>,
    /// Every device id the central server gave this store.
    ids: Vec<String>,
    /// A copy of another device's store (index), pushing as it until the operator separates
    /// them.
    clone_of: Option<usize>,
}

impl Device {
    fn s(&mut self) -> &mut Store {
        self.store.as_mut().expect("open")
    }
}

struct World {
    // Dropped first: no server outlives its store.
    servers: Vec<Option<Server>>,
    addrs: Vec<std::net::SocketAddr>,
    /// The instances over one central store; the checks read through the first.
    centrals: Vec<Central>,
    db: CentralDb,
    dir: tempfile::TempDir,
    devices: Vec<Device>,
    cases: Vec<String>,
    /// Every event id any device ever held (a restore forgets some).
    ever: BTreeSet<String>,
    hostile: Hostile,
}

fn quiet() -> counter_sync::Options {
    counter_sync::Options {
        retries: 0,
        timeout: std::time::Duration::from_secs(5),
        connect_timeout: std::time::Duration::from_secs(2),
        ..counter_sync::Options::default()
    }
}

/// Opens and accepts one case; `None` when the store refuses (a restored one before its sync).
fn try_open(s: &mut Store, point: &str) -> Option<String> {
    accepted_case(s, point).ok()
}

/// What each test runs its histories on.
#[derive(Clone, Copy, Debug)]
struct Setup {
    backend: Backend,
    instances: usize,
}

/// A decision as `Op::Decide` and `Op::Race` take it.
fn decision(k: u8) -> RemoteStatus {
    [
        RemoteStatus::InReview,
        RemoteStatus::Returned,
        RemoteStatus::Completed,
    ][k as usize % 3]
}

impl World {
    fn new(setup: Setup) -> World {
        let dir = tempfile::tempdir().unwrap();
        let db = CentralDb::new(dir.path(), setup.backend);
        let first = Central::open(&db.url, keys()).unwrap();
        let mut centrals = vec![first.clone()];
        for _ in 1..setup.instances {
            centrals.push(Central::open(&db.url, first.keys().clone()).unwrap());
        }
        let servers: Vec<Server> = centrals
            .iter()
            .map(|c| Server::start(c.clone(), None))
            .collect();
        let addrs = servers.iter().map(|s| s.addr).collect();
        let central = &first;
        let mut devices = Vec::new();
        for (i, (point, window)) in [(0, 1), (0, 2), (1, 1), (1, 2)].into_iter().enumerate() {
            let mut store = store(dir.path(), &format!("d{i}"));
            store.set_window(window);
            let code = central.enroll_code(POINTS[point], Some("E"), None).unwrap();
            // Each device syncs through the instance it enrolled with.
            let server = &servers[i % servers.len()];
            let id = counter_sync::enroll(&mut store, &server.url(), &code, "model")
                .unwrap()
                .device_id;
            devices.push(Device {
                clone_of: None,
                ids: vec![id],
                point: POINTS[point],
                window,
                db: dir.path().join(format!("d{i}.db")),
                key: dir.path().join(format!("d{i}.key")),
                store: Some(store),
                backup: None,
                made: BTreeSet::new(),
            });
        }
        let mut h = store(dir.path(), "hostile");
        h.set_window(3);
        let code = central.enroll_code(POINTS[0], Some("E"), None).unwrap();
        let device = counter_sync::enroll(&mut h, &servers[0].url(), &code, "hostile")
            .unwrap()
            .device_id;
        World {
            servers: servers.into_iter().map(Some).collect(),
            addrs,
            centrals,
            db,
            dir,
            devices,
            cases: Vec::new(),
            ever: BTreeSet::new(),
            hostile: Hostile::new(device),
        }
    }

    /// The instance the `k`th of something goes through.
    fn at(&self, k: usize) -> &Central {
        &self.centrals[k % self.centrals.len()]
    }

    /// The URL of a running instance, the `k`th if it runs.
    fn url(&self, k: usize) -> Option<String> {
        let n = self.servers.len();
        (0..n).find_map(|j| self.servers[(k + j) % n].as_ref().map(Server::url))
    }

    fn remember(&mut self, d: usize) {
        let s = self.devices[d].store.as_ref().unwrap();
        self.ever.extend(s.own_event_ids().unwrap());
    }

    fn apply(&mut self, op: &Op) {
        let other = |d: &Device| POINTS.iter().find(|p| **p != d.point).unwrap().to_string();
        let honest = |d: usize| d < 4;
        match *op {
            Op::Open(d) | Op::Sync(d) if d >= self.devices.len() => {}
            Op::LostAnswer(d) | Op::Duplicate(d) | Op::HalfPull(d)
                if self.devices[d].clone_of.is_some() => {}
            Op::Open(d) => {
                let point = self.devices[d].point;
                if let Some(no) = try_open(self.devices[d].s(), point) {
                    self.devices[d].made.insert(no.clone());
                    self.cases.push(no);
                }
            }
            Op::Sync(d) => {
                let _ = sync_now(self.devices[d].s(), quiet());
            }
            Op::HandOver(d) => {
                let (point, to) = (self.devices[d].point, other(&self.devices[d]));
                let mine: Vec<String> = self.devices[d].made.iter().cloned().collect();
                if let Some(no) = mine.last() {
                    let _ = self.devices[d].s().hand_over(
                        std::slice::from_ref(no),
                        point,
                        &to,
                        "经办人",
                        now(),
                    );
                }
            }
            Op::Receive(d) | Op::Recall(d) => {
                let point = self.devices[d].point;
                let s = self.devices[d].s();
                for sheet in s.sheets(point, true).unwrap_or_default() {
                    let _ = if matches!(op, Op::Receive(_)) && sheet.incoming {
                        s.receive_sheet(&sheet.sheet_no, point, &[], "经办人", now())
                            .map(|_| ())
                    } else if matches!(op, Op::Recall(_)) && !sheet.incoming {
                        s.recall_sheet(&sheet.sheet_no, point, None, "经办人", now())
                            .map(|_| ())
                    } else {
                        Ok(())
                    };
                }
            }
            Op::Decide(c, k) => {
                if let Some(no) = self.cases.get(c % self.cases.len().max(1)) {
                    let _ =
                        self.at(c)
                            .decide(no, decision(k), Some("材料不清晰"), "审核员", decided());
                }
            }
            Op::Race(d, c, k) => {
                let Some(no) = self.cases.get(c % self.cases.len().max(1)).cloned() else {
                    return;
                };
                let n = self.centrals.len();
                let (one, other) = (&self.centrals[(d + 1) % n], &self.centrals[(d + 2) % n]);
                let s = self.devices[d].s();
                std::thread::scope(|t| {
                    for (central, k) in [(one, k), (other, k + 1)] {
                        let no = &no;
                        t.spawn(move || {
                            let _ = central.decide(
                                no,
                                decision(k),
                                Some("材料不清晰"),
                                "审核员",
                                decided(),
                            );
                        });
                    }
                    let _ = sync_now(s, quiet());
                });
            }
            Op::ReEnrol(d) | Op::Backup(d) | Op::Restore(d) if !honest(d) => {}
            Op::ReEnrol(d) => {
                let Some(url) = self.url(d) else { return };
                let central = self.at(d + 1).clone();
                let dev = &mut self.devices[d];
                let point = dev.point;
                let id = dev.s().sync_link().unwrap().unwrap().device_id;
                central.revoke(&id).unwrap();
                let code = central.enroll_code(point, Some("E"), None).unwrap();
                // Refused while another active device holds the seat (this store restored
                // from a backup older than its last enrolment): see `enrol_again`.
                if let Ok(r) = counter_sync::enroll(dev.s(), &url, &code, "model") {
                    dev.ids.push(r.device_id);
                }
            }
            Op::Backup(d) => {
                let path = self
                    .dir
                    .path()
                    .join(format!("d{d}-backup-{}.db", self.ever.len()));
                self.devices[d].s().backup(&path).unwrap();
                self.devices[d].backup = Some(path);
            }
            Op::Restore(d) => {
                let Some(backup) = self.devices[d].backup.clone() else {
                    return;
                };
                self.remember(d);
                let dev = &mut self.devices[d];
                dev.store = None;
                for ext in ["db-wal", "db-shm"] {
                    let _ = std::fs::remove_file(dev.db.with_extension(ext));
                }
                std::fs::copy(&backup, &dev.db).unwrap();
                let mut s = Store::open(&dev.db, &dev.key).unwrap();
                s.set_window(dev.window);
                dev.store = Some(s);
            }
            Op::LostAnswer(d) | Op::Duplicate(d) => {
                // The server commits; the device never hears (or hears twice).
                let s = self.devices[d].s();
                let link = s.sync_link().unwrap().unwrap();
                let events = s.outbox_batch(20).unwrap();
                if events.is_empty() {
                    return;
                }
                let req = PushRequest { events };
                let (first, again) = (
                    &self.centrals[d % self.centrals.len()],
                    &self.centrals[(d + 1) % self.centrals.len()],
                );
                let Ok(r) = first.push(&link.device_id, &link.point, &req) else {
                    return;
                };
                if matches!(op, Op::Duplicate(_)) && !r.gap {
                    // Delivered again, through another instance where there are several.
                    let r = again.push(&link.device_id, &link.point, &req).unwrap();
                    s.record_rejections(&r.rejected, "2025-09-26 09:00:00")
                        .unwrap();
                    s.ack_outbox(r.acked_through).unwrap();
                }
            }
            Op::HalfPull(d) => {
                // A pull that dies after its first page.
                let central = &self.centrals[(d + 1) % self.centrals.len()];
                let s = self.devices[d].s();
                let link = s.sync_link().unwrap().unwrap();
                let page = central.changes(&link.point, link.cursor, 2).unwrap();
                if !page.changes.is_empty() {
                    s.apply_remote(&page.changes, page.cursor, now(), &link.device_id)
                        .unwrap();
                }
            }
            Op::StopServer(i) => {
                let i = i % self.servers.len();
                if let Some(s) = self.servers[i].take() {
                    s.stop();
                }
            }
            Op::StartServer(i) => {
                let i = i % self.servers.len();
                if self.servers[i].is_none() {
                    let c = self.centrals[i].clone();
                    self.servers[i] = Some(Server::start(c, Some(self.addrs[i])));
                }
            }
            Op::Clone(d) => {
                if self.devices.len() > 4 || !honest(d) {
                    return;
                }
                let i = self.devices.len();
                let dev = &mut self.devices[d];
                dev.store = None;
                let (db, key) = (
                    self.dir.path().join(format!("d{i}.db")),
                    self.dir.path().join(format!("d{i}.key")),
                );
                std::fs::copy(&dev.db, &db).unwrap();
                std::fs::copy(&dev.key, &key).unwrap();
                let _ = std::fs::copy(dev.db.with_extension("db-wal"), db.with_extension("db-wal"));
                let mut s = Store::open(&dev.db, &dev.key).unwrap();
                s.set_window(dev.window);
                dev.store = Some(s);
                let (point, window, ids) = (dev.point, dev.window, dev.ids.clone());
                let mut copy = Store::open(&db, &key).unwrap();
                copy.set_window(window);
                self.devices.push(Device {
                    point,
                    window,
                    db,
                    key,
                    store: Some(copy),
                    backup: None,
                    made: BTreeSet::new(),
                    ids,
                    clone_of: Some(d),
                });
            }
            Op::Hostile(c, k) => {
                let central = &self.centrals[c % self.centrals.len()];
                self.hostile.act(central, &self.cases, c, k)
            }
        }
    }

    /// What a supervisor does for a store whose registration was revoked (restored from a
    /// backup older than a re-enrolment): the central office revokes the seat's devices, and
    /// the store enrols again.
    fn enrol_again(&mut self, d: usize) {
        let url = self.url(d).unwrap();
        for id in std::mem::take(&mut self.devices[d].ids) {
            self.at(d).revoke(&id).unwrap();
        }
        self.enrol(d, &url);
    }

    /// Enrols device `d` with a new pass; a clone takes a window of its own (4), as the
    /// supervisor sets it in its settings (docs/sync.md).
    fn enrol(&mut self, d: usize, url: &str) {
        let dev = &mut self.devices[d];
        if dev.clone_of.is_some() {
            dev.window = 4;
            let w = dev.window;
            dev.s().set_window(w);
        }
        let code = self.centrals[0]
            .enroll_code(dev.point, Some("E"), None)
            .unwrap();
        let r = counter_sync::enroll(dev.s(), url, &code, "model").unwrap();
        dev.ids.push(r.device_id);
    }

    /// What the operator does about a copied PC: revokes the registration both push as, and
    /// each PC enrols again, the original first (it keeps its window).
    fn separate(&mut self, d: usize) {
        let url = self.url(d).unwrap();
        let id = self.devices[d].s().sync_link().unwrap().unwrap().device_id;
        self.at(d + 1).revoke(&id).unwrap();
        let mut sharing: Vec<usize> = (0..self.devices.len())
            .filter(|&e| self.devices[e].s().sync_link().unwrap().unwrap().device_id == id)
            .collect();
        sharing.sort_by_key(|&e| self.devices[e].clone_of.is_some());
        for e in sharing {
            self.enrol(e, &url);
        }
    }

    fn quiesce(&mut self) {
        for i in 0..self.servers.len() {
            self.apply(&Op::StartServer(i));
        }
        for _ in 0..3 {
            for d in 0..self.devices.len() {
                match sync_now(self.devices[d].s(), quick()) {
                    Err(e) if e.to_string().contains("同一注册") => {
                        self.separate(d);
                        sync_now(self.devices[d].s(), quick()).unwrap();
                    }
                    Err(e) if e.to_string().contains("重新注册") => {
                        self.enrol_again(d);
                        sync_now(self.devices[d].s(), quick()).unwrap();
                    }
                    r => {
                        r.unwrap();
                    }
                }
            }
        }
        for d in 0..self.devices.len() {
            self.remember(d);
        }
    }
}

fn cases() -> u32 {
    std::env::var("COUNTER_MODEL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), max_shrink_iters: 64, ..ProptestConfig::default() })]
    #[test]
    fn every_device_and_the_server_agree_after_any_history(ops in prop::collection::vec(op(), 10..50)) {
        run(Setup { backend: Backend::Sqlite, instances: 1 }, &ops)?;
    }

    #[test]
    fn two_instances_over_postgresql_hold_as_one_server(ops in prop::collection::vec(op(), 10..50)) {
        run(Setup { backend: Backend::Postgres, instances: 2 }, &ops)?;
    }

    #[test]
    fn three_instances_over_postgresql_hold_as_one_server(ops in prop::collection::vec(op(), 10..50)) {
        run(Setup { backend: Backend::Postgres, instances: 3 }, &ops)?;
    }
}

fn run(setup: Setup, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut w = World::new(setup);
    for op in ops {
        w.apply(op);
    }
    w.quiesce();
    w.check()
}
