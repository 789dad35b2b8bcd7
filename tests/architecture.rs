//! The house rules that a reader of ARCHITECTURE.md relies on, checked on the source itself:
//! counter-core's modules form no circle, the terminal depends on the application layer and
//! the core only, only the core assigns a case's state, and no hand-written file is over 600
//! lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if p.is_dir() {
            if !["node_modules", "target", "dist", "bindings", "gen"].contains(&name.as_str()) {
                files(&p, exts, out);
            }
        } else if exts.iter().any(|x| name.ends_with(x)) {
            out.push(p);
        }
    }
}

/// `case/record.rs` → `case::record`; `case/mod.rs` → `case`; `lib.rs` → ``.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|s| s.to_string_lossy().to_string())
        .collect();
    if parts.last().is_some_and(|l| l == "mod" || l == "lib") {
        parts.pop();
    }
    parts.join("::")
}

/// The source without its test modules: tests may reach anywhere.
fn without_tests(text: &str) -> &str {
    text.find("#[cfg(test)]").map_or(text, |i| &text[..i])
}

/// Every `crate::a::b` and `super::x` path in `text`, as written (including `{…}` lists).
fn paths_in(text: &str) -> Vec<(bool, Vec<String>)> {
    let mut out = Vec::new();
    for (prefix, is_super) in [("crate::", false), ("super::", true)] {
        let mut rest = text;
        while let Some(i) = rest.find(prefix) {
            let after = &rest[i + prefix.len()..];
            let segs: Vec<String> = after
                .split("::")
                .map(|s| {
                    s.chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect::<String>()
                })
                .take_while(|s| !s.is_empty())
                .collect();
            out.push((is_super, segs));
            rest = after;
        }
    }
    out
}

