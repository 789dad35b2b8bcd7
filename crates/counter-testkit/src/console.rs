//! The central console as a browser signs in to it: a session cookie sent back on every
//! request, for the suites that drive the console's API.

use counter_server::{Central, StaffRole};
use reqwest::blocking::{Client, Response};
use serde_json::{json, Value};

use crate::central::https_client;

pub const PASSWORD: &str = "correct horse 42";

/// A signed-in browser: the session cookie, sent back on every request.
pub struct Console {
    pub http: Client,
    pub base: String,
    pub cookie: String,
}

impl Console {
    pub fn login(base: &str, name: &str, password: &str) -> Result<Console, Box<Response>> {
        let http = https_client();
        let r = http
            .post(format!("{base}/console/api/login"))
            .json(&json!({"name": name, "password": password}))
            .send()
            .unwrap();
        if r.status() != 200 {
            return Err(Box::new(r));
        }
        let set = r.headers()["set-cookie"].to_str().unwrap().to_string();
        for attr in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/console"] {
            assert!(set.contains(attr), "{set}");
        }
        let cookie = set.split(';').next().unwrap().to_string();
        Ok(Console {
            http,
            base: base.into(),
            cookie,
        })
    }

    pub fn get(&self, path: &str) -> Response {
        self.http
            .get(format!("{}/console/api/{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .unwrap()
    }

    pub fn post(&self, path: &str, body: Value) -> Response {
        self.http
            .post(format!("{}/console/api/{path}", self.base))
            .header("cookie", &self.cookie)
            .json(&body)
            .send()
            .unwrap()
    }
}

pub fn json_of(r: Response) -> Value {
    let status = r.status();
    let body: Value = r.json().unwrap();
    assert!(status.is_success(), "{status} {body}");
    body
}

pub fn staff(c: &Central, name: &str, role: StaffRole, points: Option<Vec<String>>) {
    c.staff_add(name, role, points, PASSWORD).unwrap();
}

pub fn json_of_err(r: Response) -> String {
    let body: Value = r.json().unwrap();
    body["message"].as_str().unwrap_or_default().to_string()
}
