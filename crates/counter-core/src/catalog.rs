//! The catalog model: editions, main items, items, materials, conditions, time limits, rules
//! and bundles, loaded from TOML text (format: `docs/catalog-format.md`) and validated.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::condition::{Condition, Situations};

/// 办理层级: A 省, B 设区市, C 县(市、区), D 乡镇(街道), E 村(社区).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
pub enum Level {
    A,
    B,
    C,
    D,
    E,
}

/// The 办理渠道 a list may name.
pub const CHANNELS: &[&str] = &["窗口办", "线上办", "医院办", "自助办"];
/// The forms a material may be handed over in.
pub const FORMS: &[&str] = &["原件", "复印件", "原件及复印件", "原件或复印件", "电子"];
/// Who a bundle may serve.
pub const SERVES: &[&str] = &["参保人员", "用人单位", "医药企业", "定点医药机构"];

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogHeader {
    pub id: String,
    pub title: String,
    pub issuer: String,
    pub region: String,
    pub edition: String,
    pub source: String,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MainItem {
    pub code: String,
    #[serde(default)]
    pub seq: Option<String>,
    pub name: String,
    /// How a name garbled or missing in the source was reconstructed.
    #[serde(default)]
    pub source_note: Option<String>,
}

/// A question whose answer selects materials or a time limit (情形).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Situation {
    pub id: String,
    pub question: String,
    pub options: Vec<String>,
}

/// A material (申请材料). Either `name` or `any_of` (one of several is enough) is given.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Material {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub any_of: Vec<String>,
    #[serde(default)]
    pub form: Option<String>,
    #[serde(default)]
    pub copies: Option<u32>,
    #[serde(default)]
    pub stamp: Option<String>,
    #[serde(default)]
    pub issuer: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub when: Option<String>,
    #[serde(default)]
    pub optional: bool,
    #[serde(default)]
    pub deferrable: bool,
    #[serde(default)]
    pub promise: bool,
}

impl Material {
    /// The name shown to people: the given name, or the options joined with 或.
    pub fn display_name(&self) -> String {
        match &self.name {
            Some(n) => n.clone(),
            None => self.any_of.join("或"),
        }
    }
}

/// One entry of a time limit as written in the file.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeLimitEntry {
    #[serde(default)]
    pub when: Option<String>,
    #[serde(default)]
    pub working_days: Option<u32>,
    #[serde(default)]
    pub immediate: Option<bool>,
    #[serde(default)]
    pub agreement: Option<bool>,
}

/// What a validated time-limit entry promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TimeLimitKind {
    /// 即时办结 / 即办件.
    Immediate,
    /// 不超过 N 个工作日.
    WorkingDays,
    /// 按协议执行.
    Agreement,
}

impl TimeLimitEntry {
    /// The kind and day count; only meaningful on a validated catalog.
    pub fn kind(&self) -> (TimeLimitKind, Option<u32>) {
        if let Some(d) = self.working_days {
            (TimeLimitKind::WorkingDays, Some(d))
        } else if self.agreement == Some(true) {
            (TimeLimitKind::Agreement, None)
        } else {
            (TimeLimitKind::Immediate, None)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub code: String,
    pub main: String,
    pub seq: u32,
    pub name: String,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub levels: Vec<Level>,
    #[serde(default)]
    pub channels: Vec<String>,
    #[serde(default)]
    pub steps: Vec<String>,
    pub time_limit_text: String,
    pub time_limit: Vec<TimeLimitEntry>,
    #[serde(default)]
    pub agreement: Option<String>,
    #[serde(default)]
    pub situations: Vec<Situation>,
    #[serde(default)]
    pub materials: Vec<Material>,
    #[serde(default)]
    pub notes: Vec<String>,
    #[serde(default)]
    pub basis: Vec<String>,
    #[serde(default)]
    pub national: Option<String>,
    #[serde(default)]
    pub source_note: Option<String>,
}

impl Situations for [Situation] {
    fn options(&self, id: &str) -> Option<&[String]> {
        self.iter()
            .find(|s| s.id == id)
            .map(|s| s.options.as_slice())
    }
}

/// A catalog-wide rule from a footnote or a "(下同)" note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub text: String,
    pub source: String,
    #[serde(flatten)]
    pub kind: RuleKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleKind {
    /// 有效身份证件 — the identity documents accepted.
    ValidIdDocuments { documents: Vec<String> },
    /// 委托办理 — materials an agent adds.
    Agent { materials: Vec<Material> },
    /// Bank account on a first reimbursement or a changed account.
    FirstReimbursement {
        #[serde(default)]
        items: Vec<String>,
        materials: Vec<Material>,
    },
    /// Items a D or E point may accept on the applicant's behalf (帮办代办).
    AssistedAcceptance { level: Level, items: Vec<String> },
    /// What the level letters mean.
    Levels { levels: BTreeMap<Level, String> },
}

/// 一件事: several items handled as one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    pub code: String,
    pub seq: u32,
    pub name: String,
    #[serde(default)]
    pub serves: Vec<String>,
    #[serde(default)]
    pub meaning: Option<String>,
    #[serde(default)]
    pub items: Vec<String>,
    #[serde(default)]
    pub channels: Vec<String>,
    #[serde(default)]
    pub steps: Vec<String>,
    #[serde(default)]
    pub time_limit_text: Option<String>,
    #[serde(default)]
    pub time_limit: Vec<TimeLimitEntry>,
    /// Text where the document defers materials or limits to an agreement (按协议执行), as
    /// on an item.
    #[serde(default)]
    pub agreement: Option<String>,
    #[serde(default)]
    pub situations: Vec<Situation>,
    #[serde(default)]
    pub materials: Vec<Material>,
    #[serde(default)]
    pub tips: Vec<String>,
    #[serde(default)]
    pub source_note: Option<String>,
}

/// One catalog edition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Catalog {
    /// File the edition was loaded from (for messages).
    pub file: String,
    /// A digest of the edition's text. Two deliveries under one edition label can differ; a
    /// case records the revision it was opened under and stays on it.
    pub revision: String,
    pub header: CatalogHeader,
    pub mains: Vec<MainItem>,
    pub items: Vec<Item>,
    pub rules: Vec<Rule>,
    pub bundles: Vec<Bundle>,
}

