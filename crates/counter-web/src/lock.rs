//! One instance per store: a second `counter-web` (or a second start by a double click) on the
//! same data would interleave two workstations' numbers and sessions.

use std::fs::File;
use std::path::{Path, PathBuf};

/// Held while the process runs; released when dropped or when the process ends.
pub struct StoreLock {
    _file: File,
    pub path: PathBuf,
}

/// Takes the lock file beside the store (`counter.db.lock`), or says who holds it.
pub fn lock_store(db: &Path) -> Result<StoreLock, String> {
    let path = PathBuf::from(format!("{}.lock", db.display()));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("无法创建 {}：{e}", dir.display()))?;
    }
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("无法打开 {}：{e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(StoreLock { _file: file, path }),
        Err(std::fs::TryLockError::WouldBlock) => Err(format!(
            "Counter 已经在本机运行（{} 正被另一个 Counter 使用）：请切换到已打开的浏览器窗口",
            db.display()
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(format!("无法锁定 {}：{e}", path.display())),
    }
}
