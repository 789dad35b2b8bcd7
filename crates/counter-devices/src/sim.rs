//! A reader simulator on a pseudo-terminal, written from the protocol, for tests and
//! demonstrations: it answers find, select, read and status as a reader with `Mode` would.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

use serialport::{SerialPort, TTYPort};

use crate::card::Card;
use crate::sam;

/// What the simulated reader has on it.
#[derive(Debug, Clone)]
pub enum Mode {
    /// This card lies on the reader.
    Card(Card),
    /// Nothing lies on it.
    NoCard,
    /// The read answer's check byte is wrong.
    BadCheck(Card),
    /// Unplugged halfway through the read answer.
    Unplugged(Card),
}

/// A running simulator: the path a reader opens, and the mode, which a test may change.
pub struct Simulator {
    pub path: String,
    pub mode: Arc<Mutex<Mode>>,
}

fn read_answer(card: &Card) -> Vec<u8> {
    let text = card.to_text();
    let mut data = (text.len() as u16).to_be_bytes().to_vec();
    data.extend(1024u16.to_be_bytes());
    data.extend(text);
    data.extend(std::iter::repeat_n(0x00, 1024));
    sam::answer(sam::OK, &data)
}

impl Simulator {
    pub fn start(mode: Mode) -> std::io::Result<Simulator> {
        let (mut ours, theirs) = TTYPort::pair().map_err(std::io::Error::other)?;
        let path = theirs
            .name()
            .ok_or_else(|| std::io::Error::other("a pseudo-terminal without a name"))?;
        let mode = Arc::new(Mutex::new(mode));
        let shared = mode.clone();
        ours.set_timeout(std::time::Duration::from_millis(100))?;
        std::thread::spawn(move || {
            // The other end stays open until the reader is "unplugged".
            let mut theirs = Some(theirs);
            let mut buf = Vec::new();
            let mut chunk = [0u8; 256];
            loop {
                match ours.read(&mut chunk) {
                    Ok(n) if n > 0 => buf.extend_from_slice(&chunk[..n]),
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::TimedOut => continue,
                    Err(_) => return,
                }
                let Ok((body, used)) = sam::parse(&buf) else {
                    continue;
                };
                buf.drain(..used);
                let mode = shared.lock().unwrap().clone();
                let command = [body[0], body.get(1).copied().unwrap_or(0)];
                let out = match (command, &mode) {
                    (sam::STATUS, _) => sam::answer(sam::OK, &[]),
                    (sam::FIND, Mode::NoCard) => sam::answer(sam::NO_CARD, &[]),
                    (sam::FIND, _) => sam::answer(sam::CARD_FOUND, &[0, 0, 0, 0]),
                    (sam::SELECT, Mode::NoCard) => sam::answer(sam::SELECT_FAILED, &[]),
                    (sam::SELECT, _) => sam::answer(sam::OK, &[0; 8]),
                    (sam::READ, Mode::Card(c)) => read_answer(c),
                    (sam::READ, Mode::BadCheck(c)) => {
                        let mut a = read_answer(c);
                        *a.last_mut().unwrap() ^= 0x5A;
                        a
                    }
                    (sam::READ, Mode::Unplugged(c)) => {
                        let a = read_answer(c);
                        let _ = ours.write_all(&a[..a.len() / 2]);
                        let _ = ours.flush();
                        // The cable is pulled: both ends go.
                        theirs.take();
                        return;
                    }
                    _ => sam::answer(0x21, &[]),
                };
                let _ = ours.write_all(&out);
                let _ = ours.flush();
            }
        });
        Ok(Simulator { path, mode })
    }
}

/// A card for tests and demonstrations: the standard applicant's (the number's 17th digit is
/// even, so 女), valid for good.
pub fn sample_card() -> Card {
    Card {
        name: "张三丰".into(),
        sex: "女".into(),
        nation: "汉".into(),
        birth: "1949-12-31".into(),
        address: "江苏省镇江市京口区学府路88号".into(),
        id_number: "11010519491231002X".into(),
        authority: "镇江市公安局京口分局".into(),
        valid_from: "2015-06-01".into(),
        valid_to: "长期".into(),
    }
}
