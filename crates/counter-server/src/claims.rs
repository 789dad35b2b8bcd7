//! What a device may tell the server. The server keeps its own copy of each case and replays
//! every reported event on it through the core's rules (`Case::judge`) under the catalog
//! edition the case was opened with; a device's case numbers carry its own window.

use std::sync::{Arc, RwLock};

use counter_core::case::{window_of, Author, Case, CaseState, Change, Lifecycle};
use counter_core::catalog::Catalog;
use counter_core::proto::WireEvent;

use crate::db::{Exec, Val};
use crate::seal::{self, Place};
use crate::ServerFailure;

/// The catalog editions the server judges cases by: the built-in ones and every edition it
/// published (read from the database when first needed, so an edition another instance
/// published is found too).
pub(crate) struct Editions {
    list: RwLock<Vec<Arc<Catalog>>>,
}

impl Editions {
    pub(crate) fn built_in() -> Editions {
        let set = counter_core::bundled::catalogs()
            .expect("the built-in catalogs are validated by the test suite");
        Editions {
            list: RwLock::new(set.catalogs.into_iter().map(Arc::new).collect()),
        }
    }

    fn find(&self, id: &str, revision: Option<&str>, edition: &str) -> Option<Arc<Catalog>> {
        let list = self.list.read().unwrap_or_else(|p| p.into_inner());
        list.iter()
            .rev()
            .find(|c| {
                c.header.id == id
                    && match revision {
                        Some(r) => c.revision == r,
                        // An earlier version's opening names only the edition.
                        None => c.header.edition == edition,
                    }
            })
            .cloned()
    }

    /// The edition a case was opened under, if the server knows it.
    pub(crate) fn get(
        &self,
        t: &mut dyn Exec,
        id: &str,
        revision: Option<&str>,
        edition: &str,
    ) -> Result<Option<Arc<Catalog>>, ServerFailure> {
        if let Some(c) = self.find(id, revision, edition) {
            return Ok(Some(c));
        }
        for r in t.rows(
            "SELECT text FROM snapshots WHERE kind = 'catalog' AND id = ?1 ORDER BY version",
            &[id.into()],
        )? {
            let Ok(c) =
                Catalog::from_toml("published.toml", &r.get("text").text().unwrap_or_default())
            else {
                continue;
            };
            if self.find(&c.header.id, Some(&c.revision), "").is_none() {
                let mut list = self.list.write().unwrap_or_else(|p| p.into_inner());
                list.push(Arc::new(c));
            }
        }
        Ok(self.find(id, revision, edition))
    }
}

/// A case as the server holds it: its state by the core's table and, from schema 10 on, the
/// whole case as judged.
#[derive(Debug, Clone)]
pub(crate) struct Known {
    pub life: Lifecycle,
    pub case: Option<Case>,
}

pub(crate) fn known(t: &mut dyn Exec, case_no: &str) -> Result<Option<Known>, ServerFailure> {
    match t.row(
        "SELECT state, immediate, body FROM cases WHERE case_no = ?1",
        &[case_no.into()],
    )? {
        Some(r) => decode(
            t,
            case_no,
            r.get("state"),
            r.get("immediate"),
            r.get("body"),
        )
        .map(Some),
        None => Ok(None),
    }
}

/// A case from its stored state, `immediate` flag and sealed body.
pub(crate) fn decode(
    t: &dyn Exec,
    case_no: &str,
    state: &Val,
    immediate: &Val,
    body: &Val,
) -> Result<Known, ServerFailure> {
    let case = match body.text() {
        Some(b) => Some(
            serde_json::from_str(&seal::open(t, Place::Case { case_no }, &b)?)
                .map_err(|e| ServerFailure::Storage(format!("中心存储的办件无法读取：{e}")))?,
        ),
        None => None,
    };
    Ok(Known {
        life: Lifecycle {
            state: state.text().as_deref().and_then(CaseState::parse),
            immediate: immediate.int()? != 0,
        },
        case,
    })
}

/// Writes a known case's new state (and body) back.
pub(crate) fn store(t: &mut dyn Exec, case_no: &str, next: &Known) -> Result<(), ServerFailure> {
    let body = next
        .case
        .as_ref()
        .map(|c| seal::seal(t, Place::Case { case_no }, &body_text(c)));
    t.exec(
        "UPDATE cases SET state = ?2, immediate = ?3, body = ?4 WHERE case_no = ?1",
        &[
            case_no.into(),
            next.life.state.map(CaseState::as_str).into(),
            i64::from(next.life.immediate).into(),
            body.into(),
        ],
    )?;
    Ok(())
}

