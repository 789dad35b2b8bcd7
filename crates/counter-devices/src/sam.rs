//! SAM frames. A frame is the preamble `AA AA AA 96 69`, a two-byte big-endian length of what
//! follows, then a request's command and parameter (or an answer's SW1 SW2 SW3), its data, and
//! one check byte: the XOR of the length bytes and everything after them.

/// Every frame starts with these.
pub const PREAMBLE: [u8; 5] = [0xAA, 0xAA, 0xAA, 0x96, 0x69];
/// The longest answer accepted (a read with the photo and a fingerprint is under 2,400 bytes).
pub const MAX_LEN: usize = 4096;

/// 寻找卡片.
pub const FIND: [u8; 2] = [0x20, 0x01];
/// 选取卡片.
pub const SELECT: [u8; 2] = [0x20, 0x02];
/// 读基本信息 (text and photo).
pub const READ: [u8; 2] = [0x30, 0x01];
/// SAM 状态: answers 90 when a reader is there.
pub const STATUS: [u8; 2] = [0x12, 0xFF];

/// SW3 of an answer.
pub const OK: u8 = 0x90;
pub const CARD_FOUND: u8 = 0x9F;
pub const NO_CARD: u8 = 0x80;
pub const SELECT_FAILED: u8 = 0x81;
pub const READ_FAILED: u8 = 0x41;
pub const BAD_CHECK: u8 = 0x10;
pub const BAD_LENGTH: u8 = 0x11;

fn check(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |x, b| x ^ b)
}

/// A frame with `body` (command and parameter, or SW1–SW3, then data).
pub fn frame(body: &[u8]) -> Vec<u8> {
    let len = u16::try_from(body.len() + 1).expect("a frame body under 64 KB");
    let mut out = PREAMBLE.to_vec();
    out.extend(len.to_be_bytes());
    out.extend(body);
    out.push(check(&out[PREAMBLE.len()..]));
    out
}

/// A request frame.
pub fn request(command: [u8; 2]) -> Vec<u8> {
    frame(&command)
}

/// An answer frame with its status word and data.
pub fn answer(sw3: u8, data: &[u8]) -> Vec<u8> {
    let mut body = vec![0x00, 0x00, sw3];
    body.extend(data);
    frame(&body)
}

/// What is wrong with a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// More bytes are needed.
    Short,
    /// The length field is impossible.
    Length(usize),
    /// The check byte does not match.
    Check,
}

/// Finds a frame in `buf` (bytes before the preamble are skipped): its body (without the
/// check byte) and how many bytes of `buf` it used.
pub fn parse(buf: &[u8]) -> Result<(Vec<u8>, usize), FrameError> {
    let start = buf
        .windows(PREAMBLE.len())
        .position(|w| w == PREAMBLE)
        .ok_or(FrameError::Short)?;
    let rest = &buf[start + PREAMBLE.len()..];
    if rest.len() < 2 {
        return Err(FrameError::Short);
    }
    let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
    if !(2..=MAX_LEN).contains(&len) {
        return Err(FrameError::Length(len));
    }
    if rest.len() < 2 + len {
        return Err(FrameError::Short);
    }
    let covered = &rest[..2 + len - 1];
    if check(covered) != rest[2 + len - 1] {
        return Err(FrameError::Check);
    }
    Ok((
        rest[2..2 + len - 1].to_vec(),
        start + PREAMBLE.len() + 2 + len,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn an_impossible_length_is_refused() {
        let mut f = frame(&[0x00, 0x00, OK]);
        f[5] = 0xFF;
        assert_eq!(parse(&f), Err(FrameError::Length(0xFF04)));
        f[5] = 0x00;
        f[6] = 0x01;
        assert_eq!(parse(&f), Err(FrameError::Length(1)));
    }

    #[test]
    fn a_request_frame_is_as_the_protocol_writes_it() {
        // AA AA AA 96 69 00 03 20 01 22: find card.
        assert_eq!(
            request(FIND),
            [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x01, 0x22]
        );
    }

    proptest! {
        #[test]
        fn frames_read_back_after_noise(noise in proptest::collection::vec(0u8..0xAA, 0..20),
                                        body in proptest::collection::vec(any::<u8>(), 1..300)) {
            let mut buf = noise.clone();
            buf.extend(frame(&body));
            let (got, used) = parse(&buf).unwrap();
            prop_assert_eq!(got, body);
            prop_assert_eq!(used, buf.len());
        }

        #[test]
        fn a_changed_byte_or_a_cut_frame_is_never_taken(body in proptest::collection::vec(any::<u8>(), 1..300),
                                                        at in any::<usize>(), flip in 1u8..=255) {
            // Any one byte after the length changed: the XOR check always sees it.
            let f = frame(&body);
            let head = PREAMBLE.len() + 2;
            let i = head + at % (f.len() - head);
            let mut bad = f.clone();
            bad[i] ^= flip;
            prop_assert_eq!(parse(&bad), Err(FrameError::Check));
            prop_assert_eq!(parse(&f[..f.len() - 1]), Err(FrameError::Short));
        }
    }
}
