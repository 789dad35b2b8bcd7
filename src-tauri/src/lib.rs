//! The desktop shell. Its commands are derived from the workstation's command list
//! (`counter_desk::for_each_command!`), each handing back the answer or its `{ code, message }`
//! error; the logic is in `counter-desk` and the crates below it.

use std::sync::{Arc, Mutex};

use counter_desk::{ApiError, ApiErrorCode, Clock, Paths, Workstation};
use tauri::{AppHandle, Manager, State};

mod screen;
pub mod webkit;

/// The workstation, or why it could not open (a wrong key, a damaged store): every command
/// then answers with that reason, which the window shows.
type Desk = Result<Arc<counter_desk::Desk>, ApiError>;

fn internal() -> ApiError {
    ApiError {
        code: ApiErrorCode::Storage,
        message: "程序内部错误，请重启 Counter".into(),
    }
}

/// One Tauri command per entry of the workstation's command list
/// (`counter_desk::for_each_command!`): a quick one runs on the main thread, in the order the
/// window sent it (key presses stay in order); a slow one off it.
macro_rules! tauri_commands {
    ($( $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $ret:ty, $speed:ident => |$d:ident| $body:expr; )*) => {
        $( tauri_command!($speed $name ( $($arg : $ty),* ) -> $ret => |$d| $body); )*
        fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name),*]
        }
    };
}

macro_rules! tauri_command {
    (quick $name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty => |$d:ident| $body:expr) => {
        // Private: Tauri exports a public command's helper macros, which a macro may not.
        #[tauri::command]
        fn $name(desk: State<'_, Desk>, $($arg: $ty),*) -> Result<$ret, ApiError> {
            let $d = desk.as_ref().map_err(Clone::clone)?;
            $body
        }
    };
    (slow $name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty => |$d:ident| $body:expr) => {
        #[tauri::command]
        async fn $name(app: AppHandle, $($arg: $ty),*) -> Result<$ret, ApiError> {
            tauri::async_runtime::spawn_blocking(move || {
                let desk = app.state::<Desk>();
                let $d = desk.as_ref().map_err(Clone::clone)?;
                $body
            })
            .await
            .map_err(|_| internal())?
        }
    };
}

counter_desk::for_each_command!(tauri_commands);

pub fn run() {
    let paths = Paths::from_env();
    counter_desk::init_log(&paths);
    let desk: Desk = Workstation::open(paths, Clock::from_env()).map(|w| Arc::new(Mutex::new(w)));
    match (&desk, counter_desk::autosync::Schedule::from_env()) {
        (Err(e), _) => eprintln!("Counter: {}", e.message),
        (Ok(d), Some(schedule)) => drop(counter_desk::autosync::spawn(d.clone(), schedule)),
        (Ok(_), None) => {}
    }
    tauri::Builder::default()
        .manage(desk)
        .invoke_handler(handler())
        .setup(|app| {
            screen::open(app.handle());
            webkit::configure(app.handle());
            Ok(())
        })
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("Counter could not start its window: {e}");
            std::process::exit(1);
        });
}
