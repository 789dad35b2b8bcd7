//! The catalog model: editions, main items, items, materials, conditions, time limits, rules
//! and bundles, as loaded from TOML (format: `docs/catalog-format.md`). A leaf.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::condition::Situations;

/// 办理层级: A 省, B 设区市, C 县(市、区), D 乡镇(街道), E 村(社区).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
pub enum Level {
    A,
    B,
    C,
    D,
    E,
}

impl Level {
    pub const ALL: [Level; 5] = [Level::A, Level::B, Level::C, Level::D, Level::E];

    /// As the settings offer it: A 省 … E 村（社区）.
    pub fn label(self) -> &'static str {
        match self {
            Level::A => "A 省",
            Level::B => "B 设区市",
            Level::C => "C 县（市、区）",
            Level::D => "D 乡镇（街道）",
            Level::E => "E 村（社区）",
        }
    }
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

/// Provinces by the first two digits of their division code (GB/T 2260).
const PROVINCES: [(&str, &str); 31] = [
    ("11", "北京市"),
    ("12", "天津市"),
    ("13", "河北省"),
    ("14", "山西省"),
    ("15", "内蒙古自治区"),
    ("21", "辽宁省"),
    ("22", "吉林省"),
    ("23", "黑龙江省"),
    ("31", "上海市"),
    ("32", "江苏省"),
    ("33", "浙江省"),
    ("34", "安徽省"),
    ("35", "福建省"),
    ("36", "江西省"),
    ("37", "山东省"),
    ("41", "河南省"),
    ("42", "湖北省"),
    ("43", "湖南省"),
    ("44", "广东省"),
    ("45", "广西壮族自治区"),
    ("46", "海南省"),
    ("50", "重庆市"),
    ("51", "四川省"),
    ("52", "贵州省"),
    ("53", "云南省"),
    ("54", "西藏自治区"),
    ("61", "陕西省"),
    ("62", "甘肃省"),
    ("63", "青海省"),
    ("64", "宁夏回族自治区"),
    ("65", "新疆维吾尔自治区"),
];

impl CatalogHeader {
    /// Whose list this is, as a clerk reads it: 全国, the province by its division code, or
    /// the place the title starts with (镇江市…).
    pub fn place(&self) -> String {
        if self.region == "000000" {
            return "全国".into();
        }
        if let Some(p) = self.region.strip_suffix("0000") {
            if let Some((_, name)) = PROVINCES.iter().find(|(code, _)| *code == p) {
                return (*name).to_string();
            }
        }
        self.title
            .split_inclusive(['市', '省', '县', '区'])
            .next()
            .filter(|t| t.chars().count() <= 8 && !t.starts_with('全'))
            .map_or_else(|| self.title.clone(), String::from)
    }

    /// The list's short name: its place and edition (江苏省 2024年版).
    pub fn label(&self) -> String {
        format!("{} {}", self.place(), self.edition)
    }
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

/// What an item, a bundle or an accepted case promises. Catalog entries name the first
/// three; `NoPromise` is a bundle that promises no time of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TimeLimitKind {
    /// 即时办结 / 即办件.
    Immediate,
    /// 不超过 N 个工作日.
    WorkingDays,
    /// 按协议执行.
    Agreement,
    /// A bundle without a time promise of its own: each item's limit applies.
    NoPromise,
}

impl TimeLimitKind {
    /// The kind in words, for messages.
    pub fn label(self) -> &'static str {
        match self {
            TimeLimitKind::Immediate => "即时办结",
            TimeLimitKind::WorkingDays => "限定工作日内办结",
            TimeLimitKind::Agreement => "按协议执行",
            TimeLimitKind::NoPromise => "不另承诺时限",
        }
    }
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
