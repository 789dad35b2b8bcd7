//! The server's keys, kept in a directory of their own, apart from the database (a copy of
//! the database, a PostgreSQL dump or a stolen backup holds no key):
//!
//! - `signing.key`: the catalog-signing secret (ed25519). Counters pin its public half.
//! - `data.key`: seals personal data in the database (event bodies, pulled changes) and keys
//!   the applicant fingerprints used to flag the same applicant at two points.
//! - `ca.pem`, `ca.key`: the pilot's own certificate authority (counters pin `ca.pem`);
//!   `server.pem`, `server.key`: the TLS certificate it issued for the server's host names.
//!
//! `counter-server keys init --host …` makes what is missing; the operator backs the directory
//! up apart from the database. Secret files are written 0600.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chacha20poly1305::aead::{Aead, KeyInit, OsRng, Payload};
use chacha20poly1305::{AeadCore, XChaCha20Poly1305};
use counter_core::proto::{hex, public_key, unhex};
use counter_core::trust::Trust;
use hmac::Mac;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("密钥目录 {0}：{1}")]
    Io(String, String),
    #[error("密钥文件 {0} 已损坏（应为 64 位十六进制）")]
    Malformed(String),
    #[error("证书 {0}：{1}")]
    Certificate(String, String),
    #[error(
        "数据库中的密文无法用本服务器的数据密钥解开：密钥目录不是这个数据库的，或数据已被改动"
    )]
    Unseal,
}

/// The TLS certificate chain, its private key, and the authority counters pin.
#[derive(Clone)]
pub struct TlsFiles {
    pub config: Arc<tokio_rustls::rustls::ServerConfig>,
    pub ca_pem: String,
}

/// Everything secret the server holds, loaded once.
#[derive(Clone)]
pub struct Keys {
    dir: Option<PathBuf>,
    /// Whether `signing.key` was made just now (a database of an earlier version may hold
    /// the key counters already pin; it is moved out then).
    pub(crate) new_signing: bool,
    signing: [u8; 32],
    data: [u8; 32],
    tls: Option<TlsFiles>,
}

const SIGNING: &str = "signing.key";
const NEXT: &str = "signing.next";
const DATA: &str = "data.key";
const CA_PEM: &str = "ca.pem";
const CA_KEY: &str = "ca.key";
const SERVER_PEM: &str = "server.pem";
const SERVER_KEY: &str = "server.key";

/// How a sealed value starts: a version, so the sealing can change without a migration.
/// The mark of a value sealed for its row (schema 10 on).
const SEALED: &str = "s2:";
/// The mark of a value an earlier version sealed for its column only.
const LEGACY_SEALED: &str = "s1:";

fn io(path: &Path, e: impl std::fmt::Display) -> KeyError {
    KeyError::Io(path.display().to_string(), e.to_string())
}

fn random32() -> [u8; 32] {
    let mut b = [0u8; 32];
    chacha20poly1305::aead::rand_core::RngCore::fill_bytes(&mut OsRng, &mut b);
    b
}

/// Writes a secret file readable by its owner only, never leaving a half-written one.
pub(crate) fn write_secret(path: &Path, text: &str) -> Result<(), KeyError> {
    let tmp = path.with_extension("tmp");
    {
        use std::io::Write;
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        let mut f = o.open(&tmp).map_err(|e| io(&tmp, e))?;
        f.write_all(text.as_bytes()).map_err(|e| io(&tmp, e))?;
        f.sync_all().map_err(|e| io(&tmp, e))?;
    }
    std::fs::rename(&tmp, path).map_err(|e| io(path, e))?;
    // The rename itself survives a power cut only once the folder is on disk.
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io(dir, e))?;
    }
    Ok(())
}

