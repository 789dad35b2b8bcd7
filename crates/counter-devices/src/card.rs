//! The text of a card: 256 bytes of UCS-2 (little-endian) in fixed fields, space-padded.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A 居民身份证 as the reader reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Card {
    pub name: String,
    /// 男 or 女.
    pub sex: String,
    /// The nation's name (汉, 回, …), from its GB 3304 code.
    pub nation: String,
    /// YYYY-MM-DD.
    pub birth: String,
    pub address: String,
    pub id_number: String,
    /// 签发机关.
    pub authority: String,
    /// YYYY-MM-DD.
    pub valid_from: String,
    /// YYYY-MM-DD, or 长期.
    pub valid_to: String,
}

/// (field, characters) in the order of the text block; 18 characters reserved at the end.
const FIELDS: [usize; 9] = [15, 1, 2, 8, 35, 18, 15, 8, 8];
pub const TEXT_LEN: usize = 256;

/// The nations by their GB 3304 codes.
const NATIONS: [&str; 56] = [
    "汉",
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
];

/// The nation's name for its two-digit code (`01` → 汉); the code itself when unknown.
pub fn nation_name(code: &str) -> String {
    match code.parse::<usize>() {
        Ok(n @ 1..=56) => NATIONS[n - 1].to_string(),
        Ok(97) => "其他".into(),
        Ok(98) => "外国血统中国籍人士".into(),
        _ => code.to_string(),
    }
}

fn nation_code(name: &str) -> String {
    NATIONS
        .iter()
        .position(|n| *n == name)
        .map_or_else(|| "97".into(), |i| format!("{:02}", i + 1))
}

fn date(yyyymmdd: &str) -> Option<String> {
    NaiveDate::parse_from_str(yyyymmdd, "%Y%m%d")
        .ok()
        .map(|d| d.format("%Y-%m-%d").to_string())
}

impl Card {
    /// Reads the text block; `None` when it is not one (wrong size, a date or sex that is no
    /// date or sex: the read was garbled).
    pub fn from_text(text: &[u8]) -> Option<Card> {
        if text.len() < TEXT_LEN {
            return None;
        }
        let units: Vec<u16> = text[..TEXT_LEN]
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        let mut fields = Vec::new();
        let mut at = 0;
        for n in FIELDS {
            let s = String::from_utf16(&units[at..at + n]).ok()?;
            fields.push(s.trim_end_matches([' ', '\0']).trim().to_string());
            at += n;
        }
        let sex = match fields[1].as_str() {
            "1" => "男",
            "2" => "女",
            _ => return None,
        };
        let valid_to = if fields[8].starts_with("长期") {
            "长期".to_string()
        } else {
            date(&fields[8])?
        };
        Some(Card {
            name: fields[0].clone(),
            sex: sex.into(),
            nation: nation_name(&fields[2]),
            birth: date(&fields[3])?,
            address: fields[4].clone(),
            id_number: fields[5].clone(),
            authority: fields[6].clone(),
            valid_from: date(&fields[7])?,
            valid_to,
        })
    }

    /// The text block as a card carries it (the simulator's, and the round-trip tests').
    pub fn to_text(&self) -> Vec<u8> {
        let plain = |d: &str| d.replace('-', "");
        let values = [
            self.name.clone(),
            if self.sex == "女" { "2" } else { "1" }.to_string(),
            nation_code(&self.nation),
            plain(&self.birth),
            self.address.clone(),
            self.id_number.clone(),
            self.authority.clone(),
            plain(&self.valid_from),
            if self.valid_to == "长期" {
                "长期".into()
            } else {
                plain(&self.valid_to)
            },
        ];
        let mut out = Vec::with_capacity(TEXT_LEN);
        for (v, n) in values.iter().zip(FIELDS) {
            let mut units: Vec<u16> = v.encode_utf16().take(n).collect();
            units.resize(n, u16::from(b' '));
            out.extend(units.iter().flat_map(|u| u.to_le_bytes()));
        }
        out.resize(TEXT_LEN, b' ');
        for pair in out[TEXT_LEN - 36..].chunks_mut(2) {
            pair.copy_from_slice(&u16::from(b' ').to_le_bytes());
        }
        out
    }

    /// Whether the card has expired on `today` (a 长期 card never does).
    pub fn expired(&self, today: NaiveDate) -> bool {
        NaiveDate::parse_from_str(&self.valid_to, "%Y-%m-%d").is_ok_and(|to| to < today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> Card {
        Card {
            name: "张三丰".into(),
            sex: "男".into(),
            nation: "汉".into(),
            birth: "1949-12-31".into(),
            address: "北京市朝阳区建国路88号院3号楼1单元101室".into(),
            id_number: "11010519491231002X".into(),
            authority: "北京市公安局朝阳分局".into(),
            valid_from: "2015-06-01".into(),
            valid_to: "长期".into(),
        }
    }

    #[test]
    fn a_card_reads_back_from_its_text() {
        let c = sample();
        let text = c.to_text();
        assert_eq!(text.len(), TEXT_LEN);
        assert_eq!(Card::from_text(&text), Some(c.clone()));
        let mut dated = c;
        dated.valid_to = "2025-06-01".into();
        dated.sex = "女".into();
        dated.nation = "维吾尔".into();
        assert_eq!(Card::from_text(&dated.to_text()), Some(dated.clone()));
        assert!(dated.expired(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()));
        assert!(!sample().expired(NaiveDate::from_ymd_opt(2099, 1, 1).unwrap()));
    }

    #[test]
    fn nations_are_named_by_their_codes() {
        assert_eq!(nation_name("01"), "汉");
        assert_eq!(nation_name("56"), "基诺");
        assert_eq!(nation_name("03"), "回");
        assert_eq!(nation_name("xx"), "xx");
    }

    #[test]
    fn a_garbled_text_is_no_card() {
        let mut t = sample().to_text();
        // The sex field (after 15 characters of name) made a letter.
        t[30] = b'x';
        assert_eq!(Card::from_text(&t), None);
        assert_eq!(Card::from_text(&t[..100]), None);
    }
}
