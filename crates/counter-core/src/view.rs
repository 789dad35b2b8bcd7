//! The shapes the CLI (`--json`) and the desktop app show: one definition for both.

use serde::Serialize;
use ts_rs::TS;

use crate::catalog::{
    Bundle, Catalog, Item, Level, Material, Situation, TimeLimitEntry, TimeLimitKind,
};
use crate::CatalogSet;

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CatalogSummary {
    pub id: String,
    pub title: String,
    pub edition: String,
    pub issuer: String,
    /// Number of items (bundles counted separately).
    pub items: usize,
    pub bundles: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct MainRef {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct TimeLimitView {
    /// The condition, or null when the limit always applies.
    pub when: Option<String>,
    pub kind: TimeLimitKind,
    pub days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct MaterialView {
    pub name: String,
    /// The options when any one of them is enough; null otherwise.
    pub any_of: Option<Vec<String>>,
    pub when: Option<String>,
    pub form: Option<String>,
    pub copies: Option<u32>,
    pub stamp: Option<String>,
    pub issuer: Option<String>,
    pub note: Option<String>,
    pub optional: bool,
    pub deferrable: bool,
    pub promise: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ItemView {
    pub code: String,
    pub name: String,
    pub catalog: String,
    pub main: MainRef,
    pub levels: Vec<Level>,
    pub channels: Vec<String>,
    pub steps: Vec<String>,
    pub time_limit_text: String,
    pub time_limit: Vec<TimeLimitView>,
    pub agreement: Option<String>,
    pub situations: Vec<Situation>,
    pub materials: Vec<MaterialView>,
    pub notes: Vec<String>,
    pub basis: Vec<String>,
    pub national: Option<String>,
    pub source_note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct BundleView {
    pub code: String,
    pub name: String,
    pub catalog: String,
    pub serves: Vec<String>,
    pub meaning: Option<String>,
    /// The items the bundle combines, by code.
    pub items: Vec<String>,
    pub channels: Vec<String>,
    pub steps: Vec<String>,
    pub time_limit_text: Option<String>,
    pub time_limit: Vec<TimeLimitView>,
    pub agreement: Option<String>,
    pub situations: Vec<Situation>,
    pub materials: Vec<MaterialView>,
    pub tips: Vec<String>,
    pub source_note: Option<String>,
}

/// What `catalog show` returns: an item or a bundle, told apart by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EntryView {
    Item(ItemView),
    Bundle(BundleView),
}

fn time_limits(entries: &[TimeLimitEntry]) -> Vec<TimeLimitView> {
    entries
        .iter()
        .map(|t| {
            let (kind, days) = t.kind();
            TimeLimitView {
                when: t.when.clone(),
                kind,
                days,
            }
        })
        .collect()
}

fn materials(list: &[Material]) -> Vec<MaterialView> {
    list.iter()
        .map(|m| MaterialView {
            name: m.display_name(),
            any_of: (!m.any_of.is_empty()).then(|| m.any_of.clone()),
            when: m.when.clone(),
            form: m.form.clone(),
            copies: m.copies,
            stamp: m.stamp.clone(),
            issuer: m.issuer.clone(),
            note: m.note.clone(),
            optional: m.optional,
            deferrable: m.deferrable,
            promise: m.promise,
        })
        .collect()
}

impl CatalogSummary {
    pub fn of(c: &Catalog) -> Self {
        CatalogSummary {
            id: c.header.id.clone(),
            title: c.header.title.clone(),
            edition: c.header.edition.clone(),
            issuer: c.header.issuer.clone(),
            items: c.items.len(),
            bundles: c.bundles.len(),
        }
    }
}

impl ItemView {
    pub fn of(c: &Catalog, item: &Item) -> Self {
        ItemView {
            code: item.code.clone(),
            name: item.name.clone(),
            catalog: c.header.id.clone(),
            main: MainRef {
                code: item.main.clone(),
                name: c
                    .main(&item.main)
                    .map(|m| m.name.clone())
                    .unwrap_or_default(),
            },
            levels: item.levels.clone(),
            channels: item.channels.clone(),
            steps: item.steps.clone(),
            time_limit_text: item.time_limit_text.clone(),
            time_limit: time_limits(&item.time_limit),
            agreement: item.agreement.clone(),
            situations: item.situations.clone(),
            materials: materials(&item.materials),
            notes: item.notes.clone(),
            basis: item.basis.clone(),
            national: item.national.clone(),
            source_note: item.source_note.clone(),
        }
    }
}

impl BundleView {
    pub fn of(c: &Catalog, b: &Bundle) -> Self {
        BundleView {
            code: b.code.clone(),
            name: b.name.clone(),
            catalog: c.header.id.clone(),
            serves: b.serves.clone(),
            meaning: b.meaning.clone(),
            items: b.items.clone(),
            channels: b.channels.clone(),
            steps: b.steps.clone(),
            time_limit_text: b.time_limit_text.clone(),
            time_limit: time_limits(&b.time_limit),
            agreement: b.agreement.clone(),
            situations: b.situations.clone(),
            materials: materials(&b.materials),
            tips: b.tips.clone(),
            source_note: b.source_note.clone(),
        }
    }
}

impl CatalogSet {
    /// The item or bundle with this code (in one catalog, or the first that has it).
    pub fn show(&self, code: &str, catalog: Option<&str>) -> Option<EntryView> {
        let code = code.trim();
        if let Some((c, item)) = self.find_item(code, catalog) {
            return Some(EntryView::Item(ItemView::of(c, item)));
        }
        self.find_bundle(code, catalog)
            .map(|(c, b)| EntryView::Bundle(BundleView::of(c, b)))
    }

    pub fn summaries(&self) -> Vec<CatalogSummary> {
        self.catalogs.iter().map(CatalogSummary::of).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundled;

    #[test]
    fn a_bundle_shows_its_agreement_as_an_item_does() {
        let set = bundled::catalogs().unwrap();
        let Some(EntryView::Item(item)) = set.show("322036002002", Some("jiangsu-2024")) else {
            panic!("item 322036002002");
        };
        assert!(item.agreement.is_some_and(|a| a.contains("协议执行")));
        for code in ["ZJ2025-10", "ZJ2025-14"] {
            let Some(EntryView::Bundle(b)) = set.show(code, None) else {
                panic!("bundle {code}");
            };
            assert_eq!(
                b.agreement.as_deref(),
                Some("根据定点医疗机构与经办机构签订的协议执行"),
                "{code}"
            );
            let json = serde_json::to_value(EntryView::Bundle(b)).unwrap();
            assert_eq!(
                json["agreement"],
                "根据定点医疗机构与经办机构签订的协议执行"
            );
        }
        let Some(EntryView::Bundle(b)) = set.show("ZJ2025-11", None) else {
            panic!("bundle ZJ2025-11");
        };
        assert_eq!(b.agreement, None);
    }
}
