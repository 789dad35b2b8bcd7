//! The catalogs and calendar a workstation works with: the built-in ones, replaced by newer
//! editions received (and verified) from the central server, with every replaced edition kept
//! for the cases opened under it. The app and the CLI both load them here.

use counter_core::{bundled, Calendar, CalendarError, CatalogSet};

use crate::{Store, StoreError};

impl Store {
    /// Every catalog edition ever received: (catalog id, TOML text), oldest first.
    pub fn catalog_history(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare("SELECT id, text FROM catalog_history ORDER BY id, version")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The catalogs in force here, and the problems of received editions not used (each also
    /// logged): a bad delivery never stops the counter.
    pub fn catalogs(&self) -> Result<(CatalogSet, Vec<String>), StoreError> {
        let current: Vec<(String, String)> = self
            .snapshots()?
            .into_iter()
            .filter(|s| s.0 == "catalog")
            .map(|s| (s.1, s.3))
            .collect();
        let (set, problems) = bundled::catalogs_with(&current, &self.catalog_history()?);
        for p in &problems {
            tracing::warn!(problem = %p, "received catalog not used");
        }
        Ok((set, problems))
    }

    /// The holiday calendar received from the central server, else the built-in one.
    pub fn calendar(&self) -> Result<Result<Calendar, CalendarError>, StoreError> {
        let text = self
            .snapshots()?
            .into_iter()
            .find(|s| s.0 == "calendar")
            .map(|s| s.3);
        Ok(bundled::calendar_with(text.as_deref()))
    }
}
