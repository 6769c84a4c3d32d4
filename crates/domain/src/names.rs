//! Names: a user's first, last and display name, and a customer's company name.

use std::fmt;

/// The longest first, last or display name Partner Center accepts, in characters.
pub const MAX_NAME_CHARS: usize = 50;

fn check_name(value: &str, max: usize) -> Result<(), String> {
    if value.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if value.chars().any(char::is_control) {
        return Err("must not contain control characters".to_owned());
    }
    Ok(())
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
        check_name(value, MAX_NAME_CHARS)?;
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return Err("is required".to_owned());
        }
        Ok(Self(trimmed.to_owned()))
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
        check_name(value, 256)?;
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return Err("is required".to_owned());
        }
        Ok(Self(trimmed.to_owned()))
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
        assert_eq!(DisplayName::parse("   ").unwrap_err(), "is required");
        assert!(DisplayName::parse("a\u{0}b").is_err());
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
            let expected = s.chars().count() <= 50 && !s.trim().is_empty();
            prop_assert_eq!(ok, expected);
        }
    }
}
