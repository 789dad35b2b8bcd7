//! 设置 → 账号: the supervisor's list of accounts, stopping and restoring one, resetting a
//! password. Each is in the audit log; a supervisor cannot stop their own account.

use counter_store::Account;

use crate::{err, store_err, ApiError, ApiErrorCode, Workstation};

impl Workstation {
    /// Every account of this workstation, with its state (the supervisor only).
    pub fn accounts(&self) -> Result<Vec<Account>, ApiError> {
        self.supervisor()?;
        self.store.accounts(self.now()).map_err(store_err)
    }

    /// 停用 / 启用.
    pub fn set_account_disabled(
        &mut self,
        name: &str,
        disabled: bool,
    ) -> Result<Vec<Account>, ApiError> {
        let who = self.supervisor()?.name.clone();
        if disabled && who == name.trim() {
            return Err(err(
                ApiErrorCode::InvalidInput,
                "不能停用自己正在使用的账号",
            ));
        }
        self.store
            .set_disabled(name, disabled, self.now())
            .map_err(store_err)?;
        let action = if disabled {
            "停用账号"
        } else {
            "启用账号"
        };
        self.audit(&who, action, Some(name.trim()));
        self.accounts()
    }

    /// 重置密码: a new password set by the supervisor; a lock after wrong tries ends.
    pub fn reset_password(&mut self, name: &str, password: &str) -> Result<Vec<Account>, ApiError> {
        let who = self.supervisor()?.name.clone();
        self.store
            .reset_password(name, password)
            .map_err(store_err)?;
        self.audit(&who, "重置密码", Some(name.trim()));
        self.accounts()
    }
}
