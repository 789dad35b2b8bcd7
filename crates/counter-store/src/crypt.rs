//! Personal data at rest: XChaCha20-Poly1305 with a key kept outside the database, and a keyed
//! hash (HMAC-SHA256) so a case can still be found by ID number.

use std::io::Write;
use std::path::Path;

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::StoreError;

const NONCE: usize = 24;

/// The store key: 32 bytes, kept in its own file (hex), never in the database.
#[derive(Clone)]
pub struct Key([u8; 32]);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(…)")
    }
}

impl Key {
    pub fn generate() -> Key {
        Key(XChaCha20Poly1305::generate_key(&mut OsRng).into())
    }

    pub fn from_hex(text: &str) -> Option<Key> {
        let text = text.trim();
        if text.len() != 64 {
            return None;
        }
        let mut k = [0u8; 32];
        for (i, b) in k.iter_mut().enumerate() {
            *b = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(Key(k))
    }

    fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Reads the key file. It is created (mode 0600) only when `may_create` — that is, when
    /// the database it protects does not hold data yet; a lost key is an error, never a
    /// silent new key.
    pub fn load(path: &Path, may_create: bool) -> Result<Key, StoreError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Key::from_hex(&text).ok_or_else(|| StoreError::BadKeyFile(path.into())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && may_create => {
                let key = Key::generate();
                key.write(path)?;
                Ok(key)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(StoreError::KeyMissing(path.into()))
            }
            Err(source) => Err(StoreError::Io {
                path: path.into(),
                source,
            }),
        }
    }

    fn write(&self, path: &Path) -> Result<(), StoreError> {
        let io = |source| StoreError::Io {
            path: path.into(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let tmp = path.with_extension("tmp");
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp).map_err(io)?;
        f.write_all(self.to_hex().as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }
}

/// Encrypts and hashes with one store key.
pub struct Cipher {
    aead: XChaCha20Poly1305,
    index_key: [u8; 32],
}

impl Cipher {
    /// A second handle on the same keys (to use while the store's connection is borrowed).
    pub fn clone_of(c: &Cipher) -> Cipher {
        Cipher {
            aead: c.aead.clone(),
            index_key: c.index_key,
        }
    }

    pub fn new(key: &Key) -> Cipher {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key.0).expect("any key length");
        mac.update(b"counter id index v1");
        Cipher {
            aead: XChaCha20Poly1305::new(&key.0.into()),
            index_key: mac.finalize().into_bytes().into(),
        }
    }

    /// `nonce || ciphertext`; `context` (the case number) is bound as associated data so a
    /// body moved to another row does not decrypt.
    pub fn seal(&self, plain: &[u8], context: &str) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let mut out = nonce.to_vec();
        out.extend(
            self.aead
                .encrypt(
                    &nonce,
                    Payload {
                        msg: plain,
                        aad: context.as_bytes(),
                    },
                )
                .expect("encryption of an in-memory buffer"),
        );
        out
    }

    pub fn open(&self, sealed: &[u8], context: &str) -> Result<Vec<u8>, StoreError> {
        if sealed.len() < NONCE {
            return Err(StoreError::Decrypt(context.into()));
        }
        let (nonce, body) = sealed.split_at(NONCE);
        self.aead
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| StoreError::Decrypt(context.into()))
    }

    /// One link of the audit log's chain: a keyed hash of the line and the link before it.
    pub fn audit_link(&self, previous: &[u8], line: &[&str]) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key).expect("32 bytes");
        mac.update(b"counter audit chain v1\n");
        mac.update(previous);
        for field in line {
            // Length-prefixed: no two lines hash alike by moving text between fields.
            mac.update(&(field.len() as u64).to_le_bytes());
            mac.update(field.as_bytes());
        }
        mac.finalize().into_bytes().to_vec()
    }

    /// The keyed hash of an ID number (upper-cased, trimmed) for lookups.
    pub fn id_hash(&self, id_number: &str) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key).expect("32 bytes");
        mac.update(id_number.trim().to_ascii_uppercase().as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}
