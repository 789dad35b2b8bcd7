//! The `counter` terminal as another tool runs it: its own store in a folder, the test day's
//! clock, and none of the caller's environment that would change what it reads.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// A runner of the `counter` binary (`env!("CARGO_BIN_EXE_counter")` in counter-cli's tests).
#[derive(Clone)]
pub struct Cli {
    bin: PathBuf,
    envs: Vec<(String, String)>,
}

impl Cli {
    /// The store `point.db` (key `point.key`) in `dir`, at [`crate::NOW`].
    pub fn new(bin: &str, dir: &Path) -> Cli {
        Cli {
            bin: bin.into(),
            envs: Vec::new(),
        }
        .env("COUNTER_DB", dir.join("point.db").to_str().unwrap())
        .env("COUNTER_KEY_FILE", dir.join("point.key").to_str().unwrap())
        .env("COUNTER_NOW", crate::NOW)
    }

    /// The same runner with `key` set to `value`.
    pub fn env(mut self, key: &str, value: &str) -> Cli {
        self.envs.retain(|(k, _)| k != key);
        self.envs.push((key.into(), value.into()));
        self
    }

    /// The same runner at another moment (`COUNTER_NOW`).
    pub fn at(&self, now: &str) -> Cli {
        self.clone().env("COUNTER_NOW", now)
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let mut c = Command::new(&self.bin);
        c.args(args);
        // What the caller's shell may have set must not reach the test.
        for k in [
            "COUNTER_DB",
            "COUNTER_CATALOGS",
            "COUNTER_CALENDAR",
            "COUNTER_CLERK",
            "COUNTER_POINT",
        ] {
            c.env_remove(k);
        }
        c.envs(self.envs.iter().map(|(k, v)| (k, v)));
        c.output().expect("run counter")
    }

    /// Runs `args`, which must succeed; its standard output as JSON (`Null` when it is not).
    pub fn ok(&self, args: &[&str]) -> Value {
        let o = self.run(args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        serde_json::from_slice(&o.stdout).unwrap_or(Value::Null)
    }

    /// Runs `args`, which must fail; its standard error.
    pub fn fails(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(!o.status.success(), "{args:?} should fail: {}", stdout(&o));
        stderr(&o)
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
