//! Loading one catalog file: parse element by element, then validate.

use std::collections::HashSet;

use serde::Deserialize;

use super::checks::*;
use super::error::*;
use super::model::*;

/// Parses one `[[…]]` array element by element, so a shape error names the element.
pub(super) fn parse_array<T: for<'de> Deserialize<'de>>(
    file: &str,
    table: &toml::Table,
    key: &str,
    errors: &mut Vec<CatalogError>,
) -> Vec<T> {
    let Some(value) = table.get(key) else {
        return Vec::new();
    };
    let Some(array) = value.as_array() else {
        errors.push(err(
            file,
            None,
            Some(key),
            Problem::Shape("expected an array of tables".into()),
        ));
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, v) in array.iter().enumerate() {
        match T::deserialize(v.clone()) {
            Ok(t) => out.push(t),
            Err(e) => {
                let t = v.as_table();
                let label = t
                    .and_then(|t| t.get("code"))
                    .and_then(|c| c.as_str())
                    .map(str::to_string)
                    .unwrap_or_else(|| {
                        let name = t
                            .and_then(|t| t.get("name"))
                            .and_then(|n| n.as_str())
                            .map(|n| format!(" ({n})"))
                            .unwrap_or_default();
                        format!("{key}[{i}]{name}")
                    });
                errors.push(err(
                    file,
                    Some(&label),
                    None,
                    Problem::Shape(e.message().to_string()),
                ));
            }
        }
    }
    out
}

impl Catalog {
    /// Parses and validates one catalog file. Every problem found is returned, not just the first.
    pub fn from_toml(file: &str, text: &str) -> Result<Catalog, Vec<CatalogError>> {
        let table: toml::Table = toml::from_str(text)
            .map_err(|e| vec![err(file, None, None, Problem::Syntax(e.to_string()))])?;
        let mut errors = Vec::new();
        let header = match table.get("catalog") {
            None => {
                errors.push(err(file, None, Some("catalog"), Problem::Missing));
                None
            }
            Some(v) => match CatalogHeader::deserialize(v.clone()) {
                Ok(h) => Some(h),
                Err(e) => {
                    errors.push(err(
                        file,
                        None,
                        Some("catalog"),
                        Problem::Shape(e.message().to_string()),
                    ));
                    None
                }
            },
        };
        let known = ["catalog", "mains", "items", "rules", "bundles"];
        for key in table.keys().filter(|k| !known.contains(&k.as_str())) {
            errors.push(err(
                file,
                None,
                Some(key),
                Problem::Shape("unknown top-level key".into()),
            ));
        }
        let catalog = Catalog {
            file: file.to_string(),
            revision: revision_of(text),
            // A missing header is already an error; the default only lets the rest be checked.
            header: header.unwrap_or_default(),
            mains: parse_array(file, &table, "mains", &mut errors),
            items: parse_array(file, &table, "items", &mut errors),
            rules: parse_array(file, &table, "rules", &mut errors),
            bundles: parse_array(file, &table, "bundles", &mut errors),
        };
        if errors.is_empty() {
            catalog.validate(&mut errors);
        }
        if errors.is_empty() {
            Ok(catalog)
        } else {
            Err(errors)
        }
    }