pub(crate) fn body_text(case: &Case) -> String {
    serde_json::to_string(case).expect("a case serialises")
}

/// Where a device sits: its window, and those of the devices it took over at re-enrolment
/// (its earlier cases carry their numbers).
#[derive(Debug, Clone, Default)]
pub(crate) struct Seat {
    pub window: u32,
    pub earlier: Vec<u32>,
}

impl Seat {
    pub(crate) fn parse(window: i64, earlier: Option<String>) -> Seat {
        Seat {
            window: u32::try_from(window).unwrap_or(1),
            earlier: earlier
                .unwrap_or_default()
                .split(',')
                .filter_map(|w| w.trim().parse().ok())
                .collect(),
        }
    }

    pub(crate) fn text(&self) -> String {
        let mut all: Vec<u32> = self.earlier.iter().copied().chain([self.window]).collect();
        all.sort_unstable();
        all.dedup();
        all.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
    }

    /// Why this device may not open a case under this number, if it may not.
    pub(crate) fn check_number(&self, point: &str, case_no: &str) -> Option<String> {
        match window_of(case_no, point) {
            Some(w) if w == self.window || self.earlier.contains(&w) => None,
            Some(w) => Some(format!(
                "办件编号 {case_no} 是 {w} 号窗口的编号，本机是 {} 号窗口：窗口只能使用自己的编号，未被接受",
                self.window
            )),
            None => Some(format!(
                "办件编号 {case_no} 不是网点 {point} 的编号格式，未被接受"
            )),
        }
    }
}

/// The case after a device's own event, judged by the core's rules, or why it is refused.
pub(crate) fn judge_own(
    t: &mut dyn Exec,
    editions: &Editions,
    point: &str,
    e: &WireEvent,
    known: Option<Known>,
) -> Result<Result<Known, String>, ServerFailure> {
    let change = &e.event.change;
    if let Change::Opened {
        catalog,
        edition,
        revision,
        point: opened_at,
        ..
    } = change
    {
        if opened_at != point {
            return Ok(Err(format!(
                "办件 {} 登记的网点 {opened_at} 不是本机所在的网点 {point}，未被接受",
                e.case_no
            )));
        }
        let Some(cat) = editions.get(t, catalog, revision.as_deref(), edition)? else {
            return Ok(Err(format!(
                "中心没有办件 {} 所依据的清单版本（{catalog}，{edition}），无法核验，未被接受：请中心先发布该版本",
                e.case_no
            )));
        };
        return Ok(Case::judge_opening(&e.case_no, &e.event, &cat)
            .map(|case| Known {
                life: case.lifecycle(),
                case: Some(case),
            })
            .map_err(|r| r.0));
    }
    let Some(known) = known else {
        return Ok(Err(format!(
            "办件{}在中心为“未登记”，不能在办件登记之前记录其他事项",
            e.case_no
        )));
    };
    let Some(mut case) = known.case else {
        // A case of an earlier version, without its judged copy: its state alone, and never a
        // central office's decision from a device.
        if matches!(change, Change::ReviewStarted | Change::Returned { .. }) {
            return Ok(Err(format!(
                "审核、退回由中心作出，办件 {} 的窗口上报未被接受",
                e.case_no
            )));
        }
        return Ok(by_state(&known.life, &e.case_no, change).map(|life| Known { life, case: None }));
    };
    let Some(cat) = editions.get(t, &case.catalog, case.revision.as_deref(), &case.edition)? else {
        return Ok(Err(format!(
            "中心没有办件 {} 所依据的清单版本（{}，{}），无法核验，未被接受",
            e.case_no, case.catalog, case.edition
        )));
    };
    Ok(match case.judge(&e.event, Author::Counter, &cat) {
        Ok(()) => Ok(Known {
            life: case.lifecycle(),
            case: Some(case),
        }),
        Err(r) => Err(r.0),
    })
}

/// The state after a change by the core's table alone (the paper's way, ratings, and cases
/// of an earlier version).
pub(crate) fn by_state(
    life: &Lifecycle,
    case_no: &str,
    change: &Change,
) -> Result<Lifecycle, String> {
    life.after(change).map_err(|action| {
        let state = life.state.map_or("未登记", CaseState::label);
        format!("办件{case_no}在中心为“{state}”，不能{action}")
    })
}
