//! Search over every loaded catalog: name substring, pinyin initials (`zyfy` → 住院费用报销),
//! full pinyin, code prefix, and words in notes and materials. Ranked; a miss is an empty list.

use pinyin::ToPinyinMulti;
use serde::Serialize;
use ts_rs::TS;

use crate::CatalogSet;

/// What a search result is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    Item,
    Bundle,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SearchHit {
    pub code: String,
    pub name: String,
    pub catalog: String,
    /// The list's name as a clerk reads it (全国 附件1, 江苏省 2024年版), not its id.
    pub catalog_label: String,
    pub kind: HitKind,
}

struct Entry {
    hit: SearchHit,
    name_lower: String,
    /// Per searchable character of the name: its possible pinyin syllables (all readings of a
    /// polyphonic character), or the character itself for Latin letters and digits.
    syllables: Vec<Vec<String>>,
    /// Notes, materials and the main item's name, lower-cased, for keyword matches.
    text: String,
    order: usize,
}

/// A prebuilt index; build once when catalogs load, query at every keystroke.
pub struct SearchIndex {
    entries: Vec<Entry>,
}

fn syllables_of(name: &str) -> Vec<Vec<String>> {
    name.chars()
        .filter_map(|c| {
            if c.is_ascii_alphanumeric() {
                return Some(vec![c.to_ascii_lowercase().to_string()]);
            }
            let multi = c.to_pinyin_multi()?;
            let mut readings: Vec<String> =
                multi.into_iter().map(|p| p.plain().to_string()).collect();
            readings.dedup();
            Some(readings)
        })
        .collect()
}

/// Whether `query` is spelled by the syllables from `start` on: each character contributes
/// its first letter (initials) or a whole syllable; the last one may be a prefix.
fn spells(syl: &[Vec<String>], start: usize, query: &[u8], initials_only: bool) -> bool {
    if query.is_empty() {
        return true;
    }
    let Some(readings) = syl.get(start) else {
        return false;
    };
    readings.iter().any(|r| {
        let r = r.as_bytes();
        if r[0] != query[0] {
            return false;
        }
        if initials_only {
            return spells(syl, start + 1, &query[1..], true);
        }
        if query.len() <= r.len() {
            return r.starts_with(query);
        }
        query.starts_with(r) && spells(syl, start + 1, &query[r.len()..], false)
    })
}

// Rank bands: a higher band always wins; inside a band shorter names and catalog order win.
const CODE_EXACT: u32 = 100;
const NAME_EXACT: u32 = 95;
const CODE_PREFIX: u32 = 90;
const NAME_PREFIX: u32 = 85;
const INITIALS_PREFIX: u32 = 80;
const PINYIN_PREFIX: u32 = 75;
const NAME_CONTAINS: u32 = 70;
const INITIALS_CONTAINS: u32 = 60;
const PINYIN_CONTAINS: u32 = 55;
const TEXT_CONTAINS: u32 = 30;

impl SearchIndex {
    pub fn new(set: &CatalogSet) -> SearchIndex {
        let mut entries = Vec::new();
        for c in &set.catalogs {
            for item in &c.items {
                let main = c.main(&item.main).map(|m| m.name.as_str()).unwrap_or("");
                let mut text = vec![main.to_string()];
                text.extend(item.notes.iter().cloned());
                text.extend(item.materials.iter().map(|m| m.display_name()));
                entries.push(Entry {
                    hit: SearchHit {
                        code: item.code.clone(),
                        name: item.name.clone(),
                        catalog: c.header.id.clone(),
                        catalog_label: c.header.label(),
                        kind: HitKind::Item,
                    },
                    name_lower: item.name.to_lowercase(),
                    syllables: syllables_of(&item.name),
                    text: text.join("\n").to_lowercase(),
                    order: entries.len(),
                });
            }
            for b in &c.bundles {
                let mut text = b.tips.clone();
                text.extend(b.meaning.iter().cloned());
                text.extend(b.materials.iter().map(|m| m.display_name()));
                entries.push(Entry {
                    hit: SearchHit {
                        code: b.code.clone(),
                        name: b.name.clone(),
                        catalog: c.header.id.clone(),
                        catalog_label: c.header.label(),
                        kind: HitKind::Bundle,
                    },
                    name_lower: b.name.to_lowercase(),
                    syllables: syllables_of(&b.name),
                    text: text.join("\n").to_lowercase(),
                    order: entries.len(),
                });
            }
        }
        SearchIndex { entries }
    }

