//! Names: a user's first, last and display name, and a customer's company name.

use std::fmt;

/// The longest first, last or display name Partner Center accepts, in characters.
pub const MAX_NAME_CHARS: usize = 50;

/// Characters that are invisible or reorder text, so a name holding one can pass for another in a
/// list: bidirectional controls and zero-width or invisible formatting characters, with the name
/// the error message gives them.
const INVISIBLE: &[(char, &str)] = &[
    ('\u{061C}', "ARABIC LETTER MARK"),
    ('\u{200B}', "ZERO WIDTH SPACE"),
    ('\u{200C}', "ZERO WIDTH NON-JOINER"),
    ('\u{200D}', "ZERO WIDTH JOINER"),
    ('\u{200E}', "LEFT-TO-RIGHT MARK"),
    ('\u{200F}', "RIGHT-TO-LEFT MARK"),
    ('\u{202A}', "LEFT-TO-RIGHT EMBEDDING"),
    ('\u{202B}', "RIGHT-TO-LEFT EMBEDDING"),
    ('\u{202C}', "POP DIRECTIONAL FORMATTING"),
    ('\u{202D}', "LEFT-TO-RIGHT OVERRIDE"),
    ('\u{202E}', "RIGHT-TO-LEFT OVERRIDE"),
    ('\u{2060}', "WORD JOINER"),
    ('\u{2066}', "LEFT-TO-RIGHT ISOLATE"),
    ('\u{2067}', "RIGHT-TO-LEFT ISOLATE"),
    ('\u{2068}', "FIRST STRONG ISOLATE"),
    ('\u{2069}', "POP DIRECTIONAL ISOLATE"),
    ('\u{FEFF}', "ZERO WIDTH NO-BREAK SPACE"),
];

/// Why `c` may not be in a name, if it may not: a control character (Unicode category Cc) or one
/// of [`INVISIBLE`].
fn refused_character(c: char) -> Option<String> {
    // Most characters pass: the message is only built for one that does not.
    if c.is_ascii_graphic() || c == ' ' {
        return None;
    }
    let code = || format!("U+{:04X}", u32::from(c));
    if c.is_control() {
        return Some(format!("must not contain the control character {}", code()));
    }
    INVISIBLE
        .iter()
        .find(|(invisible, _)| *invisible == c)
        .map(|(_, name)| {
            format!(
                "must not contain the invisible or text-direction character {} ({name})",
                code()
            )
        })
}

fn check_name(value: &str, max: usize) -> Result<(), String> {
    // Most names are printable ASCII, where a byte is a character: one pass over the bytes
    // decides them (every name of a list read is checked again).
    if value.len() <= max && value.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
        return Ok(());
    }
    if value.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    match value.chars().find_map(refused_character) {
        Some(reason) => Err(reason),
        None => Ok(()),
    }
}

/// A name that must not be blank, of at most `max` characters: trimmed.
fn required_name(value: &str, max: usize) -> Result<String, String> {
    check_name(value, max)?;
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err("is required".to_owned());
    }
    Ok(trimmed.to_owned())
}

/// A first or last name: at most 50 characters. An empty name means "no name".
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PersonName(String);

impl PersonName {
    /// `Ok(None)` for an empty (or all-blank) name, which clears it.
    pub fn parse(value: &str) -> Result<Option<Self>, String> {
        check_name(value, MAX_NAME_CHARS)?;
        let trimmed = value.trim();
        Ok((!trimmed.is_empty()).then(|| Self(trimmed.to_owned())))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name shown for a user: required, at most 50 characters.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DisplayName(String);

impl DisplayName {
    /// Parses a display name; blank names are refused.
    pub fn parse(value: &str) -> Result<Self, String> {
        required_name(value, MAX_NAME_CHARS).map(Self)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A customer's company name: required, at most 256 characters.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CompanyName(String);

impl CompanyName {
    /// Parses a company name; blank names are refused.
    pub fn parse(value: &str) -> Result<Self, String> {
        required_name(value, 256).map(Self)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn display_name_limits() {
        assert!(DisplayName::parse(&"x".repeat(50)).is_ok());
        assert_eq!(
            DisplayName::parse(&"x".repeat(51)).unwrap_err(),
            "must be at most 50 characters"
        );
        // Characters, not bytes: 50 accented letters are fine.
        assert!(DisplayName::parse(&"é".repeat(50)).is_ok());
        assert!(DisplayName::parse(&"é".repeat(51)).is_err());
        assert!(DisplayName::parse("Ana\u{7f}").is_err());
        assert_eq!(DisplayName::parse("   ").unwrap_err(), "is required");
        assert!(DisplayName::parse("a\u{0}b").is_err());
    }

    #[test]
    fn invisible_and_direction_characters_are_refused_by_name() {
        assert_eq!(
            DisplayName::parse("Ana\u{202E}lanoitan").unwrap_err(),
            "must not contain the invisible or text-direction character U+202E (RIGHT-TO-LEFT OVERRIDE)"
        );
        assert_eq!(
            PersonName::parse("A\u{200B}na").unwrap_err(),
            "must not contain the invisible or text-direction character U+200B (ZERO WIDTH SPACE)"
        );
        assert_eq!(
            CompanyName::parse("Contoso\u{7}").unwrap_err(),
            "must not contain the control character U+0007"
        );
        for (c, _) in INVISIBLE {
            let name = format!("Ana{c}Lima");
            assert!(DisplayName::parse(&name).is_err(), "{c:?}");
            assert!(PersonName::parse(&name).is_err(), "{c:?}");
            assert!(CompanyName::parse(&name).is_err(), "{c:?}");
        }
        // Letters of every script stay welcome, and so do combining marks.
        for name in ["José Müller", "Zoë", "محمد", "李小龙", "e\u{301}"] {
            assert!(DisplayName::parse(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn empty_person_name_clears() {
        assert_eq!(PersonName::parse("").unwrap(), None);
        assert_eq!(PersonName::parse(" Ana ").unwrap().unwrap().as_str(), "Ana");
    }

    proptest! {
        #[test]
        fn display_name_accepts_exactly_the_short_printable_ones(s in "\\PC{0,60}") {
            let ok = DisplayName::parse(&s).is_ok();
            let visible = !s.chars().any(|c| INVISIBLE.iter().any(|(i, _)| *i == c));
            let expected = s.chars().count() <= 50 && !s.trim().is_empty() && visible;
            prop_assert_eq!(ok, expected);
        }

        #[test]
        fn names_with_a_refused_character_are_refused(
            before in "\\PC{0,10}",
            after in "\\PC{0,10}",
            index in 0..INVISIBLE.len() + 3,
        ) {
            let refused = ['\u{0}', '\u{1b}', '\u{9f}'];
            let c = INVISIBLE.get(index).map_or_else(|| refused[index - INVISIBLE.len()], |(c, _)| *c);
            let name = format!("{before}{c}{after}");
            let code = format!("U+{:04X}", u32::from(c));
            for error in [
                DisplayName::parse(&name).err(),
                PersonName::parse(&name).err(),
                CompanyName::parse(&name).err(),
            ] {
                let error = error.unwrap_or_default();
                // `\\PC` has no control or format characters, so `c` is the first refused one.
                prop_assert!(error.contains(&code), "{name:?}: {error}");
            }
        }
    }
}
