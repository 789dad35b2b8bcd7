//! What the central console's administrators (and auditors) do besides deciding cases: the
//! audit log, the devices and their enrolment passes, the 重复办件 flags, and the catalog
//! editions — a TOML checked and compared with the current edition before it is published,
//! signed, to every counter. Each action is recorded in the audit log.

use counter_core::diff::CatalogDiff;
use serde::Serialize;

use crate::audit;
use crate::console::require;
use crate::staff::{StaffMember, StaffRole};
use crate::{Central, ServerFailure};

/// A catalog edition the server judges cases by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EditionRow {
    pub id: String,
    pub title: String,
    pub edition: String,
    pub revision: String,
    /// The version published here; `None` for an edition built into the server.
    pub version: Option<i64>,
}

/// What an uploaded catalog is: its errors, or its edition and what it changes against the
/// current edition of the same list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CatalogCheck {
    pub errors: Vec<String>,
    pub id: Option<String>,
    pub title: Option<String>,
    pub edition: Option<String>,
    pub items: usize,
    /// The edition it was compared with, if the server has one of this list.
    pub base: Option<String>,
    pub diff: Option<CatalogDiff>,
}

/// A flag for the central office: the same applicant and item open at two points, a number
/// used twice, a copied PC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlagRow {
    pub id: i64,
    pub case_no: String,
    pub other: String,
    pub reviewed: bool,
}

/// Whether `who` sees this flag: administrators every one; a reviewer those whose cases are
/// all of points they cover (a device's flag is the administrator's).
fn sees(who: &StaffMember, f: &FlagRow) -> bool {
    if who.role == StaffRole::Admin {
        return true;
    }
    let covered = |no: &str| no.split_once('-').is_some_and(|(p, _)| who.covers(p));
    // The other side is a case number when it reads as one (no words, no spaces).
    let other_is_case = f
        .other
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-');
    covered(&f.case_no) && (!other_is_case || covered(&f.other))
}

impl Central {
    /// The audit log, for auditors and administrators.
    pub fn console_audit(
        &self,
        who: &StaffMember,
        limit: u32,
    ) -> Result<Vec<crate::audit::AuditEntry>, ServerFailure> {
        require(who, &[StaffRole::Auditor, StaffRole::Admin], "查看审计日志")?;
        self.audit_log(limit)
    }

    pub fn console_devices(
        &self,
        who: &StaffMember,
    ) -> Result<Vec<crate::enrol::DeviceRow>, ServerFailure> {
        require(who, &[StaffRole::Admin], "管理设备")?;
        self.devices()
    }

    /// Stops a device (a lost PC), as `counter-server revoke`; audited in the same transaction.
    pub fn console_revoke(&self, who: &StaffMember, device: &str) -> Result<(), ServerFailure> {
        require(who, &[StaffRole::Admin], "停用设备")?;
        self.revoke_by(device, &who.name)
    }

    /// A one-time enrolment pass, as `counter-server enroll-code`; audited in the same
    /// transaction.
    pub fn console_enroll_code(
        &self,
        who: &StaffMember,
        point: &str,
        level: Option<&str>,
        name: Option<&str>,
    ) -> Result<String, ServerFailure> {
        require(who, &[StaffRole::Admin], "发放注册码")?;
        self.enroll_code_by(point, level, name, &who.name)
    }

    /// The editions cases are judged by: built in, and published here (newest last).
    pub fn console_editions(&self, who: &StaffMember) -> Result<Vec<EditionRow>, ServerFailure> {
        require(who, &[StaffRole::Admin, StaffRole::Auditor], "查看清单版本")?;
        let mut rows: Vec<EditionRow> = counter_core::bundled::catalogs()
            .map_err(|_| ServerFailure::Storage("内置清单无法读取".into()))?
            .catalogs
            .iter()
            .map(|c| EditionRow {
                id: c.header.id.clone(),
                title: c.header.title.clone(),
                edition: c.header.edition.clone(),
                revision: c.revision.clone(),
                version: None,
            })
            .collect();
        let published = self.tx(|t| {
            t.rows(
                "SELECT version, text FROM snapshots WHERE kind = 'catalog' ORDER BY id, version",
                &[],
            )
        })?;
        for r in published {
            if let Ok(c) = counter_core::Catalog::from_toml(
                "published.toml",
                &r.get("text").text().unwrap_or_default(),
            ) {
                rows.push(EditionRow {
                    id: c.header.id.clone(),
                    title: c.header.title.clone(),
                    edition: c.header.edition.clone(),
                    revision: c.revision.clone(),
                    version: Some(r.get("version").int()?),
                });
            }
        }
        Ok(rows)
    }

    /// Checks an uploaded catalog and compares it with the current edition of its list (the
    /// last published here, else the built-in one). Nothing is stored.
    pub fn console_check_catalog(
        &self,
        who: &StaffMember,
        text: &str,
    ) -> Result<CatalogCheck, ServerFailure> {
        require(who, &[StaffRole::Admin], "发布清单")?;
        let catalog = match counter_core::Catalog::from_toml("uploaded.toml", text) {
            Ok(c) => c,
            Err(errors) => {
                return Ok(CatalogCheck {
                    errors: errors.iter().map(|e| e.to_string()).collect(),
                    id: None,
                    title: None,
                    edition: None,
                    items: 0,
                    base: None,
                    diff: None,
                })
            }
        };
        let id = catalog.header.id.clone();
        let published = self.tx(|t| {
            Ok(t.row(
                "SELECT text FROM snapshots WHERE kind = 'catalog' AND id = ?1
                 ORDER BY version DESC LIMIT 1",
                &[id.as_str().into()],
            )?
            .and_then(|r| r.get("text").text()))
        })?;
        let base = match published {
            Some(text) => counter_core::Catalog::from_toml("published.toml", &text).ok(),
            None => counter_core::bundled::catalogs()
                .ok()
                .and_then(|set| set.catalogs.into_iter().rev().find(|c| c.header.id == id)),
        };
        Ok(CatalogCheck {
            errors: Vec::new(),
            id: Some(id),
            title: Some(catalog.header.title.clone()),
            edition: Some(catalog.header.edition.clone()),
            items: catalog.items.len(),
            base: base.as_ref().map(|b| b.header.edition.clone()),
            diff: base.as_ref().map(|b| counter_core::diff::diff(&catalog, b)),
        })
    }

