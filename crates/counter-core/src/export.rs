//! The outbox export a point without network carries to the central office on a USB stick:
//! sealed (XChaCha20-Poly1305) under a key derived from the device's own secret, with the
//! device id authenticated. Whoever finds the stick reads nothing; the server opens it only
//! with the key of the device the file names, so a file cannot pass for another device's.

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::XChaCha20Poly1305;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::proto::{hex, unhex, WireEvent};

const FORMAT: &str = "counter-export-1";

/// The file as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportFile {
    pub format: String,
    pub device_id: String,
    /// Nonce and ciphertext, hex.
    pub sealed: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    #[error("不是 Counter 的导出文件（或文件已损坏）")]
    Format,
    #[error("导出文件不是设备 {0} 生成的，或已被改动，未导入")]
    Forged(String),
}

/// The device's export key: derived from its secret, which the server also knows at
/// enrolment (and keeps sealed).
pub fn export_key(device_key: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"counter-export-v1\n");
    h.update(device_key.as_bytes());
    h.finalize().into()
}

/// Seals a device's outbox.
pub fn seal_export(device_id: &str, key: &[u8; 32], events: &[WireEvent]) -> ExportFile {
    let plain = serde_json::to_vec(events).expect("events serialize");
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let ct = XChaCha20Poly1305::new(key.into())
        .encrypt(
            &nonce,
            Payload {
                msg: &plain,
                aad: device_id.as_bytes(),
            },
        )
        .expect("sealing in memory does not fail");
    ExportFile {
        format: FORMAT.into(),
        device_id: device_id.into(),
        sealed: format!("{}{}", hex(&nonce), hex(&ct)),
    }
}

impl ExportFile {
    /// Reads the envelope (the device id it names), not yet the events.
    pub fn parse(text: &str) -> Result<ExportFile, ExportError> {
        let f: ExportFile = serde_json::from_str(text).map_err(|_| ExportError::Format)?;
        if f.format != FORMAT {
            return Err(ExportError::Format);
        }
        Ok(f)
    }

    /// The events, if `key` (the named device's) opens them.
    pub fn open(&self, key: &[u8; 32]) -> Result<Vec<WireEvent>, ExportError> {
        let forged = || ExportError::Forged(self.device_id.clone());
        let bytes = unhex(&self.sealed).ok_or(ExportError::Format)?;
        if bytes.len() < 24 {
            return Err(ExportError::Format);
        }
        let (nonce, ct) = bytes.split_at(24);
        let plain = XChaCha20Poly1305::new(key.into())
            .decrypt(
                nonce.into(),
                Payload {
                    msg: ct,
                    aad: self.device_id.as_bytes(),
                },
            )
            .map_err(|_| forged())?;
        serde_json::from_slice(&plain).map_err(|_| forged())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_opens_with_its_devices_key_only_and_hides_its_content() {
        let key = export_key("secret-a");
        let f = seal_export("dev-a", &key, &[]);
        let text = serde_json::to_string(&f).unwrap();
        let read = ExportFile::parse(&text).unwrap();
        assert_eq!(read.open(&key).unwrap(), vec![]);
        assert_eq!(
            read.open(&export_key("secret-b")),
            Err(ExportError::Forged("dev-a".into()))
        );
        // The same file relabelled as another device does not open with that device's key,
        // nor with its own (the id is authenticated).
        let relabelled = ExportFile {
            device_id: "dev-b".into(),
            ..read.clone()
        };
        assert!(relabelled.open(&key).is_err());
        assert_eq!(
            ExportFile::parse("{\"events\":[]}").unwrap_err(),
            ExportError::Format
        );
    }
}