/// What is wrong, where: file, item code (or position), field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CatalogError {
    pub file: String,
    pub item: Option<String>,
    pub field: Option<String>,
    pub problem: Problem,
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(i) = &self.item {
            write!(f, ": item {i}")?;
        }
        if let Some(x) = &self.field {
            write!(f, ": field {x}")?;
        }
        write!(f, ": {}", self.problem)
    }
}

/// The kinds of problem a catalog file can have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("not valid TOML: {0}")]
    Syntax(String),
    #[error("does not match the catalog format: {0}")]
    Shape(String),
    #[error("required but missing or empty")]
    Missing,
    #[error("duplicate code {0}")]
    DuplicateCode(String),
    #[error("duplicate catalog id {0}")]
    DuplicateCatalog(String),
    #[error("main item {0} is not declared in [[mains]]")]
    UnknownMain(String),
    #[error("bad condition: {0}")]
    BadCondition(#[from] crate::condition::ConditionError),
    #[error("bad time limit: {0}")]
    BadTimeLimit(String),
    #[error("unknown value {value:?}; expected one of {expected}")]
    UnknownValue { value: String, expected: String },
    #[error("bad value {0:?}")]
    BadValue(String),
    #[error("links to {0}, which no loaded catalog has")]
    DanglingLink(String),
}

fn err(file: &str, item: Option<&str>, field: Option<&str>, problem: Problem) -> CatalogError {
    CatalogError {
        file: file.to_string(),
        item: item.map(str::to_string),
        field: field.map(str::to_string),
        problem,
    }
}

