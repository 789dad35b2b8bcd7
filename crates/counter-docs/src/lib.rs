//! Counter's printed documents, made in Rust as PDF bytes: 受理回执, 一次性告知书, 不予受理通知书,
//! 容缺受理通知书, 即办件办结单 and 材料交接单 — each with the office, clerk, time, case number, a
//! QR code of the case number and the catalog edition (`../shared/reference/documents.md`) —
//! and printing through the operating system (CUPS `lp`).

mod documents;
mod guide;
mod hand_over;
mod labels;
mod layout;
mod print;
pub mod report;

use std::sync::OnceLock;

pub use counter_core::case::DocKind;
pub use documents::{render, render_copy};
pub use guide::{authorisation_form, guide_sheet};
pub use hand_over::{hand_over_sheet, HandOverSheet};
pub use layout::Font;
pub use print::{explain, preview, print, print_pdf, printers, PrintError};

/// Noto Sans CJK SC (SIL OFL 1.1, `assets/fonts/`), built in so documents print offline.
const FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/NotoSansCJKsc-Regular.otf");

/// The document font, parsed once per process.
pub fn font() -> &'static Font {
    static FONT: OnceLock<Font> = OnceLock::new();
    FONT.get_or_init(|| {
        let font = Font::parse(FONT_BYTES).expect("the built-in font parses");
        release_pages(FONT_BYTES);
        font
    })
}

/// Lets the kernel drop the pages of the program file that parsing read: the parsed font keeps
/// its own copy of the bytes, so these 16 MB would otherwise stay counted in the window's memory
/// for nothing (issue 25 A12). They are read again from the file should anything touch them.
fn release_pages(bytes: &'static [u8]) {
    #[cfg(target_os = "linux")]
    {
        const PAGE: usize = 4096;
        let start = (bytes.as_ptr() as usize).div_ceil(PAGE) * PAGE;
        let end = (bytes.as_ptr() as usize + bytes.len()) / PAGE * PAGE;
        if end > start {
            // SAFETY: a whole number of pages inside a read-only mapping of the program file
            // (the built-in bytes); MADV_DONTNEED on a private file mapping only drops pages
            // the kernel can read back, so their contents stay what they were.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED);
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocError {
    #[error("办件{case_no}当前为“{state}”，不能出具{document}")]
    WrongState {
        case_no: String,
        state: &'static str,
        document: &'static str,
    },
    #[error("办件{0}没有容缺材料，无需容缺受理通知书")]
    NothingDeferred(String),
    #[error("材料交接单至少需要一个办件")]
    NoCases,
    #[error("办件{case_no}尚未受理（当前为“{state}”），不能移交")]
    NotAccepted {
        case_no: String,
        state: &'static str,
    },
}
