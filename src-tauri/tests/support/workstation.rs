//! The workstation folders the end-to-end tests start the app on: office settings, clerk
//! accounts, the offices registered above a point; and signing in to it.

use super::{find, Keys, ENTER, TAB};
use fantoccini::Client;

/// A workstation folder: office settings printing to CounterPDF, and (unless `fresh`) a clerk
/// account 王芳 / pass123 already made, as a supervisor would have.
pub fn workstation(fresh: bool) -> tempfile::TempDir {
    workstation_as(fresh, "镇江市京口区医疗保障服务中心", "3211", "C")
}

/// A workstation of point `point` at `level`, set in its settings (never enrolled).
pub fn workstation_as(fresh: bool, name: &str, point: &str, level: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("office.toml"),
        format!("name = \"{name}\"\naddress = \"学府路88号政务服务中心二楼\"\nphone = \"0511-84401234\"\ncomplaint_phone = \"12345\"\npoint = \"{point}\"\nlevel = \"{level}\"\nprinter = \"CounterPDF\"\n"),
    )
    .unwrap();
    if !fresh {
        add_clerk(dir.path(), "王芳", "pass123");
    }
    dir
}

/// Registers an office above the workstation's point (设置 → 上级经办机构).
pub fn register_above(dir: &std::path::Path, level: &str, point: &str, name: &str) {
    let path = dir.join("office.toml");
    let mut office = std::fs::read_to_string(&path).unwrap();
    office.push_str(&format!(
        "\n[[handled_by]]\nlevel = \"{level}\"\npoint = \"{point}\"\nname = \"{name}\"\n"
    ));
    std::fs::write(path, office).unwrap();
}

/// A clerk account in the workstation's store, as the supervisor would add under 设置.
pub fn add_clerk(dir: &std::path::Path, name: &str, password: &str) {
    add_account(dir, name, password, counter_store::Role::Clerk);
}

/// The supervisor 李主任 / secret1, as the first start makes one.
pub fn add_supervisor(dir: &std::path::Path) {
    add_account(dir, "李主任", "secret1", counter_store::Role::Supervisor);
}

fn add_account(dir: &std::path::Path, name: &str, password: &str, role: counter_store::Role) {
    let mut s =
        counter_store::Store::open(&dir.join("counter.db"), &dir.join("store.key")).unwrap();
    s.add_clerk(name, password, role, counter_testkit::at(8, 0))
        .unwrap();
}

/// Signs in as 王芳 / pass123 (the clerk of `workstation(false)`).
pub async fn sign_in(client: &Client, keys: &mut Keys<'_>) {
    sign_in_as(client, keys, "王芳", "pass123").await;
}

/// Signs in as `name` (the supervisor 李主任 / secret1 of `add_supervisor`, say).
pub async fn sign_in_as(client: &Client, keys: &mut Keys<'_>, name: &str, password: &str) {
    let field = find(client, "#signin-name").await;
    keys.type_into(&field, name).await;
    keys.press(TAB).await;
    keys.press(password).await;
    keys.press(ENTER).await;
    find(client, "#search").await;
}
