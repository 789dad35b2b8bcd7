//! One instance per store: a second `counter-web` (or a second start by a double click) on the
//! same data would interleave two workstations' numbers and sessions. The running instance
//! keeps its address in the lock file (mode 0600: it carries the session token), so that a
//! second start from the menu opens the running one instead of failing where nobody looks.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Held while the process runs; released when dropped or when the process ends.
pub struct StoreLock {
    file: File,
    pub path: PathBuf,
}

/// Why the store could not be locked.
#[derive(Debug)]
pub enum LockError {
    /// Another instance runs on this store; the address it serves, when it said.
    Running {
        message: String,
        url: Option<String>,
    },
    Io(String),
}

impl LockError {
    pub fn message(&self) -> &str {
        match self {
            LockError::Running { message, .. } | LockError::Io(message) => message,
        }
    }
}

impl StoreLock {
    /// Records the address this instance serves, for a second start to open.
    pub fn announce(&mut self, url: &str) -> std::io::Result<()> {
        self.file.set_len(0)?;
        (&self.file).write_all(url.as_bytes())?;
        self.file.sync_data()
    }
}

/// Takes the lock file beside the store (`counter.db.lock`), or says who holds it.
pub fn lock_store(db: &Path) -> Result<StoreLock, LockError> {
    let path = PathBuf::from(format!("{}.lock", db.display()));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| LockError::Io(format!("无法创建 {}：{e}", dir.display())))?;
    }
    let mut options = File::options();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(&path)
        .map_err(|e| LockError::Io(format!("无法打开 {}：{e}", path.display())))?;
    match file.try_lock() {
        Ok(()) => {
            // A lock file an earlier version made with the default mode.
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = file.set_permissions(std::fs::Permissions::from_mode(0o600));
            }
            Ok(StoreLock { file, path })
        }
        Err(std::fs::TryLockError::WouldBlock) => Err(LockError::Running {
            message: format!(
                "Counter 已经在本机运行（{} 正被另一个 Counter 使用）：请切换到已打开的浏览器窗口",
                db.display()
            ),
            url: std::fs::read_to_string(&path)
                .ok()
                .filter(|u| u.starts_with("http://127.0.0.1:") || u.starts_with("http://[::1]:")),
        }),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(LockError::Io(format!("无法锁定 {}：{e}", path.display())))
        }
    }
}
