//! Identity numbers: 居民身份证号码 (GB 11643) and 统一社会信用代码 (GB 32100), and masking.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use ts_rs::TS;

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";
const USCC_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Why a 居民身份证号码 is not valid. Messages are for the counter (Chinese).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResidentIdError {
    #[error("身份证号码应为18位（或15位旧号码），实际为{0}位")]
    Length(usize),
    #[error("身份证号码第{0}位应为数字")]
    NotDigit(usize),
    #[error("身份证号码中的出生日期{0}不存在")]
    BadBirthDate(String),
    #[error("身份证号码中的出生日期{0}晚于今天")]
    FutureBirthDate(String),
    #[error("身份证号码校验位不符：应为{expected}，实际为{found}，请核对是否输错")]
    CheckCharacter { expected: char, found: char },
}

/// A valid 居民身份证号码, normalised (upper-case X; 15-digit numbers kept as given).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ResidentId {
    pub number: String,
    #[ts(type = "string")]
    pub birth_date: NaiveDate,
    /// 行政区划代码 of the issuing place (first six digits).
    pub region: String,
    pub male: bool,
    /// A 15-digit number issued before 1999.
    pub legacy: bool,
}

fn birth(text: &str, pos: &str, today: NaiveDate) -> Result<NaiveDate, ResidentIdError> {
    let date = NaiveDate::parse_from_str(text, "%Y%m%d")
        .ok()
        .filter(|d| d.year() >= 1900)
        .ok_or_else(|| ResidentIdError::BadBirthDate(pos.to_string()))?;
    if date > today {
        return Err(ResidentIdError::FutureBirthDate(pos.to_string()));
    }
    Ok(date)
}

/// The check character for the first 17 digits of an 18-digit number.
pub fn resident_id_check_char(first17: &[u8]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    ID_CHECK[(sum % 11) as usize] as char
}

/// Validates a 居民身份证号码 as typed or scanned (surrounding spaces and a lower-case x are
/// accepted). `today` bounds the birth date.
pub fn validate_resident_id(input: &str, today: NaiveDate) -> Result<ResidentId, ResidentIdError> {
    let number = input.trim().to_ascii_uppercase();
    let bytes = number.as_bytes();
    match bytes.len() {
        18 => {
            if let Some(p) = bytes[..17].iter().position(|b| !b.is_ascii_digit()) {
                return Err(ResidentIdError::NotDigit(p + 1));
            }
            let last = bytes[17];
            if !(last.is_ascii_digit() || last == b'X') {
                return Err(ResidentIdError::NotDigit(18));
            }
            let birth_date = birth(&number[6..14], &number[6..14], today)?;
            let expected = resident_id_check_char(&bytes[..17]);
            if expected != last as char {
                return Err(ResidentIdError::CheckCharacter {
                    expected,
                    found: last as char,
                });
            }
            Ok(ResidentId {
                region: number[..6].to_string(),
                male: (bytes[16] - b'0') % 2 == 1,
                birth_date,
                number,
                legacy: false,
            })
        }
        15 => {
            if let Some(p) = bytes.iter().position(|b| !b.is_ascii_digit()) {
                return Err(ResidentIdError::NotDigit(p + 1));
            }
            let birth_date = birth(&format!("19{}", &number[6..12]), &number[6..12], today)?;
            Ok(ResidentId {
                region: number[..6].to_string(),
                male: (bytes[14] - b'0') % 2 == 1,
                birth_date,
                number,
                legacy: true,
            })
        }
        _ => Err(ResidentIdError::Length(number.chars().count())),
    }
}

/// The 18-digit form of a valid 15-digit number (century 19 inserted, check character added).
pub fn upgrade_legacy_id(id: &ResidentId) -> String {
    if !id.legacy {
        return id.number.clone();
    }
    let first17 = format!("{}19{}", &id.number[..6], &id.number[6..]);
    let check = resident_id_check_char(first17.as_bytes());
    format!("{first17}{check}")
}

/// Why a 统一社会信用代码 is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("统一社会信用代码应为18位，实际为{0}位")]
    Length(usize),
    #[error("统一社会信用代码第{position}位“{found}”不是允许的字符（不含 I、O、Z、S、V）")]
    BadCharacter { position: usize, found: char },
    /// Some real early codes fail the check: a supervisor may override this one.
    #[error("统一社会信用代码校验位不符：应为{expected}，实际为{found}；如确认证照无误，可由主管核实后继续")]
    CheckCharacter { expected: char, found: char },
}

