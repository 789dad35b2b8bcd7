//! The devices at a window. Today: the 二代证 reader of the halls (华视, 神思, 精伦 …), which
//! speaks the SAM serial protocol (GA 467) over a USB serial adapter. Written from the
//! protocol: every frame's length and check byte are checked, every read times out, and what
//! went wrong is said in Chinese (未放卡, 请重新放卡, 读卡器未连接, 校验错误). The photo needs the
//! vendor's licensed decoder and is left out.

mod card;
mod reader;
pub mod sam;
#[cfg(feature = "simulator")]
pub mod sim;

pub use card::{nation_name, Card};
pub use reader::{find_reader, CardReader, ReaderError, SamReader};
