//! Printing through the operating system: CUPS `lp` on Linux (also UOS and Kylin).

use std::path::Path;
use std::process::Command;

#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("未找到打印系统（CUPS 的 lp 命令），请安装 cups 后重试：{0}")]
    NoPrintSystem(std::io::Error),
    #[error("{0}")]
    Refused(String),
    #[error("文件 {0} 不存在")]
    NoFile(String),
}

fn private_dir(prefix: &str) -> Result<tempfile::TempDir, PrintError> {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .map_err(|e| PrintError::Refused(format!("无法创建临时目录：{e}")))
}

/// Prints a document made in memory: it passes through a private folder only while `lp`
/// hands it to the print system, and is never kept on disk.
pub fn print_pdf(pdf: &[u8], printer: Option<&str>) -> Result<String, PrintError> {
    let tmp = private_dir("counter-print-")?;
    let file = tmp.path().join("document.pdf");
    std::fs::write(&file, pdf).map_err(|e| PrintError::Refused(e.to_string()))?;
    print(&file, printer)
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
        tracing::warn!(error = %err, code = ?out.status.code(), "lp refused the job");
        return Err(PrintError::Refused(explain(&err, printer, &printers())));
    }
    // "request id is PDF-12 (1 file(s))"
    Ok(stdout
        .split_whitespace()
        .skip_while(|w| *w != "is")
        .nth(1)
        .unwrap_or("")
        .to_string())
}

/// The print queues this computer has (`lpstat -e`), for choosing one and for messages.
pub fn printers() -> Vec<String> {
    Command::new("lpstat")
        .arg("-e")
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// What `lp`'s refusal means for the clerk, in Chinese, with the next step. `lp` speaks the
/// OS's language (English on most systems); its text is kept in the log, not shown.
pub fn explain(lp_error: &str, printer: Option<&str>, queues: &[String]) -> String {
    let e = lp_error.to_ascii_lowercase();
    let available = if queues.is_empty() {
        "本机没有可用的打印机，请联系管理员安装".to_string()
    } else {
        format!("本机可用：{}", queues.join("、"))
    };
    let printer = printer.map(str::trim).filter(|p| !p.is_empty());
    if e.contains("no default destination") {
        format!("未设置打印机：请负责人在“设置”中选择打印机（{available}），再到台账中重新打印")
    } else if e.contains("does not exist") || e.contains("unknown destination") {
        format!(
            "打印机“{}”不存在：请负责人在“设置”中重新选择（{available}），再到台账中重新打印",
            printer.unwrap_or("")
        )
    } else if e.contains("scheduler is not running") || e.contains("connection refused") {
        "打印服务（CUPS）未运行：请联系管理员启动打印服务，再到台账中重新打印".to_string()
    } else if e.contains("not accepting jobs") || e.contains("disabled") {
        format!(
            "打印机“{}”已暂停接收打印任务：请检查打印机后到台账中重新打印",
            printer.unwrap_or("默认打印机")
        )
    } else {
        "打印失败：请检查打印机（电源、纸张、连接）后到台账中重新打印".to_string()
    }
}

/// Renders the pages of a PDF as PNG images for an on-screen preview (poppler's `pdftoppm`,
/// present wherever CUPS is).
pub fn preview(pdf: &[u8], dpi: u32) -> Result<Vec<Vec<u8>>, PrintError> {
    // A private folder (mode 0700, random name), deleted with everything in it on return:
    // the document carries the full ID number.
    let tmp = private_dir("counter-preview-")?;
    let dir = tmp.path().to_path_buf();
    let input = dir.join("doc.pdf");
    let result = (|| {
        std::fs::write(&input, pdf).map_err(|e| PrintError::Refused(e.to_string()))?;
        let out = Command::new("pdftoppm")
            .args(["-png", "-r", &dpi.to_string()])
            .arg(&input)
            .arg(dir.join("page"))
            .output()
            .map_err(|e| {
                PrintError::Refused(format!(
                    "无法生成预览（需要 poppler-utils 的 pdftoppm）：{e}"
                ))
            })?;
        if !out.status.success() {
            return Err(PrintError::Refused(
                String::from_utf8_lossy(&out.stderr).into(),
            ));
        }
        let mut pages: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| PrintError::Refused(e.to_string()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "png"))
            .collect();
        // page-1.png … page-10.png: order by the number, not the text.
        pages.sort_by_key(|p| {
            p.file_stem()
                .and_then(|s| s.to_str())
                .and_then(|s| s.rsplit('-').next())
                .and_then(|n| n.parse::<u32>().ok())
                .unwrap_or(0)
        });
        pages
            .iter()
            .map(|p| std::fs::read(p).map_err(|e| PrintError::Refused(e.to_string())))
            .collect()
    })();
    drop(tmp);
    result
}