    fn score(e: &Entry, q: &str, q_latin: Option<&[u8]>) -> Option<u32> {
        let code = e.hit.code.to_lowercase();
        if code == q {
            return Some(CODE_EXACT);
        }
        if e.name_lower == q {
            return Some(NAME_EXACT);
        }
        if q.len() >= 3 && code.starts_with(q) {
            return Some(CODE_PREFIX);
        }
        if e.name_lower.starts_with(q) {
            return Some(NAME_PREFIX);
        }
        if let Some(ql) = q_latin {
            if spells(&e.syllables, 0, ql, true) {
                return Some(INITIALS_PREFIX);
            }
            if spells(&e.syllables, 0, ql, false) {
                return Some(PINYIN_PREFIX);
            }
        }
        if e.name_lower.contains(q) {
            return Some(NAME_CONTAINS);
        }
        if let Some(ql) = q_latin {
            let starts = 1..e.syllables.len();
            if starts.clone().any(|s| spells(&e.syllables, s, ql, true)) {
                return Some(INITIALS_CONTAINS);
            }
            if ql.len() >= 2
                && starts
                    .into_iter()
                    .any(|s| spells(&e.syllables, s, ql, false))
            {
                return Some(PINYIN_CONTAINS);
            }
        }
        if e.text.contains(q) {
            return Some(TEXT_CONTAINS);
        }
        None
    }

    /// Ranked hits for `query` in every catalog (or one). Blank query or no match: empty.
    pub fn search(&self, query: &str, catalog: Option<&str>) -> Vec<SearchHit> {
        let q: String = query
            .trim()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_lowercase();
        if q.is_empty() {
            return Vec::new();
        }
        let q_latin = q
            .bytes()
            .all(|b| b.is_ascii_lowercase())
            .then_some(q.as_bytes());
        let mut scored: Vec<(u32, &Entry)> = self
            .entries
            .iter()
            .filter(|e| catalog.is_none_or(|c| e.hit.catalog == c))
            .filter_map(|e| Self::score(e, &q, q_latin).map(|s| (s, e)))
            .collect();
        scored.sort_by(|(sa, a), (sb, b)| {
            sb.cmp(sa)
                .then(a.hit.name.chars().count().cmp(&b.hit.name.chars().count()))
                .then(a.order.cmp(&b.order))
        });
        scored.into_iter().map(|(_, e)| e.hit.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> SearchIndex {
        SearchIndex::new(&crate::bundled::catalogs().unwrap())
    }

    fn names(hits: &[SearchHit]) -> Vec<&str> {
        hits.iter().map(|h| h.name.as_str()).collect()
    }

    #[test]
    fn pinyin_initials_find_inpatient_reimbursement_first() {
        let hits = index().search("zyfy", Some("national"));
        assert_eq!(names(&hits)[0], "住院费用报销");
    }

    #[test]
    fn full_pinyin_and_partial_pinyin_match() {
        let i = index();
        assert_eq!(
            names(&i.search("zhuyuanfeiyong", Some("national")))[0],
            "住院费用报销"
        );
        assert_eq!(
            names(&i.search("zhuyuanfei", Some("national")))[0],
            "住院费用报销"
        );
        assert!(names(&i.search("menzhen", Some("national"))).contains(&"门诊费用报销"));
    }

    #[test]
    fn name_substring_and_code_prefix_match() {
        let i = index();
        let hits = i.search("异地", Some("national"));
        assert!(hits.len() >= 4, "{hits:?}");
        assert!(hits.iter().all(|h| h.name.contains("异地")));
        let hits = i.search("002036006", Some("national"));
        assert_eq!(names(&hits), vec!["门诊费用报销", "住院费用报销"]);
        assert_eq!(i.search("002036006002", None)[0].name, "住院费用报销");
    }

    #[test]
    fn words_in_notes_match_below_names() {
        let hits = index().search("五证合一", Some("national"));
        assert_eq!(names(&hits)[0], "单位参保登记");
    }

    #[test]
    fn a_miss_is_empty_not_an_error() {
        let i = index();
        assert!(i.search("qqqqzzzz", None).is_empty());
        assert!(i.search("   ", None).is_empty());
        assert!(i.search("火星移民", None).is_empty());
    }
}
