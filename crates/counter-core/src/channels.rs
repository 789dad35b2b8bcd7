//! 办理渠道: what the window says when the official list does not offer the window.
//!
//! Jiangsu's list ticks the channels of each item; five items (单位参保登记, 城乡居民参保登记,
//! 参保单位参保信息查询, 异地安置退休人员备案, 门诊慢特病病种待遇认定) tick no 窗口办. The list
//! describes how applicants apply, not what a counter may refuse, so the window still opens and
//! accepts such a case when an applicant brings the paper, and tells the clerk first to help the
//! applicant apply through the listed channel. Lists that print no channel column (the national
//! and Jiangxi lists) say nothing either way: no note.

use crate::catalog::Item;

/// Whether `channel` is a way to apply at a counter: the item channel 窗口办, or a bundle's
/// offline channel (线下：…窗口).
fn at_a_counter(channel: &str) -> bool {
    channel == "窗口办" || channel.starts_with("线下")
}

/// The note shown on a case whose item's list names channels but not the window.
pub fn window_note(item: &Item) -> Option<String> {
    if item.channels.is_empty() || item.channels.iter().any(|c| at_a_counter(c)) {
        return None;
    }
    Some(format!(
        "清单未列窗口办理渠道（所列渠道：{}）：请先协助申请人通过所列渠道申请；申请人已携带纸质材料到窗口的，可照常受理。",
        item.channels.join("、")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_items_whose_list_names_channels_without_the_window_get_a_note() {
        let set = crate::bundled::catalogs().unwrap();
        let js = set.get("jiangsu-2024").unwrap();
        let noted: Vec<&str> = js
            .items
            .iter()
            .filter(|i| window_note(i).is_some())
            .map(|i| i.code.as_str())
            .collect();
        assert_eq!(
            noted,
            [
                "322036008011",
                "322036008002",
                "322036065004",
                "322036013001",
                "322036007001"
            ]
        );
        let note = window_note(js.item("322036008002").unwrap()).unwrap();
        assert!(note.contains("所列渠道：线上办"), "{note}");
        // No channel column at all: nothing to say.
        let nat = set.get("national").unwrap();
        assert!(nat.items.iter().all(|i| window_note(i).is_none()));
    }
}
