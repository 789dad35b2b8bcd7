//! What one catalog edition adds, drops or changes against another — the view an administrator
//! needs when a new edition arrives (`counter catalog diff jiangsu-2024 national`).
//!
//! Items are paired by code, or by the `national` link in either direction, so a provincial
//! list with its own codes compares item by item with the national list.

use serde::Serialize;

use crate::catalog::{Catalog, Item, Material, TimeLimitEntry};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemRef {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemChange {
    /// The item in the edition being examined.
    pub item: ItemRef,
    /// Its counterpart in the edition compared against.
    pub base: ItemRef,
    /// `Some((base, item))` when the names differ.
    pub name: Option<(String, String)>,
    /// `Some((base, item))` when the time limits differ (as printed).
    pub time_limit: Option<(String, String)>,
    /// Materials of the item that the base does not ask for (with their condition, if any).
    pub materials_added: Vec<String>,
    /// Materials the base asks for that the item does not.
    pub materials_dropped: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CatalogDiff {
    pub catalog: String,
    pub base: String,
    /// Items with no counterpart in the base.
    pub added: Vec<ItemRef>,
    /// Base items with no counterpart in the catalog.
    pub dropped: Vec<ItemRef>,
    pub changed: Vec<ItemChange>,
    /// Paired items with no difference in name, materials or time limit.
    pub unchanged: usize,
}

fn item_ref(i: &Item) -> ItemRef {
    ItemRef {
        code: i.code.clone(),
        name: i.name.clone(),
    }
}

fn paired(a: &Item, b: &Item) -> bool {
    a.code == b.code
        || a.national.as_deref() == Some(b.code.as_str())
        || b.national.as_deref() == Some(a.code.as_str())
}

/// A material as a clerk reads it, with its condition; the comparison key drops spaces and
/// punctuation variants so that 《…》 forms and full/half-width brackets compare equal.
fn material_label(m: &Material) -> String {
    match &m.when {
        Some(w) => format!("{}（{w}）", m.display_name()),
        None => m.display_name(),
    }
}

fn key(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !"“”\"（）()《》、，,".contains(*c))
        .collect()
}

fn limits(entries: &[TimeLimitEntry]) -> Vec<(Option<u32>, bool)> {
    let mut v: Vec<_> = entries
        .iter()
        .map(|t| (t.working_days, t.immediate == Some(true)))
        .collect();
    v.sort();
    v
}

fn compare(item: &Item, base: &Item) -> Option<ItemChange> {
    let base_keys: Vec<String> = base
        .materials
        .iter()
        .map(|m| key(&m.display_name()))
        .collect();
    let item_keys: Vec<String> = item
        .materials
        .iter()
        .map(|m| key(&m.display_name()))
        .collect();
    let materials_added: Vec<String> = item
        .materials
        .iter()
        .filter(|m| !base_keys.contains(&key(&m.display_name())))
        .map(material_label)
        .collect();
    let materials_dropped: Vec<String> = base
        .materials
        .iter()
        .filter(|m| !item_keys.contains(&key(&m.display_name())))
        .map(material_label)
        .collect();
    let time_limit = (limits(&item.time_limit) != limits(&base.time_limit)
        || item.agreement.is_some() != base.agreement.is_some())
    .then(|| (base.time_limit_text.clone(), item.time_limit_text.clone()));
    let name = (key(&item.name) != key(&base.name)).then(|| (base.name.clone(), item.name.clone()));
    if name.is_none()
        && time_limit.is_none()
        && materials_added.is_empty()
        && materials_dropped.is_empty()
    {
        return None;
    }
    Some(ItemChange {
        item: item_ref(item),
        base: item_ref(base),
        name,
        time_limit,
        materials_added,
        materials_dropped,
    })
}

/// Compares `catalog` against `base`, item by item, in the order of `catalog`.
pub fn diff(catalog: &Catalog, base: &Catalog) -> CatalogDiff {
    let mut added = Vec::new();
    let mut changed = Vec::new();
    let mut unchanged = 0;
    for item in &catalog.items {
        match base.items.iter().find(|b| paired(item, b)) {
            None => added.push(item_ref(item)),
            Some(b) => match compare(item, b) {
                Some(c) => changed.push(c),
                None => unchanged += 1,
            },
        }
    }
    let dropped = base
        .items
        .iter()
        .filter(|b| !catalog.items.iter().any(|i| paired(i, b)))
        .map(item_ref)
        .collect();
    CatalogDiff {
        catalog: catalog.header.id.clone(),
        base: base.header.id.clone(),
        added,
        dropped,
        changed,
        unchanged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundled;

    #[test]
    fn jiangsu_against_national_names_what_the_province_adds_drops_and_changes() {
        let set = bundled::catalogs().unwrap();
        let d = diff(
            set.get("jiangsu-2024").unwrap(),
            set.get("national").unwrap(),
        );
        let added: Vec<&str> = d.added.iter().map(|i| i.name.as_str()).collect();
        assert!(added.contains(&"家庭共济账户绑定"), "{added:?}");
        assert!(added.contains(&"一次性营养补助"), "{added:?}");
        let dropped: Vec<&str> = d.dropped.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(dropped, ["出具《参保凭证》"]);
        // 34 Jiangsu items = added + paired.
        assert_eq!(d.added.len() + d.changed.len() + d.unchanged, 34);
        let inpatient = d
            .changed
            .iter()
            .find(|c| c.item.code == "322036066002")
            .expect("住院费用报销 changed");
        let (before, after) = inpatient.time_limit.clone().unwrap();
        assert_eq!(before, "不超过30个工作日");
        assert!(after.contains("10个工作日"), "{after}");
        let outpatient = d
            .changed
            .iter()
            .find(|c| c.item.code == "322036066001")
            .unwrap();
        assert!(
            outpatient
                .materials_added
                .iter()
                .any(|m| m.starts_with("医药机构收费票据")),
            "{:?}",
            outpatient.materials_added
        );
        assert!(
            outpatient
                .materials_dropped
                .iter()
                .any(|m| m.starts_with("医院收费票据")),
            "{:?}",
            outpatient.materials_dropped
        );
    }

    #[test]
    fn an_edition_against_itself_has_no_difference() {
        let set = bundled::catalogs().unwrap();
        let n = set.get("national").unwrap();
        let d = diff(n, n);
        assert!(d.added.is_empty() && d.dropped.is_empty() && d.changed.is_empty());
        assert_eq!(d.unchanged, 28);
    }
}