    /// Publishes a catalog edition, signed, as `counter-server publish-catalog`; audited in the
    /// same transaction.
    pub fn console_publish_catalog(
        &self,
        who: &StaffMember,
        text: &str,
    ) -> Result<(String, i64), ServerFailure> {
        require(who, &[StaffRole::Admin], "发布清单")?;
        self.publish_by("catalog", text, &who.name)
    }

    /// The flags not yet looked at, then the rest: every one for administrators, those of
    /// their points for reviewers.
    pub fn console_flags(&self, who: &StaffMember) -> Result<Vec<FlagRow>, ServerFailure> {
        require(
            who,
            &[StaffRole::Admin, StaffRole::Reviewer],
            "查看重复办件",
        )?;
        let all: Vec<FlagRow> = self.tx(|t| {
            t.rows(
                "SELECT id, case_no, other, reviewed FROM flags ORDER BY reviewed, id DESC LIMIT 2000",
                &[],
            )?
            .iter()
            .map(|r| {
                Ok(FlagRow {
                    id: r.get("id").int()?,
                    case_no: r.get("case_no").text().unwrap_or_default(),
                    other: r.get("other").text().unwrap_or_default(),
                    reviewed: r.get("reviewed").int()? != 0,
                })
            })
            .collect::<Result<_, ServerFailure>>()
        })?;
        Ok(all.into_iter().filter(|f| sees(who, f)).take(500).collect())
    }

    /// Marks a flag the member of staff sees as looked at; audited.
    pub fn console_flag_reviewed(&self, who: &StaffMember, id: i64) -> Result<(), ServerFailure> {
        require(
            who,
            &[StaffRole::Admin, StaffRole::Reviewer],
            "处理重复办件",
        )?;
        self.tx(|t| {
            let unknown = || ServerFailure::Missing(format!("没有编号为 {id} 的提示"));
            let r = t
                .row(
                    "SELECT case_no, other FROM flags WHERE id = ?1",
                    &[id.into()],
                )?
                .ok_or_else(unknown)?;
            let flag = FlagRow {
                id,
                case_no: r.get("case_no").text().unwrap_or_default(),
                other: r.get("other").text().unwrap_or_default(),
                reviewed: false,
            };
            // Another point's flag is not this reviewer's to see, so not to close either.
            if !sees(who, &flag) {
                return Err(unknown());
            }
            t.exec("UPDATE flags SET reviewed = 1 WHERE id = ?1", &[id.into()])?;
            audit::record(t, &who.name, "flag_reviewed", Some(&id.to_string()), None)
        })
    }

    /// Publishes the holiday calendar, signed, as `counter-server publish-calendar`; audited in
    /// the same transaction.
    pub fn console_publish_calendar(
        &self,
        who: &StaffMember,
        text: &str,
    ) -> Result<i64, ServerFailure> {
        require(who, &[StaffRole::Admin], "发布节假日日历")?;
        Ok(self.publish_by("calendar", text, &who.name)?.1)
    }

    /// Imports a point's outbox export (`counter sync export`), as `counter-server import`.
    /// The import is a push of its own (its device's lock, its clone check): recorded in the
    /// audit log after it, whatever its outcome.
    pub fn console_import(
        &self,
        who: &StaffMember,
        text: &str,
    ) -> Result<counter_core::proto::PushResponse, ServerFailure> {
        require(who, &[StaffRole::Admin], "导入离线数据")?;
        let r = self.import(text);
        let what = match &r {
            Ok(r) => format!("至序号 {}，拒收 {} 条", r.acked_through, r.rejected.len()),
            Err(e) => format!("未导入：{e}"),
        };
        self.tx(|t| audit::record(t, &who.name, "import", None, Some(&what)))?;
        r
    }

    pub fn console_staff(&self, who: &StaffMember) -> Result<Vec<StaffMember>, ServerFailure> {
        require(who, &[StaffRole::Admin], "管理职员")?;
        self.staff_list()
    }

    pub fn console_staff_add(
        &self,
        who: &StaffMember,
        name: &str,
        role: StaffRole,
        points: Option<Vec<String>>,
        password: &str,
    ) -> Result<(), ServerFailure> {
        require(who, &[StaffRole::Admin], "管理职员")?;
        self.staff_add_by(name, role, points, password, &who.name)
    }

    /// Stops an account (never one's own: the last administrator cannot lock everyone out).
    pub fn console_staff_disable(
        &self,
        who: &StaffMember,
        name: &str,
    ) -> Result<(), ServerFailure> {
        require(who, &[StaffRole::Admin], "管理职员")?;
        if name == who.name {
            return Err(ServerFailure::Input("不能停用自己的账号".into()));
        }
        self.staff_disable_by(name, &who.name)
    }

    pub fn console_staff_reset(
        &self,
        who: &StaffMember,
        name: &str,
        password: &str,
    ) -> Result<(), ServerFailure> {
        require(who, &[StaffRole::Admin], "管理职员")?;
        self.staff_reset_by(name, password, &who.name)
    }
}