fn read_key(path: &Path) -> Result<Option<[u8; 32]>, KeyError> {
    match std::fs::read_to_string(path) {
        Ok(t) => unhex(t.trim())
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .map(Some)
            .ok_or_else(|| KeyError::Malformed(path.display().to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(path, e)),
    }
}

impl Keys {
    /// Loads the directory, making the signing and data keys on first use. TLS is on when
    /// `server.pem` and `server.key` are there.
    pub fn open(dir: &Path) -> Result<Keys, KeyError> {
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
        let (signing, new_signing) = match read_key(&dir.join(SIGNING))? {
            Some(k) => (k, false),
            None => {
                let k = random32();
                write_secret(&dir.join(SIGNING), &hex(&k))?;
                (k, true)
            }
        };
        let data = match read_key(&dir.join(DATA))? {
            Some(k) => k,
            None => {
                let k = random32();
                write_secret(&dir.join(DATA), &hex(&k))?;
                k
            }
        };
        let tls = if dir.join(SERVER_PEM).exists() {
            Some(load_tls(dir)?)
        } else {
            None
        };
        Ok(Keys {
            dir: Some(dir.to_path_buf()),
            new_signing,
            signing,
            data,
            tls,
        })
    }

    /// Fresh keys in memory, no TLS (tests and benchmarks on loopback).
    pub fn ephemeral() -> Keys {
        Keys {
            dir: None,
            new_signing: false,
            signing: random32(),
            data: random32(),
            tls: None,
        }
    }

    /// These keys serving TLS from `dir`'s certificate (tests: a test authority).
    pub fn with_tls(mut self, dir: &Path) -> Result<Keys, KeyError> {
        self.tls = Some(load_tls(dir)?);
        Ok(self)
    }

    pub(crate) fn signing(&self) -> &[u8; 32] {
        &self.signing
    }

    /// Adopts the signing key an earlier version kept in the database, so counters that pinned
    /// it go on verifying.
    pub(crate) fn adopt_signing(&mut self, secret: [u8; 32]) -> Result<(), KeyError> {
        if let Some(dir) = &self.dir {
            write_secret(&dir.join(SIGNING), &hex(&secret))?;
        }
        self.signing = secret;
        self.new_signing = false;
        Ok(())
    }

    /// A fresh signing secret, on disk as `signing.next` before anything is signed with it
    /// (see `adopt_rotation`).
    pub(crate) fn next_signing(&self) -> Result<[u8; 32], KeyError> {
        let new = random32();
        if let Some(dir) = &self.dir {
            write_secret(&dir.join(NEXT), &hex(&new))?;
        }
        Ok(new)
    }

    /// A rotation begun and not finished: the `signing.next` a stop left behind.
    pub(crate) fn pending_rotation(&self) -> Result<Option<[u8; 32]>, KeyError> {
        match &self.dir {
            Some(dir) => read_key(&dir.join(NEXT)),
            None => Ok(None),
        }
    }

    /// Drops a rotation that never reached the database.
    pub(crate) fn discard_rotation(&self) -> Result<(), KeyError> {
        if let Some(dir) = &self.dir {
            std::fs::remove_file(dir.join(NEXT)).map_err(|e| io(dir, e))?;
        }
        Ok(())
    }

    /// Makes `new` the signing key, keeping the old one's file as `signing.N.retired`.
    pub(crate) fn adopt_rotation(&mut self, new: [u8; 32]) -> Result<(), KeyError> {
        if let Some(dir) = &self.dir {
            let mut n = 1;
            while dir.join(format!("signing.{n}.retired")).exists() {
                n += 1;
            }
            write_secret(
                &dir.join(format!("signing.{n}.retired")),
                &hex(&self.signing),
            )?;
            write_secret(&dir.join(SIGNING), &hex(&new))?;
            let _ = std::fs::remove_file(dir.join(NEXT));
        }
        self.signing = new;
        self.new_signing = false;
        Ok(())
    }

    pub fn tls(&self) -> Option<&TlsFiles> {
        self.tls.as_ref()
    }

    /// What counters pin: the authority and the signing key.
    pub fn trust(&self) -> Trust {
        Trust {
            ca_pem: self.tls.as_ref().map(|t| t.ca_pem.clone()),
            public_key: public_key(&self.signing),
        }
    }

    /// Seals a value for the database (XChaCha20-Poly1305 under the data key, with a random
    /// nonce). `context` names its place down to the row (table, column and the row's key,
    /// `seal::Place`) and is authenticated with it, so a value moved to another column or
    /// swapped with another row's does not open.
    pub fn seal(&self, context: &str, plain: &str) -> String {
        let cipher = XChaCha20Poly1305::new((&self.data).into());
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .expect("sealing in memory does not fail");
        format!("{SEALED}{}{}", hex(&nonce), hex(&sealed))
    }

    /// Opens a value sealed for exactly this place; anything else (in clear, sealed for
    /// another row, or by an earlier version) is refused.
    pub fn unseal(&self, context: &str, stored: &str) -> Result<String, KeyError> {
        let rest = stored.strip_prefix(SEALED).ok_or(KeyError::Unseal)?;
        self.decrypt(context, rest)
    }

    /// Opens what an earlier version stored: sealed for its column only (`s1:`), or in clear.
    /// Used once, when the database is re-sealed row by row at start.
    pub(crate) fn unseal_legacy(&self, column: &str, stored: &str) -> Result<String, KeyError> {
        match stored.strip_prefix(LEGACY_SEALED) {
            Some(rest) => self.decrypt(column, rest),
            None => Ok(stored.to_string()),
        }
    }

    fn decrypt(&self, context: &str, hex_text: &str) -> Result<String, KeyError> {
        let bytes = unhex(hex_text).ok_or(KeyError::Unseal)?;
        if bytes.len() < 24 {
            return Err(KeyError::Unseal);
        }
        let (nonce, ct) = bytes.split_at(24);
        let cipher = XChaCha20Poly1305::new((&self.data).into());
        let plain = cipher
            .decrypt(
                nonce.into(),
                Payload {
                    msg: ct,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| KeyError::Unseal)?;
        String::from_utf8(plain).map_err(|_| KeyError::Unseal)
    }

    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(SEALED)
    }

    /// A keyed fingerprint (HMAC-SHA-256 under the data key): equal inputs match, and without
    /// the key no one can try ID numbers against it.
    pub fn fingerprint(&self, purpose: &str, value: &str) -> String {
        let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.data)
            .expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.update(b"\n");
        mac.update(value.as_bytes());
        hex(&mac.finalize().into_bytes())
    }
}