#[test]
fn counter_core_modules_form_no_circle() {
    let src = root().join("crates/counter-core/src");
    let mut all = Vec::new();
    files(&src, &[".rs"], &mut all);
    let sources: Vec<(String, String)> = all
        .iter()
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            !n.contains("tests") && !p.iter().any(|c| c == "tests")
        })
        .map(|p| (module_of(&src, p), std::fs::read_to_string(p).unwrap()))
        .collect();
    let modules: BTreeSet<String> = sources.iter().map(|(m, _)| m.clone()).collect();
    // The longest module that a path names.
    let resolve = |segs: &[String]| -> Option<String> {
        (1..=segs.len())
            .rev()
            .map(|n| segs[..n].join("::"))
            .find(|m| modules.contains(m))
    };
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, text) in &sources {
        for (is_super, segs) in paths_in(without_tests(text)) {
            let full: Vec<String> = if is_super {
                let mut parent: Vec<String> = module.split("::").map(String::from).collect();
                parent.pop();
                parent
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .chain(segs)
                    .collect()
            } else if matches!(segs.first().map(String::as_str), Some("custody" | "rating")) {
                // Re-exported at the crate root from `case`.
                std::iter::once("case".to_string()).chain(segs).collect()
            } else {
                segs
            };
            if let Some(target) = resolve(&full) {
                if &target != module {
                    edges.entry(module.clone()).or_default().insert(target);
                }
            }
        }
    }
    // Depth-first search for a back edge.
    fn visit(
        m: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(m) {
            Some(1) => {
                let from = path.iter().position(|p| p == m).unwrap();
                let mut cycle = path[from..].to_vec();
                cycle.push(m.to_string());
                return Some(cycle);
            }
            Some(2) => return None,
            _ => {}
        }
        state.insert(m.to_string(), 1);
        path.push(m.to_string());
        for next in edges.get(m).into_iter().flatten() {
            if let Some(c) = visit(next, edges, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(m.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for m in &modules {
        if let Some(cycle) = visit(m, &edges, &mut state, &mut Vec::new()) {
            panic!("counter-core modules form a circle: {}", cycle.join(" → "));
        }
    }
    // The check sees the edges it should: the case rules read the catalog.
    assert!(edges["case::rules"].contains("catalog"), "{edges:?}");
}

/// A crate's dependencies (not its dev-dependencies) among this workspace's and on Tauri.
fn ours(krate: &str) -> Vec<String> {
    let toml = std::fs::read_to_string(root().join(krate).join("Cargo.toml")).unwrap();
    let deps = toml
        .split("[dependencies]")
        .nth(1)
        .unwrap()
        .split("\n[")
        .next()
        .unwrap();
    deps.lines()
        .filter_map(|l| l.split(['.', ' ', '=']).next())
        .filter(|n| n.starts_with("counter-") || n.starts_with("tauri"))
        .map(String::from)
        .collect()
}

#[test]
fn the_terminal_depends_on_the_application_layer_and_the_core_only() {
    assert_eq!(ours("crates/counter-cli"), ["counter-core", "counter-desk"]);
}

/// The browser mode is a shell like the window: the application layer only, and no Tauri.
#[test]
fn the_browser_mode_depends_on_the_application_layer_only() {
    assert_eq!(ours("crates/counter-web"), ["counter-desk"]);
}

#[test]
fn only_the_core_assigns_a_case_state() {
    let mut all = Vec::new();
    files(&root().join("crates"), &[".rs"], &mut all);
    files(&root().join("src-tauri/src"), &[".rs"], &mut all);
    let offenders: Vec<String> = all
        .iter()
        .filter(|p| !p.starts_with(root().join("crates/counter-core")))
        .filter(|p| !p.iter().any(|c| c == "tests"))
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            without_tests(&text).contains(".state = CaseState::")
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(offenders.is_empty(), "{offenders:?}");
}

#[test]
fn no_hand_written_file_is_over_600_lines() {
    let mut all = Vec::new();
    for dir in [
        "crates",
        "src-tauri/src",
        "src-tauri/tests",
        "ui/src",
        "tests",
        "scripts",
    ] {
        files(&root().join(dir), &[".rs", ".vue", ".ts", ".sh"], &mut all);
    }
    assert!(all.len() > 50, "the walk found the sources ({})", all.len());
    let long: Vec<String> = all
        .iter()
        .filter_map(|p| {
            let n = std::fs::read_to_string(p).ok()?.lines().count();
            (n > 600).then(|| format!("{} ({n})", p.display()))
        })
        .collect();
    assert!(long.is_empty(), "over 600 lines: {long:?}");
}

/// Every crate's dependencies within the workspace (and on Tauri), as ARCHITECTURE.md's table
/// allows them: a new arrow is a change of that table first.
#[test]
fn every_crate_depends_only_on_what_the_layers_allow() {
    let allowed: &[(&str, &[&str])] = &[
        ("crates/counter-core", &[]),
        ("crates/counter-devices", &[]),
        ("crates/counter-store", &["counter-core"]),
        ("crates/counter-docs", &["counter-core"]),
        ("crates/counter-sync", &["counter-core", "counter-store"]),
        ("crates/counter-server", &["counter-core", "counter-docs"]),
        (
            "crates/counter-desk",
            &[
                "counter-core",
                "counter-store",
                "counter-docs",
                "counter-sync",
                "counter-devices",
            ],
        ),
        ("crates/counter-web", &["counter-desk"]),
        ("crates/counter-cli", &["counter-core", "counter-desk"]),
        (
            "crates/counter-testkit",
            &[
                "counter-core",
                "counter-store",
                "counter-server",
                "counter-sync",
            ],
        ),
        ("src-tauri", &["counter-core", "counter-desk", "tauri"]),
    ];
    let mut crates = Vec::new();
    for e in std::fs::read_dir(root().join("crates")).unwrap() {
        crates.push(format!(
            "crates/{}",
            e.unwrap().file_name().to_string_lossy()
        ));
    }
    crates.push("src-tauri".into());
    for krate in &crates {
        let Some((_, allow)) = allowed.iter().find(|(k, _)| k == krate) else {
            panic!("{krate} is not in the layer table: add it here and to ARCHITECTURE.md");
        };
        let mut deps = ours(krate);
        deps.sort();
        let mut want: Vec<String> = allow.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(deps, want, "{krate}'s dependencies");
    }
}

/// The test kit and the stores' test hooks (bulk loading without fsync, a capped file, a
/// tampered snapshot) never reach a shipped binary: only dev-dependencies name them.
#[test]
fn test_hooks_are_reachable_from_tests_only() {
    let mut manifests = vec![
        root().join("Cargo.toml"),
        root().join("src-tauri/Cargo.toml"),
    ];
    for e in std::fs::read_dir(root().join("crates")).unwrap() {
        manifests.push(e.unwrap().path().join("Cargo.toml"));
    }
    let mut checked = 0;
    for m in &manifests {
        if m.ends_with("counter-testkit/Cargo.toml") {
            continue;
        }
        let toml = std::fs::read_to_string(m).unwrap();
        let Some(deps) = toml.split("\n[dependencies]").nth(1) else {
            continue;
        };
        let deps = deps.split("\n[").next().unwrap();
        checked += 1;
        assert!(
            !deps.contains("counter-testkit") && !deps.contains("test-hooks"),
            "{} ships a test hook: {deps}",
            m.display()
        );
    }
    assert!(checked >= 10, "the check read the manifests ({checked})");
}

/// The top level: the app's parts and the cross-crate tests; the code in crates/.
#[test]
fn the_top_level_holds_the_parts_only() {
    let mut top: Vec<String> = std::fs::read_dir(root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| !n.starts_with('.') && n != "target" && n != "Cargo.lock")
        .filter(|n| !n.ends_with(".md"))
        .collect();
    top.sort();
    assert_eq!(
        top,
        [
            "Cargo.toml",
            "assets",
            "catalogs",
            "crates",
            "docs",
            "scripts",
            "src-tauri",
            "tests",
            "ui"
        ]
    );
}

/// Inside the server, no two modules use each other (the HTTP layer uses the accept loop, not
/// the other way round): `crate::a` in b and `crate::b` in a is a circle.
#[test]
fn the_servers_modules_use_each_other_one_way_only() {
    let src = root().join("crates/counter-server/src");
    let mut all = Vec::new();
    files(&src, &[".rs"], &mut all);
    let uses: BTreeMap<String, BTreeSet<String>> = all
        .iter()
        .filter(|p| !p.iter().any(|c| c == "tests"))
        .map(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            let named = without_tests(&text)
                .split("crate::")
                .skip(1)
                .map(|rest| {
                    rest.chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect()
                })
                .collect();
            (module_of(&src, p), named)
        })
        .collect();
    for (a, named) in &uses {
        for b in named {
            let back = uses
                .get(b)
                .is_some_and(|n| n.contains(a.split("::").next().unwrap()));
            assert!(!(back && a != b), "{a} and {b} use each other");
        }
    }
    assert!(
        uses["http"].contains("listen"),
        "the check sees http → listen"
    );
}
