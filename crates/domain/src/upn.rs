//! User principal names (`local@domain`) and the DNS domains customers own.

use std::fmt;

/// The longest domain a user principal name may have, in characters.
pub const MAX_DOMAIN_CHARS: usize = 48;
/// The longest local part of a user principal name, in characters.
pub const MAX_LOCAL_CHARS: usize = 64;

/// A DNS domain a customer owns, such as `contoso.onmicrosoft.com`: stored in lowercase.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct DomainName(String);

impl DomainName {
    /// Parses a domain: dot-separated labels of letters, digits and inner hyphens, at least two
    /// labels, at most 48 characters (a longer one could not hold a user principal name).
    pub fn parse(value: &str) -> Result<Self, String> {
        let value = value.trim();
        Self::check(value)?;
        Ok(Self(value.to_ascii_lowercase()))
    }

    /// Whether `value` is a domain, without making one. Blanks are not trimmed here: the domain of
    /// a UPN may not start with one.
    fn check(value: &str) -> Result<(), String> {
        if value.is_empty() {
            return Err("is required".to_owned());
        }
        if value.len() > MAX_DOMAIN_CHARS {
            return Err(format!("must be at most {MAX_DOMAIN_CHARS} characters"));
        }
        // Byte by byte: a domain is ASCII, so a byte that is not one of its characters (a byte of
        // a longer character included) makes it invalid, as that character would.
        if !value.bytes().any(|b| b == b'.') {
            return Err("must be a domain name such as contoso.onmicrosoft.com".to_owned());
        }
        let valid_label = |label: &[u8]| match (label.first(), label.last()) {
            (Some(&first), Some(&last)) => {
                label.len() <= 63
                    && first != b'-'
                    && last != b'-'
                    && label.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-')
            }
            _ => false,
        };
        if !value.as_bytes().split(|&b| b == b'.').all(valid_label) {
            return Err(format!("'{value}' is not a valid domain name"));
        }
        Ok(())
    }

    /// The domain, lowercase.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A user principal name, `local@domain`, kept as written; compared case-insensitively.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct UserPrincipalName {
    value: String,
    at: usize,
}

/// Whether `byte` may stand in a local part: an ASCII letter or digit, or one of `' . - _ ! # ^ ~`.
/// Every such character is one byte, so a local part is valid when each of its bytes is.
fn is_local_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'\'' | b'.' | b'-' | b'_' | b'!' | b'#' | b'^' | b'~')
}

impl UserPrincipalName {
    /// Parses a user principal name by API.md's rules. Whether the domain belongs to the customer
    /// is checked by [`crate::Customer::owns`], which needs the customer.
    ///
    /// Every stored user's name is parsed again as it is read, a hundred to a page, so the
    /// checks go over bytes, not characters; characters are only counted and named for an
    /// error's message.
    pub fn parse(value: &str) -> Result<Self, String> {
        let value = value.trim();
        if value.is_empty() {
            return Err("is required".to_owned());
        }
        let Some(at) = value.bytes().position(|b| b == b'@') else {
            return Err(format!("'{value}' must have the form local@domain"));
        };
        let (local, domain) = (&value[..at], &value[at + 1..]);
        if local.is_empty() {
            return Err("must have a local part before '@'".to_owned());
        }
        let ascii = local.bytes().all(is_local_byte);
        let chars = if ascii { local.len() } else { local.chars().count() };
        if chars > MAX_LOCAL_CHARS {
            return Err(format!(
                "the part before '@' must be at most {MAX_LOCAL_CHARS} characters"
            ));
        }
        if !ascii {
            let bad = local
                .chars()
                .find(|c| !u8::try_from(*c).is_ok_and(is_local_byte))
                .unwrap_or_default();
            return Err(format!(
                "the character '{}' is not allowed before '@' (allowed: letters, digits and ' . - _ ! # ^ ~)",
                bad.escape_default()
            ));
        }
        if local.ends_with('.') {
            return Err("must not have a '.' just before '@'".to_owned());
        }
        DomainName::check(domain).map_err(|e| format!("domain {e}"))?;
        Ok(Self {
            value: value.to_owned(),
            at,
        })
    }

    /// The name as written.
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The part before `@`.
    pub fn local_part(&self) -> &str {
        &self.value[..self.at]
    }

    /// The domain after `@`, lowercase.
    pub fn domain(&self) -> DomainName {
        DomainName(self.value[self.at + 1..].to_ascii_lowercase())
    }

    /// The lowercase form uniqueness is decided on.
    pub fn normalized(&self) -> String {
        self.value.to_ascii_lowercase()
    }
}