fn load_tls(dir: &Path) -> Result<TlsFiles, KeyError> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let cert_path = dir.join(SERVER_PEM);
    let key_path = dir.join(SERVER_KEY);
    let ca_path = dir.join(CA_PEM);
    let bad = |p: &Path, e: &dyn std::fmt::Display| {
        KeyError::Certificate(p.display().to_string(), e.to_string())
    };
    let chain = CertificateDer::pem_file_iter(&cert_path)
        .and_then(|i| i.collect::<Result<Vec<_>, _>>())
        .map_err(|e| bad(&cert_path, &e))?;
    if chain.is_empty() {
        return Err(bad(&cert_path, &"文件中没有证书"));
    }
    let key = PrivateKeyDer::from_pem_file(&key_path).map_err(|e| bad(&key_path, &e))?;
    let ca_pem = std::fs::read_to_string(&ca_path).map_err(|e| {
        bad(
            &ca_path,
            &format!("{e}（计数器要钉住签发本服务器证书的机构证书，请一并放入密钥目录）"),
        )
    })?;
    let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(&cert_path, &e))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| bad(&cert_path, &e))?;
    Ok(TlsFiles {
        config: Arc::new(config),
        ca_pem,
    })
}

/// The pilot's authority: one fixed name, so a later `keys init` can issue again with the kept
/// `ca.key`.
fn ca_params() -> rcgen::CertificateParams {
    let mut p = rcgen::CertificateParams::default();
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name
        .push(rcgen::DnType::CommonName, "Counter pilot CA");
    p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Constrained(0));
    p.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    p.not_before = rcgen::date_time_ymd(2024, 1, 1);
    p.not_after = rcgen::date_time_ymd(2045, 12, 31);
    p
}

