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

impl crate::Workstation {
    /// The reader's port set in the office settings, if one is.
    pub fn reader_port(&self) -> Option<String> {
        self.office.reader_port.clone()
    }
}

/// Reads the card on the reader at `port`, or on the first port a reader answers on.
pub fn read_card(port: Option<&str>, today: NaiveDate) -> Result<CardRead, ApiError> {
    let port = port.map(str::trim).filter(|p| !p.is_empty());
    let card = find_reader(port)
        .and_then(|mut r| r.read_card())
        .map_err(reader_err)?;
    tracing::info!(id = %counter_core::ids::mask_id(&card.id_number), "card read");
    Ok(CardRead {
        expired: card.expired(today),
        card,
    })
}