impl CreditCodeError {
    /// Whether a supervisor may accept the code anyway (only a check-character mismatch).
    pub fn overridable(&self) -> bool {
        matches!(self, CreditCodeError::CheckCharacter { .. })
    }
}

/// The check character for the first 17 characters of a credit code (all in the alphabet).
pub fn credit_code_check_char(first17: &str) -> char {
    let sum: u32 = first17
        .chars()
        .zip(USCC_WEIGHTS)
        .map(|(c, w)| USCC_ALPHABET.find(c).unwrap_or(0) as u32 * w)
        .sum();
    let check = (31 - sum % 31) % 31;
    USCC_ALPHABET.as_bytes()[check as usize] as char
}

/// Validates a 统一社会信用代码 (spaces around and lower case are accepted); returns it
/// normalised.
pub fn validate_credit_code(input: &str) -> Result<String, CreditCodeError> {
    let code = input.trim().to_ascii_uppercase();
    let n = code.chars().count();
    if n != 18 {
        return Err(CreditCodeError::Length(n));
    }
    if let Some((i, c)) = code
        .chars()
        .enumerate()
        .find(|(_, c)| !USCC_ALPHABET.contains(*c))
    {
        return Err(CreditCodeError::BadCharacter {
            position: i + 1,
            found: c,
        });
    }
    let expected = credit_code_check_char(&code[..17]);
    let found = code.as_bytes()[17] as char;
    if expected != found {
        return Err(CreditCodeError::CheckCharacter { expected, found });
    }
    Ok(code)
}

/// Masks an identity number for lists and logs: first four and last four characters kept.
pub fn mask_id(number: &str) -> String {
    let chars: Vec<char> = number.trim().chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 8))
}

/// What a number typed at the counter turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdCheck {
    Resident(ResidentId),
    CreditCode(String),
}

