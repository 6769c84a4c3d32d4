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
        if !value.contains('.') {
            return Err("must be a domain name such as contoso.onmicrosoft.com".to_owned());
        }
        for label in value.split('.') {
            let valid = !label.is_empty()
                && label.len() <= 63
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-');
            if !valid {
                return Err(format!("'{value}' is not a valid domain name"));
            }
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

fn is_local_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '\'' | '.' | '-' | '_' | '!' | '#' | '^' | '~')
}

impl UserPrincipalName {
    /// Parses a user principal name by API.md's rules. Whether the domain belongs to the customer
    /// is checked by [`crate::Customer::owns`], which needs the customer.
    pub fn parse(value: &str) -> Result<Self, String> {
        let value = value.trim();
        if value.is_empty() {
            return Err("is required".to_owned());
        }
        let Some((local, domain)) = value.split_once('@') else {
            return Err(format!("'{value}' must have the form local@domain"));
        };
        if local.is_empty() {
            return Err("must have a local part before '@'".to_owned());
        }
        // A character is at least a byte: only a long local part needs counting.
        if local.len() > MAX_LOCAL_CHARS && local.chars().count() > MAX_LOCAL_CHARS {
            return Err(format!(
                "the part before '@' must be at most {MAX_LOCAL_CHARS} characters"
            ));
        }
        if let Some(bad) = local.chars().find(|c| !is_local_char(*c)) {
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
            at: local.len(),
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
        let ok = ["ana@contoso.onmicrosoft.com", "o'neil.x_y-z!#^~@a.io", "A@B.CO"];
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

        #[test]
        fn parser_never_panics(s in "\\PC{0,120}") {
            let _ = UserPrincipalName::parse(&s);
            let _ = DomainName::parse(&s);
        }
    }
}
