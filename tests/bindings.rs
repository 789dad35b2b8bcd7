//! The TypeScript types the UI uses are generated from the Rust types. This test regenerates
//! them and fails when `ui/src/bindings/` differs, so a drift between the two fails CI.
//! `UPDATE_BINDINGS=1 cargo test -p counter-tests --test bindings` rewrites the folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use counter_core::case::{CaseView, IdType};
use counter_core::search::SearchHit;
use counter_core::settings::PointSettings;
use counter_core::view::{CatalogSummary, EntryView};
use counter_core::Due;
use counter_desk::{
    ApiError, CaseDetail, DeskStatus, IdCheckResult, LedgerFilter, OpenRequest, Opened, Preview,
    ReceiptNote, SheetDetail,
};
use counter_store::{Clerk, LedgerRow, StoredEvent, SyncState};
use ts_rs::{Config, TS};

fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "ts"))
                .map(|e| {
                    let text = std::fs::read_to_string(e.path()).unwrap();
                    (e.file_name().to_string_lossy().into_owned(), text)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn ui_bindings_match_the_rust_types() {
    let out = std::env::temp_dir().join(format!("counter-bindings-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let cfg = Config::new().with_out_dir(&out);
    EntryView::export_all(&cfg).unwrap();
    SearchHit::export_all(&cfg).unwrap();
    CatalogSummary::export_all(&cfg).unwrap();
    ApiError::export_all(&cfg).unwrap();
    Due::export_all(&cfg).unwrap();
    CaseView::export_all(&cfg).unwrap();
    IdType::export_all(&cfg).unwrap();
    PointSettings::export_all(&cfg).unwrap();
    LedgerRow::export_all(&cfg).unwrap();
    StoredEvent::export_all(&cfg).unwrap();
    Clerk::export_all(&cfg).unwrap();
    DeskStatus::export_all(&cfg).unwrap();
    Opened::export_all(&cfg).unwrap();
    IdCheckResult::export_all(&cfg).unwrap();
    Preview::export_all(&cfg).unwrap();
    LedgerFilter::export_all(&cfg).unwrap();
    CaseDetail::export_all(&cfg).unwrap();
    OpenRequest::export_all(&cfg).unwrap();
    SyncState::export_all(&cfg).unwrap();
    SheetDetail::export_all(&cfg).unwrap();
    ReceiptNote::export_all(&cfg).unwrap();
    counter_core::rating::RatingLevel::export_all(&cfg).unwrap();
    counter_desk::AuditEntry::export_all(&cfg).unwrap();
    counter_desk::CardRead::export_all(&cfg).unwrap();
    counter_desk::ReaderLook::export_all(&cfg).unwrap();
    counter_core::case::ScreenView::export_all(&cfg).unwrap();
    counter_core::figures::Figures::export_all(&cfg).unwrap();
    counter_desk::Alert::export_all(&cfg).unwrap();
    counter_desk::Account::export_all(&cfg).unwrap();
    counter_core::case::Guide::export_all(&cfg).unwrap();
    let generated = read_dir(&out);
    let committed_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ui/src/bindings");
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        let _ = std::fs::remove_dir_all(&committed_dir);
        std::fs::create_dir_all(&committed_dir).unwrap();
        for (name, text) in &generated {
            std::fs::write(committed_dir.join(name), text).unwrap();
        }
    }
    let committed = read_dir(&committed_dir);
    let _ = std::fs::remove_dir_all(&out);
    assert!(generated.len() >= 5, "generated {:?}", generated.keys());
    assert_eq!(
        committed, generated,
        "ui/src/bindings is out of date: run UPDATE_BINDINGS=1 cargo test -p counter-tests --test bindings"
    );
}

/// The UI's client of the workstation's commands is generated from the one command list
/// (`counter_desk::for_each_command!`), as the Tauri commands and the browser mode's routes
/// are: a verb is declared once.
#[test]
fn the_ui_client_matches_the_command_list() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ui/src/commands.ts");
    let generated = counter_desk::commands::typescript_client();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        generated.contains("openCase: (request: OpenRequest)"),
        "{generated}"
    );
    assert_eq!(
        committed, generated,
        "ui/src/commands.ts is out of date: run UPDATE_BINDINGS=1 cargo test -p counter-tests --test bindings"
    );
    // Every command of the list is in the client, once.
    for c in counter_desk::COMMANDS {
        assert_eq!(
            generated.matches(&format!("(\"{}\", ", c.name)).count(),
            1,
            "{}",
            c.name
        );
    }
}
