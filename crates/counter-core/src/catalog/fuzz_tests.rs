//! The catalog loader against garbled input: every shipped catalog, cut, spliced or with
//! characters replaced (as OCR and hand edits garble them), and arbitrary text. It never
//! panics, and what it refuses it refuses with at least one error in words.

use proptest::prelude::*;

use crate::bundled::CATALOG_FILES;
use crate::CatalogSet;

/// Characters garbling is made of: TOML's own punctuation, digits, CJK, quotes, newlines.
fn garbage() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            "\"",
            "'",
            "[",
            "]",
            "{",
            "}",
            "=",
            ",",
            ".",
            "\n",
            "#",
            "0",
            "9",
            "-",
            "材",
            "料",
            "、",
            "（",
            "）",
            "\\",
            " ",
            "true",
            "[[items]]",
            "key",
            "\u{0}",
            "\u{feff}",
        ]),
        0..12,
    )
    .prop_map(|v| v.concat())
}

fn load(name: &str, text: &str) {
    match CatalogSet::from_texts(&[(name, text)]) {
        Ok(set) => {
            // An accepted file is a catalog.
            assert!(!set.catalogs.is_empty());
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "refused without a reason");
            for e in &errors {
                assert!(!e.to_string().is_empty());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn a_garbled_catalog_is_refused_in_words_never_a_panic(
        file in 0..CATALOG_FILES.len(),
        at in 0.0f64..1.0,
        cut in 0usize..400,
        insert in garbage(),
    ) {
        let (name, text) = CATALOG_FILES[file];
        let chars: Vec<char> = text.chars().collect();
        let start = ((chars.len() as f64) * at) as usize;
        let end = (start + cut).min(chars.len());
        let garbled: String = chars[..start]
            .iter()
            .chain(insert.chars().collect::<Vec<_>>().iter())
            .chain(chars[end..].iter())
            .collect();
        load(name, &garbled);
    }

    #[test]
    fn arbitrary_text_is_refused_in_words(text in ".{0,400}") {
        load("any.toml", &text);
    }
}
