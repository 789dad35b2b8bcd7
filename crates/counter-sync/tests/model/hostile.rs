//! The model's hostile device: a window of the first point that says whatever it likes under
//! its own key.

use counter_core::case::{Case, CaseEvent, Change, Form, OpenCase, TimeLimitKind};
use counter_core::proto::{PushRequest, WireEvent};
use counter_server::Central;

use super::{now, POINTS};

/// A device of the first point at window 3.
pub struct Hostile {
    pub device: String,
    seq: i64,
    /// Its own cases (numbers of window 3), opened or not.
    own: Vec<String>,
}

/// A window-3 opening of 住院费用报销.
fn opening(case_no: &str) -> Change {
    let set = counter_core::bundled::catalogs().unwrap();
    let mut req = OpenCase::person(
        "national",
        "002036006002",
        POINTS[0],
        "冒名",
        "冒名者",
        "11010519491231002X",
    );
    req.case_no = case_no.into();
    Case::open(req, set.get("national").unwrap(), now())
        .unwrap()
        .1
        .change
}

/// The arbitrary change number `k`.
fn change(k: u8) -> Change {
    let accepted = |kind| Change::Accepted {
        kind,
        due: Some(now().date()),
        provisional: false,
        calendar_version: "2026".into(),
    };
    let forged = || "伪造".to_string();
    match k {
        0 => Change::Ticked {
            key: "m1".into(),
            form: Form::Original,
            copies: 1,
            option: None,
        },
        1 => accepted(TimeLimitKind::Immediate),
        2 => accepted(TimeLimitKind::WorkingDays),
        3 => Change::Completed,
        4 => Change::ReviewStarted,
        5 => Change::Returned { reason: forged() },
        6 => Change::Withdrawn { reason: None },
        7 => Change::Unticked { key: "m1".into() },
        8 => Change::Refused {
            reason: forged(),
            apply_to: None,
        },
        9 => Change::HandOverRecalled {
            sheet_no: "JJ-3212-20250926-01".into(),
            from: POINTS[1].into(),
            to: POINTS[0].into(),
            reason: None,
        },
        _ => Change::Terminated { reason: forged() },
    }
}

impl Hostile {
    pub fn new(device: String) -> Hostile {
        Hostile {
            device,
            seq: 0,
            own: Vec::new(),
        }
    }

    /// Sends one arbitrary event: on an honest case (`cases`), an opening under window 1's
    /// numbers, or anything on a case of its own.
    pub fn act(&mut self, central: &Central, cases: &[String], c: usize, k: u8) {
        let (case_no, change) = match c % 4 {
            0 if !cases.is_empty() => (cases[c % cases.len()].clone(), change(k)),
            1 => {
                let no = format!("{}-20250926-{:04}", POINTS[0], 1 + c % 8);
                let opened = opening(&no);
                (no, opened)
            }
            0 | 2 => {
                let no = format!("{}-20250926-3-{:04}", POINTS[0], self.own.len() + 1);
                self.own.push(no.clone());
                let opened = opening(&no);
                (no, opened)
            }
            _ => match self.own.get(c % self.own.len().max(1)) {
                Some(no) => (no.clone(), change(k)),
                None => return,
            },
        };
        self.seq += 1;
        let event = WireEvent {
            seq: self.seq,
            id: format!("hostile-{}", self.seq),
            case_no,
            event: CaseEvent {
                at: now(),
                clerk: "冒名".into(),
                change,
            },
        };
        let _ = central.push(
            &self.device,
            POINTS[0],
            &PushRequest {
                events: vec![event],
            },
        );
    }
}