    fn validate(&self, errors: &mut Vec<CatalogError>) {
        let f = self.file.as_str();
        let h = &self.header;
        if h.id.is_empty()
            || !h
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        {
            errors.push(err(
                f,
                None,
                Some("catalog.id"),
                Problem::BadValue(h.id.clone()),
            ));
        }
        for (name, v) in [
            ("catalog.title", &h.title),
            ("catalog.issuer", &h.issuer),
            ("catalog.edition", &h.edition),
            ("catalog.source", &h.source),
        ] {
            if v.trim().is_empty() {
                errors.push(err(f, None, Some(name), Problem::Missing));
            }
        }
        if h.region.len() != 6 || !h.region.bytes().all(|b| b.is_ascii_digit()) {
            errors.push(err(
                f,
                None,
                Some("catalog.region"),
                Problem::BadValue(h.region.clone()),
            ));
        }
        if let Some(d) = &h.date {
            if chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err() {
                errors.push(err(
                    f,
                    None,
                    Some("catalog.date"),
                    Problem::BadValue(d.clone()),
                ));
            }
        }
        if self.items.is_empty() && self.bundles.is_empty() {
            errors.push(err(f, None, Some("items"), Problem::Missing));
        }

        let mut mains = HashSet::new();
        for m in &self.mains {
            if m.code.trim().is_empty() {
                errors.push(err(f, Some(&m.name), Some("code"), Problem::Missing));
            } else if !mains.insert(m.code.as_str()) {
                errors.push(err(
                    f,
                    Some(&m.code),
                    Some("code"),
                    Problem::DuplicateCode(m.code.clone()),
                ));
            }
        }
        let mut codes = HashSet::new();
        for item in &self.items {
            let c = item.code.as_str();
            if c.trim().is_empty() {
                errors.push(err(f, Some(&item.name), Some("code"), Problem::Missing));
                continue;
            }
            if !codes.insert(c) {
                errors.push(err(
                    f,
                    Some(c),
                    Some("code"),
                    Problem::DuplicateCode(c.into()),
                ));
            }
            if !mains.contains(item.main.as_str()) {
                errors.push(err(
                    f,
                    Some(c),
                    Some("main"),
                    Problem::UnknownMain(item.main.clone()),
                ));
            }
            if item.name.trim().is_empty() {
                errors.push(err(f, Some(c), Some("name"), Problem::Missing));
            }
            for ch in &item.channels {
                check_one_of(f, c, "channels", ch, CHANNELS, errors);
            }
            if item.steps.is_empty() && item.agreement.is_none() {
                errors.push(err(f, Some(c), Some("steps"), Problem::Missing));
            }
            if item.materials.is_empty() && item.agreement.is_none() {
                errors.push(err(f, Some(c), Some("materials"), Problem::Missing));
            }
            if item.time_limit.is_empty() {
                errors.push(err(f, Some(c), Some("time_limit"), Problem::Missing));
            }
            check_agreement(f, c, &item.agreement, errors);
            check_common(
                f,
                c,
                &item.situations,
                &item.time_limit,
                &item.materials,
                errors,
            );
        }
        let mut bundle_codes = HashSet::new();
        for b in &self.bundles {
            let c = b.code.as_str();
            if c.trim().is_empty() {
                errors.push(err(f, Some(&b.name), Some("code"), Problem::Missing));
                continue;
            }
            if !bundle_codes.insert(c) || codes.contains(c) {
                errors.push(err(
                    f,
                    Some(c),
                    Some("code"),
                    Problem::DuplicateCode(c.into()),
                ));
            }
            for s in &b.serves {
                check_one_of(f, c, "serves", s, SERVES, errors);
            }
            check_agreement(f, c, &b.agreement, errors);
            check_common(f, c, &b.situations, &b.time_limit, &b.materials, errors);
        }
        for r in &self.rules {
            let materials: &[Material] = match &r.kind {
                RuleKind::Agent { materials } | RuleKind::FirstReimbursement { materials, .. } => {
                    materials
                }
                _ => &[],
            };
            for m in materials {
                check_material(f, "rules", &[], m, errors);
                if m.when.is_some() {
                    errors.push(err(
                        f,
                        None,
                        Some("rules.materials.when"),
                        Problem::Shape("a rule's materials carry no condition".into()),
                    ));
                }
            }
            let items: &[String] = match &r.kind {
                RuleKind::FirstReimbursement { items, .. }
                | RuleKind::AssistedAcceptance { items, .. } => items,
                _ => &[],
            };
            for code in items.iter().filter(|c| !codes.contains(c.as_str())) {
                errors.push(err(
                    f,
                    None,
                    Some("rules.items"),
                    Problem::DanglingLink(code.clone()),
                ));
            }
        }
    }

    /// Finds an item by code.
    pub fn item(&self, code: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.code == code)
    }

    /// Finds a main item by code.
    pub fn main(&self, code: &str) -> Option<&MainItem> {
        self.mains.iter().find(|m| m.code == code)
    }

    /// Finds a bundle by code.
    pub fn bundle(&self, code: &str) -> Option<&Bundle> {
        self.bundles.iter().find(|b| b.code == code)
    }

    /// What a case can be opened for: an item, or a bundle seen as one item with its merged
    /// material list.
    pub fn case_item(&self, code: &str) -> Option<std::borrow::Cow<'_, Item>> {
        self.item(code).map(std::borrow::Cow::Borrowed).or_else(|| {
            self.bundle(code)
                .map(|b| std::borrow::Cow::Owned(b.as_item()))
        })
    }
}

/// The first 16 hex digits of the text's SHA-256.
pub(super) fn revision_of(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}
