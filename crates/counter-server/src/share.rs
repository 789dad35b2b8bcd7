//! The paper's way and the rating: who may record a hand-over, receipt, recall or hand-back,
//! and how these events reach the other points of a case.

use counter_core::case::Change;
use counter_core::proto::WireEvent;

use crate::batch::Batch;
use crate::changes::add_change;
use crate::db::Exec;
use crate::seal::{self, Place};
use crate::ServerFailure;

/// Why a hand-over, receipt, recall or hand-back names another point than the one that
/// sends it, if it does: a point records only its own side of the paper's way.
pub(crate) fn wrong_sender(point: &str, change: &Change) -> Option<String> {
    let (actor, what) = match change {
        Change::HandedOver { from, .. } => (from, "移交"),
        Change::HandOverRecalled { from, .. } => (from, "撤回移交"),
        Change::HandOverReceived { to, .. } => (to, "接收"),
        Change::HandedBack { point: p } => (p, "送达"),
        _ => return None,
    };
    (actor != point).then(|| format!("{what}记录的网点 {actor} 不是发送方网点 {point}，未被接受"))
}

/// Whether the server holds (or the batch accepted) a hand-over of this case on sheet
/// `sheet_no` addressed to `point`.
pub(crate) fn addressed(
    t: &mut dyn Exec,
    b: &Batch,
    case_no: &str,
    sheet_no: &str,
    point: &str,
) -> Result<bool, ServerFailure> {
    b.holds_event(
        t,
        case_no,
        "handed_over",
        |c| matches!(c, Change::HandedOver { sheet_no: s, to, .. } if s == sheet_no && to == point),
    )
}

/// Whether the server holds (or the batch accepted) a receipt of this case's sheet
/// `sheet_no` (which wins over a recall).
fn received(
    t: &mut dyn Exec,
    b: &Batch,
    case_no: &str,
    sheet_no: &str,
) -> Result<bool, ServerFailure> {
    b.holds_event(
        t,
        case_no,
        "handover_received",
        |c| matches!(c, Change::HandOverReceived { sheet_no: s, .. } if s == sheet_no),
    )
}

/// Passes a hand-over, receipt, hand-back or rating on to the other points of the case; a
/// hand-over makes its receiving office one of them.
pub(crate) fn share_event(
    t: &mut dyn Exec,
    b: &mut Batch,
    point: &str,
    e: &WireEvent,
) -> Result<(), ServerFailure> {
    if !e.event.change.is_shared() {
        return Ok(());
    }
    // A hand-over makes its office part of the case; so does a receipt (it may come after
    // a recall of the same sheet, and wins over it).
    if let Change::HandedOver { to, .. } | Change::HandOverReceived { to, .. } = &e.event.change {
        b.add_point(&e.case_no, to);
    }
    // A recalled sheet never reached its office: that office learns of the recall (below),
    // then is no longer part of the case, unless it is the case's own point.
    let dropped = match &e.event.change {
        Change::HandOverRecalled { to, sheet_no, .. }
            if !e.case_no.starts_with(&format!("{to}-"))
                && !received(t, b, &e.case_no, sheet_no)? =>
        {
            Some(to.clone())
        }
        _ => None,
    };
    let by = format!("{point} {}", e.event.clerk);
    let body =
        serde_json::to_string(&e.event).map_err(|err| ServerFailure::Input(err.to_string()))?;
    for other in b.points(&e.case_no) {
        if other != point {
            // Sealed for each receiving point's row: a change moved to another point does not
            // open there.
            let sealed = seal::seal(
                t,
                Place::ChangeBody {
                    point: &other,
                    case_no: &e.case_no,
                },
                &body,
            );
            add_change(
                t,
                &other,
                &e.case_no,
                "event",
                None,
                &by,
                Some(sealed),
                None,
            )?;
        }
    }
    if let Some(to) = dropped {
        b.drop_point(&e.case_no, &to);
    }
    Ok(())
}
