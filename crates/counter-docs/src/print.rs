//! Printing through the operating system: CUPS `lp` on Linux (also UOS and Kylin).

use std::path::Path;
use std::process::Command;

#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("未找到打印系统（CUPS 的 lp 命令），请安装 cups 后重试：{0}")]
    NoPrintSystem(std::io::Error),
    #[error("打印失败：{0}")]
    Refused(String),
    #[error("文件 {0} 不存在")]
    NoFile(String),
}

/// Sends a PDF to `printer` (or the default printer); returns the job id CUPS reports.
pub fn print(pdf: &Path, printer: Option<&str>) -> Result<String, PrintError> {
    if !pdf.is_file() {
        return Err(PrintError::NoFile(pdf.display().to_string()));
    }
    let mut cmd = Command::new("lp");
    if let Some(p) = printer.filter(|p| !p.trim().is_empty()) {
        cmd.args(["-d", p.trim()]);
    }
    let out = cmd
        .arg("--")
        .arg(pdf)
        .output()
        .map_err(PrintError::NoPrintSystem)?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        return Err(PrintError::Refused(if err.is_empty() {
            format!("lp 退出码 {:?}", out.status.code())
        } else {
            err
        }));
    }
    // "request id is PDF-12 (1 file(s))"
    Ok(stdout
        .split_whitespace()
        .skip_while(|w| *w != "is")
        .nth(1)
        .unwrap_or("")
        .to_string())
}