impl fmt::Display for UserPrincipalName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn check_upns() {
        // Blanks around it, Unicode's included, are trimmed.
        let ok = [
            "ana@contoso.onmicrosoft.com",
            "o'neil.x_y-z!#^~@a.io",
            "A@B.CO",
            "\u{2003}ana@contoso.com\u{a0}",
        ];
        for upn in ok {
            assert!(UserPrincipalName::parse(upn).is_ok(), "{upn}");
        }
        let bad = [
            ("", "is required"),
            ("ana", "must have the form local@domain"),
            ("@contoso.com", "local part"),
            ("ana.@contoso.com", "just before '@'"),
            ("an a@contoso.com", "not allowed"),
            ("josé@contoso.com", "the character '\\u{e9}' is not allowed"),
            ("ana@ contoso.com", "domain ' contoso.com' is not a valid domain name"),
            ("ana@\ncontoso.com", "is not a valid domain name"),
            ("ana@contoso", "domain"),
            ("ana@@contoso.com", "domain"),
            ("a+b@contoso.com", "the character '+' is not allowed"),
            ("ana@-contoso.com", "is not a valid domain name"),
            ("ana@contoso-.com", "is not a valid domain name"),
            ("ana@contoso..com", "is not a valid domain name"),
            ("ana@contoso.com.", "is not a valid domain name"),
        ];
        for (upn, why) in bad {
            let err = UserPrincipalName::parse(upn).unwrap_err();
            assert!(err.contains(why), "{upn}: {err}");
        }
        let long_local = format!("{}@a.io", "a".repeat(65));
        assert!(UserPrincipalName::parse(&long_local).is_err());
        assert!(UserPrincipalName::parse(&format!("{}@a.io", "a".repeat(64))).is_ok());
        let long_domain = format!("a@{}.io", "d".repeat(46));
        assert!(UserPrincipalName::parse(&long_domain).is_err());
        assert!(UserPrincipalName::parse(&format!("a@{}.io", "d".repeat(45))).is_ok());
        // Characters are counted, not bytes: 65 characters are too many whatever they are, and 33
        // two-byte ones are refused for what they are, not for their 66 bytes.
        let long_local = format!("{}é@a.io", "a".repeat(64));
        let err = UserPrincipalName::parse(&long_local).unwrap_err();
        assert!(err.contains("at most 64 characters"), "{err}");
        let err = UserPrincipalName::parse(&format!("{}@a.io", "é".repeat(33))).unwrap_err();
        assert!(err.contains("the character '\\u{e9}' is not allowed"), "{err}");
    }

    #[test]
    fn parts_and_normalisation() {
        let upn = UserPrincipalName::parse("Ana.Lima@Contoso.OnMicrosoft.com").unwrap();
        assert_eq!(upn.local_part(), "Ana.Lima");
        assert_eq!(upn.domain().as_str(), "contoso.onmicrosoft.com");
        assert_eq!(upn.normalized(), "ana.lima@contoso.onmicrosoft.com");
        assert_eq!(upn.as_str(), "Ana.Lima@Contoso.OnMicrosoft.com");
    }

    proptest! {
        #[test]
        fn generated_valid_upns_parse(local in "[A-Za-z0-9'_!#^~-][A-Za-z0-9'._!#^~-]{0,62}[A-Za-z0-9'_!#^~-]",
                                      domain in "[a-z0-9]{1,10}\\.[a-z]{2,6}") {
            let upn = format!("{local}@{domain}");
            let parsed = UserPrincipalName::parse(&upn).unwrap();
            prop_assert_eq!(parsed.local_part(), local.as_str());
            prop_assert_eq!(parsed.domain().to_string(), domain);
        }

        /// The byte-wise checks accept exactly what the rules, written as a regular expression,
        /// accept: strings drawn from a UPN's characters and their near misses (blanks, a second
        /// `@`, a letter of more than one byte, empty labels, hyphens at a label's ends, a local
        /// part or a domain about as long as allowed).
        #[test]
        fn parse_accepts_what_the_rules_accept(
            s in prop_oneof![
                1 => "[ ]?[aZ09'._!#^~é@+-]{0,66}[ ]?",
                1 => "[a-zé.'+#~-]{0,5}@[a-zA-Z]{1,3}\\.[a-zA-Z]{2,3}",
                1 => "[a-z]{1,3}@([aZ0é-]{0,3}\\.){0,3}[a0-]{0,3}",
                2 => "[a.]{63,65}@[a-]{1,3}\\.io",
                2 => "a@[a-z]{21,25}\\.[a-z-]{21,25}",
            ],
        ) {
            static RULES: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
                regex::Regex::new(
                    "^[A-Za-z0-9'._!#^~-]{0,63}[A-Za-z0-9'_!#^~-]@\
                     [A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$",
                )
                .unwrap()
            });
            let trimmed = s.trim();
            let domain = trimmed.split_once('@').map_or("", |(_, domain)| domain);
            let valid = RULES.is_match(trimmed) && domain.len() <= MAX_DOMAIN_CHARS;
            prop_assert_eq!(UserPrincipalName::parse(&s).is_ok(), valid, "{:?}", s);
        }

        #[test]
        fn parser_never_panics(s in "\\PC{0,120}") {
            let _ = UserPrincipalName::parse(&s);
            let _ = DomainName::parse(&s);
        }
    }
}
