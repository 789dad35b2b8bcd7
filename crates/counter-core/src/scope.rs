//! What a point may do with an item (办理层级 and 帮办代办): handle it, accept it on the
//! applicant's behalf and hand the paper on, or send the applicant elsewhere. A leaf of the
//! core: it reads the catalog and the offices registered above the point, and the case rules
//! take its answer as an input.

use serde::Serialize;
use ts_rs::TS;

use crate::catalog::{Catalog, Level, RuleKind};
use crate::settings::HandlingOffice;

/// What a point of a given level may do with an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum Scope {
    /// The point accepts and handles the item itself.
    Handles,
    /// 帮办代办: the point accepts on the applicant's behalf and hands the paper to `office`
    /// (its 网点代码 `point` when the office is registered for the point).
    Assisted {
        office: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        point: Option<String>,
    },
    /// The point may not accept it: the applicant goes to `office`.
    Elsewhere {
        office: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        point: Option<String>,
    },
}

/// The office that handles an item for a point of `level`: the nearest level above it that
/// the item lists (for a village point that is usually the township, then the county). By its
/// name where the point registered it, else as the list names the level — never by a level
/// code, which means nothing to an applicant.
fn handling_office(
    catalog: &Catalog,
    levels: &[Level],
    level: Level,
    registered: &[HandlingOffice],
) -> (String, Option<String>) {
    let meaning = |l: Level| {
        catalog
            .rules
            .iter()
            .find_map(|r| match &r.kind {
                RuleKind::Levels { levels } => levels.get(&l).cloned(),
                _ => None,
            })
            .unwrap_or_else(|| format!("{l:?}级"))
    };
    match levels.iter().copied().filter(|l| *l < level).max() {
        Some(l) => match registered.iter().find(|o| o.level == l) {
            Some(o) => (o.name.clone(), Some(o.point.clone())),
            None => (format!("{}医疗保障经办机构", meaning(l)), None),
        },
        None => ("医疗保障经办机构服务窗口".to_string(), None),
    }
}

/// What a point of `level` may do with `item` of `catalog`, the offices `registered` above it
/// named. Only D and E points are limited, and only by what the catalog says: an item with no
/// levels, in a catalog without assisted rules, stays open to every point.
pub fn scope(
    catalog: &Catalog,
    level: Option<Level>,
    registered: &[HandlingOffice],
    item: &str,
) -> Scope {
    let Some(level) = level.filter(|l| *l >= Level::D) else {
        return Scope::Handles;
    };
    let levels = catalog
        .case_item(item)
        .map(|i| i.levels.clone())
        .unwrap_or_default();
    let assisted = catalog.rules.iter().any(|r| {
        matches!(&r.kind, RuleKind::AssistedAcceptance { level: l, items }
            if *l == level && items.iter().any(|i| i == item))
    });
    if levels.is_empty() || levels.contains(&level) {
        Scope::Handles
    } else {
        let (office, point) = handling_office(catalog, &levels, level, registered);
        if assisted {
            Scope::Assisted { office, point }
        } else {
            Scope::Elsewhere { office, point }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn village_and_township_points_accept_only_what_the_footnotes_allow() {
        let set = crate::bundled::catalogs().unwrap();
        let js = set.get("jiangsu-2024").unwrap();
        // 异地就医备案 at a village point: assisted, handled by the township.
        assert_eq!(
            scope(js, Some(Level::E), &[], "322036013001"),
            Scope::Assisted {
                office: "乡镇(街道)医疗保障经办机构".into(),
                point: None,
            }
        );
        // Registered above the point, the office is named and its code known.
        let township = HandlingOffice {
            level: Level::D,
            point: "D01".into(),
            name: "丁卯街道便民服务中心".into(),
        };
        assert_eq!(
            scope(
                js,
                Some(Level::E),
                std::slice::from_ref(&township),
                "322036013001"
            ),
            Scope::Assisted {
                office: "丁卯街道便民服务中心".into(),
                point: Some("D01".into()),
            }
        );
        // 住院费用报销 at a township point: assisted, handled by the county.
        assert!(matches!(
            scope(js, Some(Level::D), &[], "322036066002"),
            Scope::Assisted { office, .. } if office.starts_with("县(市、区)")
        ));
        // 住院费用报销 at a village point: not allowed, the applicant goes to the county.
        assert!(matches!(
            scope(js, Some(Level::E), &[], "322036066002"),
            Scope::Elsewhere { office, .. } if office.starts_with("县(市、区)")
        ));
        // 生育津贴 at a township: not in the footnote, not at level D.
        assert!(matches!(
            scope(js, Some(Level::D), &[], "322036064004"),
            Scope::Elsewhere { .. }
        ));
        // The township handles 异地就医备案 itself; a village handles 城乡居民参保登记.
        assert_eq!(
            scope(js, Some(Level::D), &[], "322036013001"),
            Scope::Handles
        );
        assert_eq!(
            scope(js, Some(Level::E), &[], "322036008002"),
            Scope::Handles
        );
        // Service halls and lists without levels are not limited here.
        assert_eq!(
            scope(js, Some(Level::C), &[], "322036064004"),
            Scope::Handles
        );
        assert_eq!(scope(js, None, &[], "322036064004"), Scope::Handles);
    }

    /// The case rules take the scope as an input: a point the item is not for cannot accept
    /// it, however complete the paper.
    #[test]
    fn a_case_is_not_accepted_where_the_item_is_not_handled() {
        use crate::case::{Case, Form, OpenCase};
        let set = crate::bundled::catalogs().unwrap();
        let js = set.get("jiangsu-2024").unwrap();
        let cal = crate::bundled::calendar().unwrap();
        let at = chrono::NaiveDate::from_ymd_opt(2025, 9, 26)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        let req = OpenCase::person(
            "jiangsu-2024",
            "322036066002",
            "E01",
            "王芳",
            "张三",
            "11010519491231002X",
        );
        let mut c = Case::open(
            OpenCase {
                case_no: "E01-20250926-0001".into(),
                ..req
            },
            js,
            at,
        )
        .unwrap()
        .0;
        for e in c.checklist.clone() {
            let opt = e.material.any_of.first().cloned();
            c.tick(&e.material.key, Form::Original, 1, opt.as_deref(), at)
                .unwrap();
        }
        let village = scope(js, Some(Level::E), &[], "322036066002");
        let err = c.clone().accept(js, &cal, &village, at).unwrap_err();
        assert!(err.to_string().contains("不能受理此事项"), "{err}");
        let county = scope(js, Some(Level::C), &[], "322036066002");
        assert!(c.accept(js, &cal, &county, at).is_ok());
    }
}