/// Why a number is neither kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdCheckError {
    #[error("{0}")]
    Resident(#[from] ResidentIdError),
    #[error("{0}")]
    CreditCode(#[from] CreditCodeError),
}

/// Decides whether `input` is a valid 居民身份证号码 or 统一社会信用代码. When it is neither, the
/// reason given is that of the kind it most looks like: 15 characters, or 17 leading digits
/// with a plausible birth date, are read as an ID number.
pub fn check_any(input: &str, today: NaiveDate) -> Result<IdCheck, IdCheckError> {
    let resident = match validate_resident_id(input, today) {
        Ok(r) => return Ok(IdCheck::Resident(r)),
        Err(e) => e,
    };
    let credit = match validate_credit_code(input) {
        Ok(c) => return Ok(IdCheck::CreditCode(c)),
        Err(e) => e,
    };
    let s = input.trim();
    let looks_like_id = s.is_ascii()
        && match s.len() {
            15 => true,
            18 => {
                s[..17].bytes().all(|b| b.is_ascii_digit())
                    && NaiveDate::parse_from_str(&s[6..14], "%Y%m%d").is_ok()
            }
            n => {
                n != 18
                    && s.bytes()
                        .all(|b| b.is_ascii_digit() || b == b'x' || b == b'X')
            }
        };
    Err(if looks_like_id {
        resident.into()
    } else {
        credit.into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    // The GB 11643 standard's own example number.
    const STANDARD_EXAMPLE: &str = "11010519491231002X";

    #[test]
    fn the_standard_example_is_valid() {
        let id = validate_resident_id(STANDARD_EXAMPLE, today()).unwrap();
        assert_eq!(
            id.birth_date,
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert!(!id.male);
        assert_eq!(id.region, "110105");
        assert!(validate_resident_id(" 11010519491231002x ", today()).is_ok());
    }

    #[test]
    fn wrong_check_character_length_digits_and_dates_are_reported() {
        assert_eq!(
            validate_resident_id("110105194912310021", today()),
            Err(ResidentIdError::CheckCharacter {
                expected: 'X',
                found: '1'
            })
        );
        assert_eq!(
            validate_resident_id("1101051949123100", today()),
            Err(ResidentIdError::Length(16))
        );
        assert_eq!(
            validate_resident_id("11010519491231A02X", today()),
            Err(ResidentIdError::NotDigit(15))
        );
        assert!(matches!(
            validate_resident_id("110105194902300024", today()),
            Err(ResidentIdError::BadBirthDate(_))
        ));
        let future = "11010520301231002";
        let check = resident_id_check_char(future.as_bytes());
        assert!(matches!(
            validate_resident_id(&format!("{future}{check}"), today()),
            Err(ResidentIdError::FutureBirthDate(_))
        ));
    }

    #[test]
    fn legacy_15_digit_numbers_are_read_and_upgraded() {
        let id = validate_resident_id("110105491231002", today()).unwrap();
        assert!(id.legacy);
        assert_eq!(
            id.birth_date,
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert_eq!(upgrade_legacy_id(&id), STANDARD_EXAMPLE);
        assert!(matches!(
            validate_resident_id("110105491331002", today()),
            Err(ResidentIdError::BadBirthDate(_))
        ));
    }

    #[test]
    fn credit_codes_are_checked_and_a_bad_check_may_be_overridden() {
        // A code built by the standard's rule (check character computed, not copied).
        let body = "91320100MA1MXXXXX".replace('X', "2");
        let code = format!("{body}{}", credit_code_check_char(&body));
        assert_eq!(validate_credit_code(&code.to_lowercase()), Ok(code.clone()));
        let wrong = if code.ends_with('0') { '1' } else { '0' };
        let e = validate_credit_code(&format!("{body}{wrong}")).unwrap_err();
        assert!(e.overridable());
        let e = validate_credit_code("91320100MA1MI2222Y").unwrap_err();
        assert_eq!(
            e,
            CreditCodeError::BadCharacter {
                position: 13,
                found: 'I'
            }
        );
        assert!(!e.overridable());
        assert_eq!(
            validate_credit_code("9132"),
            Err(CreditCodeError::Length(4))
        );
    }

    #[test]
    fn masking_keeps_four_and_four() {
        assert_eq!(mask_id(STANDARD_EXAMPLE), "1101**********002X");
        assert_eq!(mask_id("123"), "***");
    }

    #[test]
    fn check_any_tells_the_kinds_apart() {
        assert!(matches!(
            check_any(STANDARD_EXAMPLE, today()),
            Ok(IdCheck::Resident(_))
        ));
        assert!(matches!(
            check_any("110105194912310021", today()),
            Err(IdCheckError::Resident(
                ResidentIdError::CheckCharacter { .. }
            ))
        ));
        assert!(matches!(
            check_any("91320100MA1MI2222Y", today()),
            Err(IdCheckError::CreditCode(_))
        ));
    }

    proptest! {
        #[test]
        fn any_well_formed_number_validates_and_any_single_digit_change_is_caught(
            region in 110000u32..660000, days in 0i64..40000, seq in 0u32..1000, pos in 0usize..17, delta in 1u8..10
        ) {
            let birth = NaiveDate::from_ymd_opt(1910, 1, 1).unwrap() + chrono::Days::new(days as u64);
            prop_assume!(birth <= today());
            let first17 = format!("{region:06}{}{seq:03}", birth.format("%Y%m%d"));
            let number = format!("{first17}{}", resident_id_check_char(first17.as_bytes()));
            let id = validate_resident_id(&number, today()).unwrap();
            prop_assert_eq!(id.birth_date, birth);
            // MOD 11-2 detects every single-digit substitution.
            let mut bytes = number.clone().into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(validate_resident_id(&changed, today()).is_err());
        }

        #[test]
        fn credit_code_detects_every_single_substitution(
            idx in proptest::collection::vec(0usize..31, 17), pos in 0usize..17, delta in 1usize..31
        ) {
            let alphabet: Vec<char> = USCC_ALPHABET.chars().collect();
            let body: String = idx.iter().map(|i| alphabet[*i]).collect();
            let code = format!("{body}{}", credit_code_check_char(&body));
            prop_assert_eq!(validate_credit_code(&code), Ok(code.clone()));
            let mut chars: Vec<char> = code.chars().collect();
            chars[pos] = alphabet[(idx[pos] + delta) % 31];
            let changed: String = chars.into_iter().collect();
            prop_assert!(validate_credit_code(&changed).is_err());
        }

        #[test]
        fn validators_never_panic_on_arbitrary_input(s in "\\PC{0,24}") {
            let _ = validate_resident_id(&s, today());
            let _ = validate_credit_code(&s);
            let _ = check_any(&s, today());
            let _ = mask_id(&s);
        }
    }
}
