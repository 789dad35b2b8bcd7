//! The processes a test or the bench started, read from /proc: which ones (the app and the
//! WebKit processes it started), their memory (PSS) and when they started.

/// `pid` and every process below it, parents first.
pub fn tree(pid: u32) -> Vec<u32> {
    let mut all = vec![pid];
    let mut i = 0;
    while i < all.len() {
        // Each thread lists the children it started (chromedriver starts Chromium from one
        // that is not its main thread).
        let tasks = std::fs::read_dir(format!("/proc/{}/task", all[i]))
            .map(|d| d.flatten().map(|e| e.path()).collect::<Vec<_>>())
            .unwrap_or_default();
        for task in tasks {
            let children = std::fs::read_to_string(task.join("children")).unwrap_or_default();
            all.extend(
                children
                    .split_whitespace()
                    .filter_map(|c| c.parse::<u32>().ok()),
            );
        }
        i += 1;
    }
    all
}

/// The first process below `pid` (itself included) whose name is `name`.
pub fn find_below(pid: u32, name: &str) -> Option<u32> {
    tree(pid).into_iter().find(|p| comm(*p) == name)
}

/// The process's name (`/proc/PID/comm`, at most 15 bytes).
pub fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// Whether the process's command line holds `arg`. As a piece of the whole line, not one of its
/// NUL-separated words: Chromium rewrites its children's lines as one space-separated string.
pub fn has_arg(pid: u32, arg: &str) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .unwrap_or_default()
        .windows(arg.len())
        .any(|w| w == arg.as_bytes())
}

/// The proportional set size of one process in kB (0 once it is gone).
pub fn pss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("Pss:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// PSS in kB of `pid` and everything below it, by process name (WebKitWebProcess, …).
pub fn tree_pss_by_name(pid: u32) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = Vec::new();
    for p in tree(pid) {
        let (name, kb) = (comm(p), pss_kb(p));
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some(e) => e.1 += kb,
            None => out.push((name, kb)),
        }
    }
    out
}

/// When the process started, in milliseconds since the epoch (to the kernel's 10 ms tick):
/// its start in ticks since boot, against the uptime read now.
pub fn started_ms(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs_f64();
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    // The name in parentheses may hold spaces: fields are counted after its closing one.
    let rest = &stat[stat.rfind(')')? + 2..];
    let ticks: f64 = rest.split_whitespace().nth(19)?.parse().ok()?;
    let hz = 100.0; // USER_HZ: 100 on every Linux this runs on.
    Some((now - uptime + ticks / hz) * 1000.0)
}
