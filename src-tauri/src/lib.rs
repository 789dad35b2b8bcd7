//! The desktop shell. Each command takes state, calls a crate and maps the error; logic
//! belongs in `counter-core`, where the CLI and tests reach it too.

use counter_core::search::SearchHit;
use counter_core::view::{ApiError, ApiErrorCode, CatalogSummary, EntryView};
use counter_core::{bundled, CatalogSet, SearchIndex};

/// Catalogs loaded once at start, with their search index.
pub struct Catalogs {
    set: CatalogSet,
    index: SearchIndex,
}

impl Catalogs {
    /// The built-in catalogs (validated by the test suite).
    pub fn bundled() -> Result<Self, ApiError> {
        let set = bundled::catalogs().map_err(|errors| ApiError {
            code: ApiErrorCode::Catalog,
            message: format!(
                "内置清单无法加载，请联系管理员：{}",
                errors.first().map(|e| e.to_string()).unwrap_or_default()
            ),
        })?;
        let index = SearchIndex::new(&set);
        Ok(Catalogs { set, index })
    }
}

#[tauri::command]
fn list_catalogs(state: tauri::State<'_, Catalogs>) -> Vec<CatalogSummary> {
    state.set.summaries()
}

#[tauri::command]
fn search_items(
    state: tauri::State<'_, Catalogs>,
    query: String,
    catalog: Option<String>,
) -> Vec<SearchHit> {
    state.index.search(&query, catalog.as_deref())
}

#[tauri::command]
fn show_item(
    state: tauri::State<'_, Catalogs>,
    code: String,
    catalog: Option<String>,
) -> Result<EntryView, ApiError> {
    state
        .set
        .show(&code, catalog.as_deref())
        .ok_or_else(|| ApiError {
            code: ApiErrorCode::NotFound,
            message: format!("未找到事项编码 {code}，请核对后重新输入"),
        })
}

pub fn run() {
    let catalogs = match Catalogs::bundled() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{}", e.message);
            std::process::exit(1);
        }
    };
    tauri::Builder::default()
        .manage(catalogs)
        .invoke_handler(tauri::generate_handler![
            list_catalogs,
            search_items,
            show_item
        ])
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("Counter could not start its window: {e}");
            std::process::exit(1);
        });
}
