//! A point's own settings (网点设置): what its documents print about it (name, address,
//! phones), which point code and level it is, and which printer it uses.

use serde::{Deserialize, Serialize};

use crate::catalog::Level;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct PointSettings {
    /// 经办机构名称, printed on every document.
    pub name: String,
    pub address: String,
    /// 咨询电话 of the office.
    pub phone: String,
    /// 投诉（监督）电话.
    pub complaint_phone: String,
    /// 网点代码: the first part of every case number.
    pub point: String,
    /// 窗口号 of this computer at its point (1–99): part of every case number from window 2
    /// on, so two windows never make the same number. Confirmed by the central server at
    /// enrolment, which refuses one another device of the point holds.
    #[serde(default = "first_window")]
    pub window: u32,
    #[serde(default)]
    pub level: Option<Level>,
    /// CUPS queue to print on (default: the system's default printer).
    #[serde(default)]
    pub printer: Option<String>,
    /// The region's catalog edition the counter works from (default: all).
    #[serde(default)]
    pub catalog: Option<String>,
    /// The 二代证 reader's serial port (default: the first USB serial port a reader answers
    /// on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reader_port: Option<String>,
}

impl Default for PointSettings {
    /// Until the office is set up: the national 医保 service hotline (12393) and the
    /// government service hotline (12345) are right everywhere.
    fn default() -> Self {
        PointSettings {
            name: "医疗保障经办服务窗口".into(),
            address: UNSET_ADDRESS.into(),
            phone: "12393".into(),
            complaint_phone: "12345".into(),
            point: UNSET_POINT.into(),
            window: 1,
            level: None,
            printer: None,
            catalog: None,
            reader_port: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfficeError {
    #[error("网点设置格式错误：{0}")]
    Syntax(String),
    #[error("网点设置缺少{0}")]
    Missing(&'static str),
    #[error("网点代码“{0}”只能含字母和数字（1至12位）")]
    BadPoint(String),
    #[error("窗口号 {0} 无效，应为 1 至 99")]
    BadWindow(u32),
    #[error("{0}仍是未设置时的占位内容，请填写本网点的真实信息（会打印在回执和告知书上）")]
    Placeholder(&'static str),
}

fn first_window() -> u32 {
    1
}

/// What [`PointSettings::default`] holds where nothing real is known yet: never to be saved as if it
/// were the office's own.
const UNSET_ADDRESS: &str = "（地址未设置）";
const UNSET_POINT: &str = "0000";

impl PointSettings {
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    pub fn from_toml(text: &str) -> Result<PointSettings, OfficeError> {
        let o: PointSettings =
            toml::from_str(text).map_err(|e| OfficeError::Syntax(e.to_string()))?;
        for (v, what) in [
            (&o.name, "经办机构名称（name）"),
            (&o.address, "地址（address）"),
            (&o.phone, "咨询电话（phone）"),
            (&o.complaint_phone, "投诉电话（complaint_phone）"),
        ] {
            if v.trim().is_empty() {
                return Err(OfficeError::Missing(what));
            }
        }
        if o.point.is_empty()
            || o.point.len() > 12
            || !o.point.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return Err(OfficeError::BadPoint(o.point));
        }
        if !(1..=99).contains(&o.window) {
            return Err(OfficeError::BadWindow(o.window));
        }
        if o.address.trim() == UNSET_ADDRESS {
            return Err(OfficeError::Placeholder("地址"));
        }
        if o.point.chars().all(|c| c == '0') {
            return Err(OfficeError::Placeholder("网点代码"));
        }
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_and_bad_ones_say_what_is_wrong() {
        let o = PointSettings::from_toml(
            "name = \"镇江市医疗保险基金管理中心\"\naddress = \"镇江市长江路1号\"\nphone = \"0511-12345678\"\ncomplaint_phone = \"12345\"\npoint = \"3211\"\nlevel = \"C\"\n",
        )
        .unwrap();
        assert_eq!(o.level, Some(Level::C));
        let e = PointSettings::from_toml(
            "name = \"x\"\naddress = \"\"\nphone = \"1\"\ncomplaint_phone = \"1\"\npoint = \"1\"",
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "网点设置缺少地址（address）");
        let e = PointSettings::from_toml("name = \"x\"\naddress = \"a\"\nphone = \"1\"\ncomplaint_phone = \"1\"\npoint = \"32-11\"").unwrap_err();
        assert!(matches!(e, OfficeError::BadPoint(_)));
        assert!(matches!(
            PointSettings::from_toml("name = 1"),
            Err(OfficeError::Syntax(_))
        ));
        // The defaults are placeholders: saving them as the office's own is refused.
        let e = PointSettings::from_toml(&PointSettings::default().to_toml()).unwrap_err();
        assert!(e.to_string().contains("占位"), "{e}");
        let e = PointSettings::from_toml("name = \"x\"\naddress = \"a\"\nphone = \"1\"\ncomplaint_phone = \"1\"\npoint = \"0000\"").unwrap_err();
        assert_eq!(e, OfficeError::Placeholder("网点代码"));
    }
}
