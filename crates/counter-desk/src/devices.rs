//! The window's devices: the 二代证 reader.

use chrono::NaiveDate;
use serde::Serialize;
use ts_rs::TS;

use counter_devices::{find_reader, Card, CardReader, ReaderError};

use crate::{err, ApiError, ApiErrorCode};

/// A card as read, and what the clerk must be told about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CardRead {
    #[serde(flatten)]
    pub card: Card,
    /// The card's validity ended before today: the applicant needs another identity document.
    pub expired: bool,
}

fn reader_err(e: ReaderError) -> ApiError {
    let code = match e {
        ReaderError::NotConnected(_) | ReaderError::Timeout(_) => ApiErrorCode::Storage,
        _ => ApiErrorCode::InvalidInput,
    };
    err(code, e.to_string())
}

/// Where the reader stands, for the header's chip: decided here, not from message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ReaderState {
    /// A card was read.
    Read,
    /// A reader answers, with no card on it.
    NoCard,
    /// No reader answers (unplugged, none found).
    Absent,
    /// A reader answered, but the read failed (a garbled answer, a card to place again).
    Failed,
}

/// One look at the reader: its state, the card when one was read, and the words for the chip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ReaderLook {
    pub state: ReaderState,
    pub card: Option<CardRead>,
    pub message: String,
}

/// Looks at the reader once (the window's watch while the applicant form waits).
pub fn look_at_reader(port: Option<&str>, today: NaiveDate) -> ReaderLook {
    match read_card_raw(port, today) {
        Ok(card) => ReaderLook {
            state: ReaderState::Read,
            card: Some(card),
            message: "读卡器：已读卡".into(),
        },
        Err(e) => ReaderLook {
            state: match e {
                ReaderError::NoCard => ReaderState::NoCard,
                ReaderError::NotConnected(_) | ReaderError::Timeout(_) => ReaderState::Absent,
                _ => ReaderState::Failed,
            },
            card: None,
            message: match e {
                ReaderError::NoCard => "读卡器：请放卡".into(),
                ReaderError::NotConnected(_) | ReaderError::Timeout(_) => "读卡器未连接".into(),
                other => format!("读卡器：{other}"),
            },
        },
    }
}

impl crate::Workstation {
    /// The reader's port set in the office settings, if one is.
    pub fn reader_port(&self) -> Option<String> {
        self.office.reader_port.clone()
    }
}

/// Reads the card on the reader at `port`, or on the first port a reader answers on.
pub fn read_card(port: Option<&str>, today: NaiveDate) -> Result<CardRead, ApiError> {
    read_card_raw(port, today).map_err(reader_err)
}

fn read_card_raw(port: Option<&str>, today: NaiveDate) -> Result<CardRead, ReaderError> {
    let port = port.map(str::trim).filter(|p| !p.is_empty());
    let card = find_reader(port).and_then(|mut r| r.read_card())?;
    tracing::info!(id = %counter_core::ids::mask_id(&card.id_number), "card read");
    Ok(CardRead {
        expired: card.expired(today),
        card,
    })
}
