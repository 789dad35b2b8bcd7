//! Points: a store with the standard applicant's accepted cases, enrolled at a server.

use std::path::Path;

use counter_core::bundled;
use counter_core::case::{Form, OpenCase};
use counter_core::scope::Scope;
use counter_server::Central;
use counter_store::{Store, StoreError};

use crate::central::Server;
use crate::{now, APPLICANT, CATALOG, CLERK, ID, ITEM, ITEM_MATERIALS};

/// A point's store `name`.db in `dir`, its key beside it.
pub fn store(dir: &Path, name: &str) -> Store {
    Store::open(
        &dir.join(format!("{name}.db")),
        &dir.join(format!("{name}.key")),
    )
    .unwrap()
}

/// The standard applicant's request for the standard item at `point`.
pub fn request(point: &str) -> OpenCase {
    OpenCase::person(CATALOG, ITEM, point, CLERK, APPLICANT, ID)
}

/// Opens and accepts one standard case at `point` (6 events); the store's refusal (a
/// restored one before its sync) as it comes.
pub fn accepted_case(s: &mut Store, point: &str) -> Result<String, StoreError> {
    accepted_case_of(s, point, ID)
}

/// Opens and accepts one standard case at `point` for the applicant with `id_number`.
pub fn accepted_case_of(s: &mut Store, point: &str, id_number: &str) -> Result<String, StoreError> {
    let set = bundled::catalogs().unwrap();
    let cal = bundled::calendar().unwrap();
    let nat = set.get(CATALOG).unwrap();
    let req = OpenCase::person(CATALOG, ITEM, point, CLERK, APPLICANT, id_number);
    let no = s.open_case(nat, req, now())?.case.case_no;
    s.update(&no, |c| {
        let mut evs = Vec::new();
        for k in ITEM_MATERIALS {
            evs.extend(c.tick(k, Form::Original, 1, None, now())?);
        }
        evs.extend(c.accept(nat, &cal, &Scope::Handles, now())?);
        Ok(evs)
    })?;
    Ok(no)
}

/// Opens and accepts `n` standard cases at `point` (6 events each), in bulk.
pub fn offline_cases(s: &mut Store, point: &str, n: usize) -> Vec<String> {
    s.bulk_load_mode(true).unwrap();
    let out = (0..n).map(|_| accepted_case(s, point).unwrap()).collect();
    s.bulk_load_mode(false).unwrap();
    out
}

/// Enrols the store as `point` (a village point, level E) at `server`.
pub fn enroll(s: &mut Store, central: &Central, server: &Server, point: &str) {
    let code = central
        .enroll_code(point, Some("E"), Some("村卫生室"))
        .unwrap();
    counter_sync::enroll(s, &server.url(), &code, "test").unwrap();
}

/// Sync options for tests: big batches, a few quick retries.
pub fn quick() -> counter_sync::Options {
    counter_sync::Options {
        batch: 200,
        retries: 5,
        timeout: std::time::Duration::from_secs(10),
        ..counter_sync::Options::default()
    }
}
