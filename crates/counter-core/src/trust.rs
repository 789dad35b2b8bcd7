//! What a counter trusts, and how it learns it out of band: the enrolment pass.
//!
//! The administrator's `counter-server enroll-code` prints a pass such as
//! `3f9a0c51d2e4-K7Q2-M9XD-…`: the one-time code, then the *pin*, a fingerprint of the
//! server's certificate authority and of the catalog-signing key. The supervisor receives it
//! through the office's own channel (a letter, the internal messaging system), never from the
//! server itself. At enrolment the counter fetches the authority and the key (`GET /v1/trust`,
//! no secret sent), and goes on only if they give the pin: a server that answers with another
//! certificate or another key is refused, and every later request trusts that authority alone.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// `GET /v1/trust`: the certificate authority the server's TLS certificate chains to (PEM;
/// none when it serves plain HTTP on loopback) and the catalog-signing public key (hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trust {
    #[serde(default)]
    pub ca_pem: Option<String>,
    pub public_key: String,
}

/// Pin length in bytes (160 bits: no one can make another authority and key that give it).
const PIN_BYTES: usize = 20;

impl Trust {
    /// The pin: Base32 of the first 20 bytes of SHA-256 over the authority's PEM (whitespace
    /// dropped, so line endings do not matter) and the signing key.
    pub fn pin(&self) -> String {
        let ca: String = self
            .ca_pem
            .as_deref()
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let mut h = Sha256::new();
        h.update(b"counter-pin-v1\n");
        h.update(ca.as_bytes());
        h.update(b"\n");
        h.update(self.public_key.trim().to_ascii_lowercase().as_bytes());
        data_encoding::BASE32_NOPAD.encode(&h.finalize()[..PIN_BYTES])
    }
}

/// A one-time enrolment code with the pin of the server it is good for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentPass {
    pub code: String,
    pub pin: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PassError {
    #[error("注册码不完整：应为管理员发给的整串（注册码后接中心服务器指纹，形如 3f9a0c51d2e4-K7Q2-M9XD-…），请核对后重新输入")]
    NoPin,
    #[error("注册码中的中心服务器指纹有误（应为 32 个字母或数字），请核对后重新输入")]
    BadPin,
}

impl EnrolmentPass {
    /// The code alone (what the server checks), from a whole pass or a bare code.
    pub fn code_of(pass: &str) -> &str {
        let pass = pass.trim();
        pass.split_once('-').map_or(pass, |(code, _)| code)
    }

    /// Reads a pass as typed: spaces and case do not matter, dashes group.
    pub fn parse(text: &str) -> Result<EnrolmentPass, PassError> {
        // Dashes as word processors and Chinese input methods type them count as dashes.
        let cleaned: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '‐' | '‑' | '‒' | '–' | '—' | '―' | '－' | '−' => '-',
                c => c,
            })
            .collect();
        let Some((code, pin)) = cleaned.split_once('-') else {
            return Err(PassError::NoPin);
        };
        let pin: String = pin
            .chars()
            .filter(|c| *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if pin.is_empty() {
            return Err(PassError::NoPin);
        }
        if pin.len() != 32 || data_encoding::BASE32_NOPAD.decode(pin.as_bytes()).is_err() {
            return Err(PassError::BadPin);
        }
        Ok(EnrolmentPass {
            code: code.to_ascii_lowercase(),
            pin,
        })
    }

    /// The pass as printed: the code, then the pin in groups of four.
    pub fn format(code: &str, pin: &str) -> String {
        let groups: Vec<&str> = pin
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect();
        format!("{code}-{}", groups.join("-"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trust(ca: Option<&str>, key: &str) -> Trust {
        Trust {
            ca_pem: ca.map(String::from),
            public_key: key.into(),
        }
    }

    #[test]
    fn the_pin_covers_the_authority_and_the_key_but_not_line_endings() {
        let a = trust(
            Some("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"),
            "ab12",
        );
        let crlf = trust(
            Some("-----BEGIN CERTIFICATE-----\r\nMIIB\r\n-----END CERTIFICATE-----"),
            "AB12",
        );
        assert_eq!(a.pin(), crlf.pin());
        assert_ne!(
            a.pin(),
            trust(
                Some("-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----"),
                "ab12"
            )
            .pin()
        );
        assert_ne!(
            a.pin(),
            trust(
                Some("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"),
                "ab13"
            )
            .pin()
        );
        assert_ne!(a.pin(), trust(None, "ab12").pin());
        assert_eq!(a.pin().len(), 32);
    }

    #[test]
    fn a_pass_reads_back_as_printed_typed_loosely_and_refuses_a_bare_code() {
        let pin = trust(None, "ab12").pin();
        let printed = EnrolmentPass::format("3f9a0c51d2e4", &pin);
        let read = EnrolmentPass::parse(&printed).unwrap();
        assert_eq!(
            read,
            EnrolmentPass {
                code: "3f9a0c51d2e4".into(),
                pin: pin.clone()
            }
        );
        let loose = format!(" {} ", printed.to_lowercase().replace('-', " - "));
        assert_eq!(EnrolmentPass::parse(&loose).unwrap(), read);
        let typed = printed.replacen('-', "－", 1).replace('-', "—");
        assert_eq!(EnrolmentPass::parse(&typed).unwrap(), read);
        assert_eq!(EnrolmentPass::code_of(&printed), "3f9a0c51d2e4");
        assert_eq!(EnrolmentPass::parse("3f9a0c51d2e4"), Err(PassError::NoPin));
        assert_eq!(
            EnrolmentPass::parse("3f9a0c51d2e4-ABCD"),
            Err(PassError::BadPin)
        );
        let wrong = format!("3f9a0c51d2e4-{}", "1".repeat(32));
        assert_eq!(EnrolmentPass::parse(&wrong), Err(PassError::BadPin));
    }
}
