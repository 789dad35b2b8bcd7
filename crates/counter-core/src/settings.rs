//! A point's own settings (网点设置): what its documents print about it (name, address,
//! phones), which point code and level it is, the offices above it that handle what it may not,
//! and which printer it uses.

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
    /// 补交期限: working days the one-time notice gives to bring what is missing (the notice
    /// prints the date); none, the notice says there is no deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub notice_days: Option<u32>,
    /// 上级经办机构: the offices that handle what this point may not (a village point's township
    /// and county), as registered for the point. Receipts and notices name them; hand-over
    /// sheets go to them. Last: a TOML table array follows the plain keys.
    #[serde(default)]
    pub handled_by: Vec<HandlingOffice>,
}

/// An office above the point, by the level it handles at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct HandlingOffice {
    pub level: Level,
    /// Its 网点代码 (where hand-over sheets go).
    pub point: String,
    /// Its name as the applicant reads it.
    pub name: String,
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
            notice_days: None,
            handled_by: Vec::new(),
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
    #[error("上级经办机构“{0}”：{1}")]
    BadHandlingOffice(String, &'static str),
    #[error("补交期限 {0} 个工作日无效，应为 1 至 60")]
    BadNoticeDays(u32),
}

/// A 网点代码: letters and digits, 1 to 12.
fn valid_point(point: &str) -> bool {
    !point.is_empty() && point.len() <= 12 && point.chars().all(|c| c.is_ascii_alphanumeric())
}

fn first_window() -> u32 {
    1
}

/// What [`PointSettings::default`] holds where nothing real is known yet: never to be saved as if it
/// were the office's own.
const UNSET_ADDRESS: &str = "（地址未设置）";
const UNSET_POINT: &str = "0000";

impl PointSettings {
    /// The registered office that handles at `level`, if one is.
    pub fn handling_office(&self, level: Level) -> Option<&HandlingOffice> {
        self.handled_by.iter().find(|o| o.level == level)
    }

    /// The registered office whose 网点代码 is `point`, if one is.
    pub fn office_of_point(&self, point: &str) -> Option<&HandlingOffice> {
        self.handled_by.iter().find(|o| o.point == point)
    }

    fn check_handling_offices(&self) -> Result<(), OfficeError> {
        for (i, o) in self.handled_by.iter().enumerate() {
            let bad = |why| Err(OfficeError::BadHandlingOffice(o.name.clone(), why));
            if o.name.trim().is_empty() {
                return Err(OfficeError::BadHandlingOffice(
                    o.point.clone(),
                    "缺少机构名称",
                ));
            }
            if !valid_point(&o.point) {
                return bad("网点代码只能含字母和数字（1至12位）");
            }
            if o.point == self.point {
                return bad("不能是本网点自己");
            }
            if self.level.is_some_and(|own| o.level >= own) {
                return bad("办理层级应高于本网点");
            }
            if self.handled_by[..i].iter().any(|p| p.level == o.level) {
                return bad("同一办理层级只能登记一个机构");
            }
        }
        Ok(())
    }

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
        if !valid_point(&o.point) {
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
        o.check_handling_offices()?;
        if let Some(d) = o.notice_days.filter(|d| !(1..=60).contains(d)) {
            return Err(OfficeError::BadNoticeDays(d));
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

    #[test]
    fn handling_offices_are_checked_where_they_are_set() {
        let base = "name = \"丁卯村便民服务站\"\naddress = \"丁卯村1号\"\nphone = \"1\"\ncomplaint_phone = \"12345\"\npoint = \"E01\"\nlevel = \"E\"\n";
        let with = |extra: &str| PointSettings::from_toml(&format!("{base}{extra}"));
        let o = with("[[handled_by]]\nlevel = \"D\"\npoint = \"D01\"\nname = \"丁卯街道便民服务中心\"\n[[handled_by]]\nlevel = \"C\"\npoint = \"3211\"\nname = \"京口区医保中心\"\n").unwrap();
        assert_eq!(o.handling_office(Level::C).unwrap().name, "京口区医保中心");
        assert_eq!(o.office_of_point("D01").unwrap().level, Level::D);
        assert!(o.office_of_point("X9").is_none());
        // Round trip through the file.
        assert_eq!(PointSettings::from_toml(&o.to_toml()).unwrap(), o);
        for (extra, why) in [
            ("[[handled_by]]\nlevel = \"E\"\npoint = \"E02\"\nname = \"x\"\n", "高于"),
            ("[[handled_by]]\nlevel = \"D\"\npoint = \"D-1\"\nname = \"x\"\n", "字母和数字"),
            ("[[handled_by]]\nlevel = \"D\"\npoint = \"D01\"\nname = \" \"\n", "名称"),
            ("[[handled_by]]\nlevel = \"D\"\npoint = \"E01\"\nname = \"x\"\n", "本网点"),
            ("[[handled_by]]\nlevel = \"D\"\npoint = \"D01\"\nname = \"x\"\n[[handled_by]]\nlevel = \"D\"\npoint = \"D02\"\nname = \"y\"\n", "同一办理层级"),
            ("notice_days = 0\n", "补交期限"),
        ] {
            let e = with(extra).unwrap_err().to_string();
            assert!(e.contains(why), "{extra}: {e}");
        }
    }
}
