//! What the window's reader chip is told, decided in the workstation from the reader's
//! answers (the simulator on a pseudo-terminal), never from message text.

use counter_desk::{look_at_reader, ReaderState};
use counter_devices::sim::{sample_card, Mode, Simulator};
use counter_devices::Card;

fn card() -> Card {
    Card {
        valid_to: "2025-06-01".into(),
        ..sample_card()
    }
}

#[test]
fn each_answer_of_the_reader_is_a_state_with_its_words() {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
    for (mode, state, words) in [
        (Mode::Card(card()), ReaderState::Read, "已读卡"),
        (Mode::NoCard, ReaderState::NoCard, "请放卡"),
        (Mode::BadCheck(card()), ReaderState::Failed, "校验错误"),
    ] {
        let sim = Simulator::start(mode).unwrap();
        let look = look_at_reader(Some(&sim.path), today);
        assert_eq!(look.state, state, "{look:?}");
        assert!(look.message.contains(words), "{look:?}");
    }
    let sim = Simulator::start(Mode::Card(card())).unwrap();
    let read = look_at_reader(Some(&sim.path), today).card.unwrap();
    assert!(read.expired, "valid to 2025-06-01");
    let none = look_at_reader(Some("/dev/counter-no-reader"), today);
    assert_eq!(none.state, ReaderState::Absent);
    assert_eq!(none.message, "读卡器未连接");
}
