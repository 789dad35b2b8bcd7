//! The `POST /api/<command>` side of the workstation's command list: arguments decoded by
//! name (camelCase, as the UI sends them to Tauri too), the answer encoded as JSON.

use counter_desk::{ApiError, ApiErrorCode};

use crate::Desk;

fn bad_args(e: serde_json::Error) -> ApiError {
    ApiError {
        code: ApiErrorCode::InvalidInput,
        message: format!("命令参数不正确：{e}"),
    }
}

macro_rules! web_commands {
    ($( $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $ret:ty, $speed:ident => |$d:ident| $body:expr; )*) => {
        /// Runs command `name` with `args` (a JSON object) on the workstation; `None` for a
        /// name the list does not have.
        pub fn call(
            desk: &Desk,
            name: &str,
            args: serde_json::Value,
        ) -> Option<Result<serde_json::Value, ApiError>> {
            match name {
                $( stringify!($name) => Some((|| {
                    #[derive(serde::Deserialize)]
                    #[serde(rename_all = "camelCase")]
                    struct Args { $($arg: $ty),* }
                    let Args { $($arg),* } = serde_json::from_value(args).map_err(bad_args)?;
                    let $d = desk.as_ref().map_err(Clone::clone)?;
                    let answer: $ret = $body?;
                    Ok(serde_json::to_value(answer).expect("an answer serialises"))
                })()), )*
                _ => None,
            }
        }

        /// Whether a command may take long (it then runs beside the quick ones).
        pub fn is_slow(name: &str) -> bool {
            match name {
                $( stringify!($name) => stringify!($speed) == "slow", )*
                _ => false,
            }
        }
    };
}

counter_desk::for_each_command!(web_commands);
