//! Every loaded catalog edition, with the checks that span files.

use std::collections::HashSet;

use super::error::*;
use super::model::*;

/// Every loaded catalog edition, with the checks that span files.
#[derive(Debug, Clone, Default)]
pub struct CatalogSet {
    pub catalogs: Vec<Catalog>,
    /// Editions replaced by newer ones, kept for the cases opened under them.
    pub earlier: Vec<Catalog>,
}

impl CatalogSet {
    /// Loads `(file name, text)` pairs; returns every problem in every file.
    pub fn from_texts<S: AsRef<str>, T: AsRef<str>>(
        files: &[(S, T)],
    ) -> Result<CatalogSet, Vec<CatalogError>> {
        let mut errors = Vec::new();
        let mut catalogs = Vec::new();
        for (name, text) in files {
            match Catalog::from_toml(name.as_ref(), text.as_ref()) {
                Ok(c) => catalogs.push(c),
                Err(e) => errors.extend(e),
            }
        }
        let set = CatalogSet {
            catalogs,
            earlier: Vec::new(),
        };
        set.validate_links(&mut errors);
        if errors.is_empty() {
            Ok(set)
        } else {
            Err(errors)
        }
    }

    fn validate_links(&self, errors: &mut Vec<CatalogError>) {
        let mut ids = HashSet::new();
        for c in &self.catalogs {
            if !ids.insert(c.header.id.as_str()) {
                errors.push(err(
                    &c.file,
                    None,
                    Some("catalog.id"),
                    Problem::DuplicateCatalog(c.header.id.clone()),
                ));
            }
        }
        // Links are checked only against what is loaded: a single provincial file validated
        // on its own cannot see the national list.
        let national = self.get("national");
        let all_codes: HashSet<&str> = self
            .catalogs
            .iter()
            .flat_map(|c| c.items.iter().map(|i| i.code.as_str()))
            .collect();
        for c in &self.catalogs {
            for item in &c.items {
                if let (Some(link), Some(nat)) = (&item.national, national) {
                    if nat.item(link).is_none() {
                        errors.push(err(
                            &c.file,
                            Some(&item.code),
                            Some("national"),
                            Problem::DanglingLink(link.clone()),
                        ));
                    }
                }
            }
            if self.catalogs.len() > 1 {
                for b in &c.bundles {
                    for code in b.items.iter().filter(|i| !all_codes.contains(i.as_str())) {
                        errors.push(err(
                            &c.file,
                            Some(&b.code),
                            Some("items"),
                            Problem::DanglingLink(code.clone()),
                        ));
                    }
                }
            }
        }
    }

    /// The catalog with this id.
    pub fn get(&self, id: &str) -> Option<&Catalog> {
        self.catalogs.iter().find(|c| c.header.id == id)
    }

    /// The edition a case was opened under: the current one when it is that revision, else an
    /// earlier one kept for it. A case from before revisions were recorded uses the current.
    pub fn pinned(&self, id: &str, revision: Option<&str>) -> Option<&Catalog> {
        let current = self.get(id);
        match revision {
            None => current,
            Some(r) => current.filter(|c| c.revision == r).or_else(|| {
                self.earlier
                    .iter()
                    .find(|c| c.header.id == id && c.revision == r)
            }),
        }
    }

    /// Keeps `catalog` as an earlier edition unless it is a current one or already kept.
    pub fn keep_earlier(&mut self, catalog: Catalog) {
        let known = self
            .catalogs
            .iter()
            .chain(&self.earlier)
            .any(|c| c.header.id == catalog.header.id && c.revision == catalog.revision);
        if !known {
            self.earlier.push(catalog);
        }
    }

    /// Finds an item by code, in one catalog or in the first that has it.
    pub fn find_item(&self, code: &str, catalog: Option<&str>) -> Option<(&Catalog, &Item)> {
        self.catalogs
            .iter()
            .filter(|c| catalog.is_none_or(|id| c.header.id == id))
            .find_map(|c| c.item(code).map(|i| (c, i)))
    }

    /// Finds a bundle by code, in one catalog or in the first that has it.
    pub fn find_bundle(&self, code: &str, catalog: Option<&str>) -> Option<(&Catalog, &Bundle)> {
        self.catalogs
            .iter()
            .filter(|c| catalog.is_none_or(|id| c.header.id == id))
            .find_map(|c| c.bundle(code).map(|b| (c, b)))
    }
}

#[cfg(test)]
mod label_tests {
    #[test]
    fn each_list_is_named_by_its_place_and_edition() {
        let set = crate::bundled::catalogs().unwrap();
        let label = |id: &str| set.get(id).unwrap().header.label();
        assert_eq!(label("national"), "全国 附件1");
        assert_eq!(label("jiangsu-2024"), "江苏省 2024年版");
        assert_eq!(label("jiangxi-1.0"), "江西省 1.0版");
        assert_eq!(label("zhenjiang-2025"), "镇江市 2025版");
    }
}