/// Parses one `[[…]]` array element by element, so a shape error names the element.
fn parse_array<T: for<'de> Deserialize<'de>>(
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

impl Bundle {
    /// The bundle as one item: one merged material list, its situations, channels, steps,
    /// time promise, agreement and tips (as notes).
    pub fn as_item(&self) -> Item {
        Item {
            code: self.code.clone(),
            main: String::new(),
            seq: self.seq,
            name: self.name.clone(),
            kind: None,
            levels: Vec::new(),
            channels: self.channels.clone(),
            steps: self.steps.clone(),
            time_limit_text: self
                .time_limit_text
                .clone()
                .unwrap_or_else(|| "按所含各事项的办理时限".into()),
            time_limit: self.time_limit.clone(),
            agreement: self.agreement.clone(),
            situations: self.situations.clone(),
            materials: self.materials.clone(),
            notes: self.tips.clone(),
            basis: Vec::new(),
            national: None,
            source_note: self.source_note.clone(),
        }
    }
}

fn check_one_of(
    f: &str,
    code: &str,
    field: &str,
    value: &str,
    allowed: &[&str],
    errors: &mut Vec<CatalogError>,
) {
    if !allowed.contains(&value) {
        errors.push(err(
            f,
            Some(code),
            Some(field),
            Problem::UnknownValue {
                value: value.into(),
                expected: allowed.join(" "),
            },
        ));
    }
}

/// An agreement, when given, says something.
fn check_agreement(
    f: &str,
    code: &str,
    agreement: &Option<String>,
    errors: &mut Vec<CatalogError>,
) {
    if agreement.as_deref().is_some_and(|a| a.trim().is_empty()) {
        errors.push(err(f, Some(code), Some("agreement"), Problem::Missing));
    }
}

fn check_condition(
    f: &str,
    code: &str,
    field: &str,
    when: &Option<String>,
    situations: &[Situation],
    errors: &mut Vec<CatalogError>,
) {
    if let Some(w) = when {
        if let Err(e) = Condition::parse(w).and_then(|c| c.check(situations)) {
            errors.push(err(f, Some(code), Some(field), Problem::BadCondition(e)));
        }
    }
}

fn check_material(
    f: &str,
    code: &str,
    situations: &[Situation],
    m: &Material,
    errors: &mut Vec<CatalogError>,
) {
    let field = format!("materials[{}]", m.display_name());
    let named = m.name.as_deref().is_some_and(|n| !n.trim().is_empty());
    if !named && m.any_of.is_empty() {
        errors.push(err(f, Some(code), Some("materials.name"), Problem::Missing));
    }
    if m.any_of.len() == 1 || m.any_of.iter().any(|o| o.trim().is_empty()) {
        errors.push(err(
            f,
            Some(code),
            Some(&format!("{field}.any_of")),
            Problem::Shape("any_of needs at least two non-empty options".into()),
        ));
    }
    if let Some(form) = &m.form {
        check_one_of(f, code, &format!("{field}.form"), form, FORMS, errors);
    }
    if m.copies == Some(0) {
        errors.push(err(
            f,
            Some(code),
            Some(&format!("{field}.copies")),
            Problem::BadValue("0".into()),
        ));
    }
    check_condition(
        f,
        code,
        &format!("{field}.when"),
        &m.when,
        situations,
        errors,
    );
}

fn check_common(
    f: &str,
    code: &str,
    situations: &[Situation],
    time_limit: &[TimeLimitEntry],
    materials: &[Material],
    errors: &mut Vec<CatalogError>,
) {
    let mut ids = BTreeSet::new();
    for s in situations {
        if s.id.trim().is_empty() || !ids.insert(s.id.as_str()) {
            errors.push(err(
                f,
                Some(code),
                Some("situations.id"),
                Problem::BadValue(s.id.clone()),
            ));
        }
        let distinct: BTreeSet<_> = s.options.iter().collect();
        if s.options.len() < 2 || distinct.len() != s.options.len() {
            errors.push(err(
                f,
                Some(code),
                Some(&format!("situations[{}].options", s.id)),
                Problem::Shape("a situation needs at least two distinct options".into()),
            ));
        }
    }
    let unconditional = time_limit.iter().filter(|t| t.when.is_none()).count();
    if !time_limit.is_empty() && unconditional > 0 && time_limit.len() > 1 {
        errors.push(err(
            f,
            Some(code),
            Some("time_limit"),
            Problem::BadTimeLimit(
                "either every entry has a `when`, or there is exactly one entry".into(),
            ),
        ));
    }
    for t in time_limit {
        let set = [
            t.working_days.is_some(),
            t.immediate == Some(true),
            t.agreement == Some(true),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if set != 1 || t.immediate == Some(false) || t.agreement == Some(false) {
            errors.push(err(
                f,
                Some(code),
                Some("time_limit"),
                Problem::BadTimeLimit(
                    "give exactly one of working_days = N, immediate = true, agreement = true"
                        .into(),
                ),
            ));
        }
        if let Some(d) = t.working_days {
            if !(1..=365).contains(&d) {
                errors.push(err(
                    f,
                    Some(code),
                    Some("time_limit.working_days"),
                    Problem::BadTimeLimit(format!("{d} is not between 1 and 365")),
                ));
            }
        }
        check_condition(f, code, "time_limit.when", &t.when, situations, errors);
    }
    for m in materials {
        check_material(f, code, situations, m, errors);
    }
}

/// Every loaded catalog edition, with the checks that span files.
#[derive(Debug, Clone, Default)]
pub struct CatalogSet {
    pub catalogs: Vec<Catalog>,
    /// Editions replaced by newer ones, kept for the cases opened under them.
    pub earlier: Vec<Catalog>,
}

/// The first 16 hex digits of the text's SHA-256.
fn revision_of(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
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
mod bundle_tests;

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[catalog]
id = "t"
title = "测试清单"
issuer = "测试"
region = "000000"
edition = "1"
source = "x.txt"

[[mains]]
code = "00203600100Y"
name = "参保登记"

[[items]]
code = "002036001002"
main = "00203600100Y"
seq = 2
name = "职工参保登记"
steps = ["申请", "受理"]
time_limit_text = "在职职工不超过5个工作日；灵活就业人员即时办结"
time_limit = [
  { when = "人员类别 = 在职职工", working_days = 5 },
  { when = "人员类别 = 灵活就业人员", immediate = true },
]
[[items.situations]]
id = "人员类别"
question = "参保人员类别"
options = ["在职职工", "灵活就业人员"]
[[items.materials]]
any_of = ["医保电子凭证", "有效身份证件", "社保卡"]
[[items.materials]]
name = "登记表"
stamp = "单位公章"
when = "人员类别 = 在职职工"
"#;

    fn load(text: &str) -> Result<Catalog, Vec<CatalogError>> {
        Catalog::from_toml("t.toml", text)
    }

    fn problems(text: &str) -> Vec<String> {
        load(text)
            .unwrap_err()
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn a_good_file_loads() {
        let c = load(GOOD).unwrap();
        let item = c.item("002036001002").unwrap();
        assert_eq!(
            item.materials[0].display_name(),
            "医保电子凭证或有效身份证件或社保卡"
        );
        assert_eq!(
            item.time_limit[0].kind(),
            (TimeLimitKind::WorkingDays, Some(5))
        );
    }

    #[test]
    fn a_missing_code_names_the_item_by_position_and_name() {
        let p = problems(&GOOD.replace("code = \"002036001002\"\n", ""));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with("t.toml: item items[0] (职工参保登记)"),
            "{p:?}"
        );
        assert!(p[0].contains("code"), "{p:?}");
    }

    #[test]
    fn a_duplicate_code_is_refused() {
        let body = &GOOD[GOOD.find("[[items]]").unwrap()..];
        let p = problems(&format!("{GOOD}\n{body}"));
        assert!(
            p.iter()
                .any(|e| e == "t.toml: item 002036001002: field code: duplicate code 002036001002"),
            "{p:?}"
        );
    }

    #[test]
    fn an_unknown_condition_names_item_field_and_situation() {
        let p = problems(&GOOD.replace(
            "when = \"人员类别 = 在职职工\"\n",
            "when = \"类别 = 在职职工\"\n",
        ));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].contains("item 002036001002"), "{p:?}");
        assert!(p[0].contains("materials[登记表].when"), "{p:?}");
        assert!(p[0].contains("未声明的情形“类别”"), "{p:?}");
        let p = problems(&GOOD.replace("人员类别 = 灵活就业人员\"", "人员类别 = 退休\""));
        assert!(p[0].contains("time_limit.when"), "{p:?}");
        assert!(p[0].contains("没有选项“退休”"), "{p:?}");
    }

    #[test]
    fn a_bad_time_limit_is_refused() {
        for (from, to) in [
            ("working_days = 5 }", "working_days = 0 }"),
            ("working_days = 5 }", "working_days = 5, immediate = true }"),
            ("immediate = true }", "}"),
            (
                "{ when = \"人员类别 = 在职职工\", working_days = 5 }",
                "{ working_days = 5 }",
            ),
        ] {
            let p = problems(&GOOD.replace(from, to));
            assert!(
                p.iter()
                    .any(|e| e.contains("item 002036001002") && e.contains("time_limit")),
                "{from} -> {to}: {p:?}"
            );
        }
        let p = problems(&GOOD.replace("working_days = 5", "working_days = \"五\""));
        assert!(p[0].contains("item 002036001002"), "{p:?}");
    }

    #[test]
    fn unknown_fields_and_values_are_refused() {
        let p = problems(&GOOD.replace("stamp = ", "stmap = "));
        assert!(p[0].contains("stmap"), "{p:?}");
        let p = problems(&GOOD.replace("steps = [", "levels = [\"F\"]\nsteps = ["));
        assert!(p[0].contains("002036001002"), "{p:?}");
        let p = problems(&GOOD.replace("stamp = \"单位公章\"", "form = \"影印件\""));
        assert!(p[0].contains("影印件"), "{p:?}");
        let p = problems(&GOOD.replace("main = \"00203600100Y\"", "main = \"X\""));
        assert!(p[0].contains("main item X"), "{p:?}");
    }

    #[test]
    fn broken_toml_is_a_syntax_error_with_the_file_name() {
        let p = problems("[catalog\nid = 1");
        assert!(p[0].starts_with("t.toml: not valid TOML"), "{p:?}");
    }

    #[test]
    fn links_to_the_national_list_must_resolve() {
        let national = GOOD.replace("id = \"t\"", "id = \"national\"");
        let province = GOOD
            .replace("id = \"t\"", "id = \"p\"")
            .replace("seq = 2\n", "seq = 2\nnational = \"002036009999\"\n");
        let e = CatalogSet::from_texts(&[("n.toml", national.as_str()), ("p.toml", &province)])
            .unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(
            e[0].to_string(),
            "p.toml: item 002036001002: field national: links to 002036009999, which no loaded catalog has"
        );
    }
}
