//! The PROXY protocol (version 1, text, and 2, binary) a TCP load balancer puts in front of a
//! connection to say whose it is (`serve --proxy-protocol`): read only from the balancers
//! named by `--trusted-proxy`, so nobody else can claim an address. Exactly the header's bytes
//! are read, so what follows (the TLS handshake) is untouched.

use std::io::{Error, ErrorKind};
use std::net::SocketAddr;

use tokio::io::{AsyncRead, AsyncReadExt};

/// The longest version 1 header, "\r\n" included (the specification's 107 bytes).
const V1_MAX: usize = 107;
/// The version 2 signature.
const V2_SIGNATURE: &[u8; 12] = b"\r\n\r\n\0\r\nQUIT\n";

/// The client's address the header names; `None` for a connection the balancer makes on its
/// own behalf (a health check: `LOCAL`, `UNKNOWN`). A connection without a valid header is an
/// error: a trusted balancer always sends one when configured to.
pub(crate) async fn read_source<S: AsyncRead + Unpin>(
    s: &mut S,
) -> std::io::Result<Option<SocketAddr>> {
    let mut header = vec![0u8; 6];
    s.read_exact(&mut header).await?;
    if header == b"PROXY " {
        // Text: up to the line's end.
        while !header.ends_with(b"\r\n") {
            if header.len() >= V1_MAX {
                return Err(bad("a PROXY header longer than 107 bytes"));
            }
            header.push(s.read_u8().await?);
        }
    } else if header[..] == V2_SIGNATURE[..6] {
        header.resize(16, 0);
        s.read_exact(&mut header[6..]).await?;
        let len = usize::from(u16::from_be_bytes([header[14], header[15]]));
        header.resize(16 + len, 0);
        s.read_exact(&mut header[16..]).await?;
    } else {
        return Err(bad("no PROXY header from a trusted balancer"));
    }
    match ppp::HeaderResult::parse(&header) {
        ppp::HeaderResult::V1(Ok(h)) => Ok(match h.addresses {
            ppp::v1::Addresses::Tcp4(a) => Some((a.source_address, a.source_port).into()),
            ppp::v1::Addresses::Tcp6(a) => Some((a.source_address, a.source_port).into()),
            ppp::v1::Addresses::Unknown => None,
        }),
        ppp::HeaderResult::V2(Ok(h)) => Ok(match (h.command, h.addresses) {
            (ppp::v2::Command::Local, _) => None,
            (_, ppp::v2::Addresses::IPv4(a)) => Some((a.source_address, a.source_port).into()),
            (_, ppp::v2::Addresses::IPv6(a)) => Some((a.source_address, a.source_port).into()),
            _ => None,
        }),
        ppp::HeaderResult::V1(Err(e)) => Err(bad(&format!("a bad PROXY header: {e}"))),
        ppp::HeaderResult::V2(Err(e)) => Err(bad(&format!("a bad PROXY header: {e}"))),
    }
}

fn bad(why: &str) -> Error {
    Error::new(ErrorKind::InvalidData, why.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read(bytes: &[u8]) -> (std::io::Result<Option<SocketAddr>>, Vec<u8>) {
        let mut s = bytes;
        let r = read_source(&mut s).await;
        (r, s.to_vec())
    }

    #[tokio::test]
    async fn exactly_the_header_is_read_and_the_source_is_the_client() {
        let (r, rest) = read(b"PROXY TCP4 10.1.2.3 10.0.0.1 51000 443\r\n\x16\x03\x01").await;
        assert_eq!(r.unwrap(), Some("10.1.2.3:51000".parse().unwrap()));
        assert_eq!(rest, b"\x16\x03\x01");
        let (r, rest) = read(b"PROXY UNKNOWN\r\nGET").await;
        assert_eq!(r.unwrap(), None);
        assert_eq!(rest, b"GET");
        let v2 = ppp::v2::Builder::with_addresses(
            ppp::v2::Version::Two | ppp::v2::Command::Proxy,
            ppp::v2::Protocol::Stream,
            (
                "[2001:db8::7]:4000".parse::<SocketAddr>().unwrap(),
                "[2001:db8::1]:443".parse::<SocketAddr>().unwrap(),
            ),
        )
        .build()
        .unwrap();
        let (r, rest) = read(&[&v2[..], b"rest"].concat()).await;
        assert_eq!(r.unwrap(), Some("[2001:db8::7]:4000".parse().unwrap()));
        assert_eq!(rest, b"rest");
    }

    #[tokio::test]
    async fn a_missing_garbled_or_endless_header_is_refused() {
        for bytes in [
            &b"GET / HTTP/1.1\r\n\r\n"[..],
            b"PROXY TCP4 10.1.2.3 nonsense 1 2\r\n",
            b"PROXY TCP4 10.1.2.3 10.0.0.1 51000 443",
            &[b"PROXY ".as_slice(), &[b'1'; 200]].concat(),
            b"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x40short",
        ] {
            let (r, _) = read(bytes).await;
            assert!(r.is_err(), "{:?} taken", String::from_utf8_lossy(bytes));
        }
    }
}
