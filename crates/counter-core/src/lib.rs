//! Counter's domain core: catalogs of service items, search, the working-day calendar and
//! identity-number validation. It does no IO of its own: callers hand it text and dates.

pub mod alerts;
pub mod bundled;
pub mod calendar;
pub mod case;
pub mod catalog;
pub mod channels;
pub mod condition;
pub mod diff;
pub mod export;
pub mod figures;
pub mod ids;
pub mod proto;
pub mod scope;
pub mod search;
pub mod settings;
pub mod trust;
pub mod view;

pub use calendar::{Calendar, CalendarError, Due};
pub use case::{custody, rating};
pub use catalog::{Catalog, CatalogError, CatalogSet};
pub use search::{SearchHit, SearchIndex};
