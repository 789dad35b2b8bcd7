//! The reader against the simulator on a pseudo-terminal, as a clerk meets it: a good card, no
//! card, a garbled answer, the cable pulled mid-read, and no reader at all.

use counter_devices::sim::{sample_card, Mode, Simulator};
use counter_devices::{find_reader, Card, CardReader, ReaderError};

fn card() -> Card {
    Card {
        valid_to: "2035-06-01".into(),
        ..sample_card()
    }
}

fn read(mode: Mode) -> Result<Card, ReaderError> {
    let sim = Simulator::start(mode).unwrap();
    find_reader(Some(&sim.path))?.read_card()
}

#[test]
fn a_card_on_the_reader_is_read_whole() {
    assert_eq!(read(Mode::Card(card())), Ok(card()));
}

#[test]
fn no_card_says_so() {
    let e = read(Mode::NoCard).unwrap_err();
    assert_eq!(e, ReaderError::NoCard);
    assert!(e.to_string().contains("未放卡"));
}

#[test]
fn a_bad_check_byte_is_refused() {
    let e = read(Mode::BadCheck(card())).unwrap_err();
    assert_eq!(e, ReaderError::Check);
    assert!(e.to_string().contains("校验错误"));
}

#[test]
fn a_reader_unplugged_mid_read_says_so() {
    let e = read(Mode::Unplugged(card())).unwrap_err();
    assert!(
        matches!(e, ReaderError::NotConnected(_) | ReaderError::Timeout(_)),
        "{e:?}"
    );
    assert!(e.to_string().contains("读卡器"), "{e}");
}

#[test]
fn the_card_placed_after_a_miss_is_read() {
    let sim = Simulator::start(Mode::NoCard).unwrap();
    let mut r = find_reader(Some(&sim.path)).unwrap();
    assert_eq!(r.read_card(), Err(ReaderError::NoCard));
    *sim.mode.lock().unwrap() = Mode::Card(card());
    assert_eq!(r.read_card(), Ok(card()));
}

#[test]
fn a_port_with_no_reader_is_named() {
    let e = find_reader(Some("/dev/counter-no-such-reader"))
        .err()
        .unwrap();
    assert!(e.to_string().starts_with("读卡器未连接"), "{e}");
    assert!(e.to_string().contains("/dev/counter-no-such-reader"), "{e}");
}
