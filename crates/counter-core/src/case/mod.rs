//! Cases (办件): one applicant's request for one item, from first contact to decision.
//!
//! Everything here is pure: the store hands in the case, the catalog, the calendar and the
//! time; an operation changes the case and returns the events that describe the change, which
//! the store appends in the same transaction as the new state.

mod central;
pub mod custody;
mod decisions;
mod documents;
mod guide;
mod history;
mod intake;
mod judge;
mod lifecycle;
pub mod rating;
mod record;
mod rules;
mod screen;
mod sheet;
mod values;
mod view;

pub use central::Decision;
pub use documents::DocKind;
pub use guide::{guide, Guide, GuideMaterial};
pub use history::HistoryLine;
pub use judge::{Author, Refusal};
pub use lifecycle::Lifecycle;
pub use record::{Case, CaseError, CaseEvent, Change, OpenCase};
pub use rules::{
    case_number, check_person, questions, required_materials, unanswered, window_of, FIRST_PAYMENT,
};
pub use screen::{mask_name, ScreenMaterial, ScreenStage, ScreenView};
pub use sheet::Sheet;
pub use values::*;
pub use view::{CaseView, MaterialLine};

#[cfg(test)]
mod tests;