/// What `keys init` made.
#[derive(Debug, Default)]
pub struct Made {
    pub authority: bool,
    pub certificate: bool,
}

/// Makes the pilot's authority (unless `ca.pem` and `ca.key` are there) and a server
/// certificate for `hosts` (names or addresses; unless `server.pem` is there, or `renew`),
/// valid for two years.
pub fn init_tls(dir: &Path, hosts: &[String], renew: bool) -> Result<Made, KeyError> {
    let cert_err =
        |e: rcgen::Error| KeyError::Certificate(dir.display().to_string(), e.to_string());
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let mut made = Made::default();
    let refuse = |why: &str| Err(KeyError::Certificate(dir.display().to_string(), why.into()));
    let (has_pem, has_key) = (dir.join(CA_PEM).exists(), dir.join(CA_KEY).exists());
    // A new authority only where there is none at all: counters pin `ca.pem`, and a new one
    // means enrolling every counter again.
    if !has_pem && !has_key {
        let key = rcgen::KeyPair::generate().map_err(cert_err)?;
        let cert = ca_params().self_signed(&key).map_err(cert_err)?;
        write_secret(&dir.join(CA_KEY), &key.serialize_pem())?;
        std::fs::write(dir.join(CA_PEM), cert.pem()).map_err(|e| io(dir, e))?;
        made.authority = true;
    } else if !has_pem {
        return refuse(
            "有 ca.key 却没有 ca.pem：请从备份放回 ca.pem（计数器钉住的是它），不要另建证书机构",
        );
    }
    if dir.join(SERVER_PEM).exists() && !renew && !made.authority {
        return Ok(made);
    }
    if !dir.join(CA_KEY).exists() {
        return refuse(
            "签发服务器证书需要 ca.key：请把离线保管的 ca.key 放回密钥目录后再运行，签发后再取走",
        );
    }
    let ca_key = std::fs::read_to_string(dir.join(CA_KEY))
        .map_err(|e| io(dir, e))
        .and_then(|pem| rcgen::KeyPair::from_pem(&pem).map_err(cert_err))?;
    if hosts.is_empty() {
        return Err(KeyError::Certificate(
            dir.display().to_string(),
            "请用 --host 给出计数器访问本服务器所用的域名或 IP 地址".into(),
        ));
    }
    let issuer = rcgen::Issuer::new(ca_params(), ca_key);
    let mut p = rcgen::CertificateParams::new(hosts.to_vec()).map_err(cert_err)?;
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name
        .push(rcgen::DnType::CommonName, hosts[0].as_str());
    p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let today = chrono::Utc::now().date_naive();
    let until = today + chrono::Duration::days(730);
    use chrono::Datelike;
    p.not_before = rcgen::date_time_ymd(today.year(), today.month() as u8, today.day() as u8);
    p.not_after = rcgen::date_time_ymd(until.year(), until.month() as u8, until.day() as u8);
    let key = rcgen::KeyPair::generate().map_err(cert_err)?;
    let cert = p.signed_by(&key, &issuer).map_err(cert_err)?;
    write_secret(&dir.join(SERVER_KEY), &key.serialize_pem())?;
    let ca_pem = std::fs::read_to_string(dir.join(CA_PEM)).map_err(|e| io(dir, e))?;
    std::fs::write(dir.join(SERVER_PEM), format!("{}{ca_pem}", cert.pem()))
        .map_err(|e| io(dir, e))?;
    made.certificate = true;
    Ok(made)
}
