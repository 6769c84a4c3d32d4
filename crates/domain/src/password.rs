//! Passwords: Entra's password policy, and the generator of temporary passwords.
//!
//! A [`Password`] only ever lives in memory on its way to being hashed or shown once to the
//! caller; its `Debug` output is redacted so it cannot slip into a log line.

use std::fmt;

use rand::Rng;
use rand::seq::SliceRandom;
use secrecy::{ExposeSecret, SecretString};

use crate::UserPrincipalName;

/// Symbols the policy allows, besides letters, digits and the space.
const POLICY_SYMBOLS: &str = "@#$%^&*-_!+=[]{}|\\:',.?/`~\"();<>";
/// Symbols used in generated passwords: the policy's, less those that need quoting in a shell,
/// a CSV file or a JSON string.
const GENERATED_SYMBOLS: &[u8] = b"@#$%^&*-_!+=?";
const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
const DIGITS: &[u8] = b"23456789";
/// First characters a spreadsheet reads as the start of a formula (OWASP's CSV injection list,
/// less tab and CR, which a generated password never has): a generated password never starts with
/// one, as it ends up in the upload's CSV answer.
const FORMULA_STARTS: &[char] = &['=', '+', '-', '@'];
/// Length of generated temporary passwords.
pub const GENERATED_LENGTH: usize = 16;

/// Why a password was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Shorter than 8 or longer than 256 characters.
    #[error("must be 8 to 256 characters long")]
    Length,
    /// A character outside the allowed set.
    #[error(
        "the character '{0}' is not allowed (allowed: A-Z a-z 0-9, space and @ # $ % ^ & * - _ ! + = [ ] {{ }} | \\ : ' , . ? / ` ~ \" ( ) ; < >)"
    )]
    Character(String),
    /// Fewer than 3 of the 4 character classes.
    #[error("must contain at least 3 of: an uppercase letter, a lowercase letter, a digit, a symbol")]
    Complexity,
    /// Contains the user name.
    #[error("must not contain the user name (the part of the user principal name before '@')")]
    ContainsUserName,
}

/// A password that satisfies the policy for one user.
#[derive(Clone)]
pub struct Password(SecretString);

impl Password {
    /// Checks `value` against Entra's policy for the user `upn`.
    pub fn parse(value: &str, upn: &UserPrincipalName) -> Result<Self, PasswordError> {
        check_policy(value, upn.local_part())?;
        Ok(Self(SecretString::from(value)))
    }

    /// A fresh temporary password for `upn`: 16 characters from the operating system's CSPRNG
    /// (through `rand`'s thread-local ChaCha generator, seeded from it), with every character
    /// class, never starting with `=`, `+`, `-` or `@` (drawn again, so nothing is biased).
    pub fn generate(upn: &UserPrincipalName) -> Self {
        let mut rng = rand::rng();
        let alphabet: Vec<u8> = [UPPER, LOWER, DIGITS, GENERATED_SYMBOLS].concat();
        loop {
            let mut chars: Vec<u8> = [UPPER, LOWER, DIGITS, GENERATED_SYMBOLS]
                .iter()
                .map(|class| class[rng.random_range(0..class.len())])
                .collect();
            while chars.len() < GENERATED_LENGTH {
                chars.push(alphabet[rng.random_range(0..alphabet.len())]);
            }
            chars.shuffle(&mut rng);
            let candidate: String = chars.into_iter().map(char::from).collect();
            if !candidate.starts_with(FORMULA_STARTS) && check_policy(&candidate, upn.local_part()).is_ok() {
                return Self(SecretString::from(candidate));
            }
        }
    }

    /// The plaintext, for hashing it or for handing it once to the caller.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

fn check_policy(value: &str, user_name: &str) -> Result<(), PasswordError> {
    let length = value.chars().count();
    if !(8..=256).contains(&length) {
        return Err(PasswordError::Length);
    }
    let (mut upper, mut lower, mut digit, mut symbol) = (false, false, false, false);
    for c in value.chars() {
        match c {
            'A'..='Z' => upper = true,
            'a'..='z' => lower = true,
            '0'..='9' => digit = true,
            ' ' => {}
            c if POLICY_SYMBOLS.contains(c) => symbol = true,
            c => return Err(PasswordError::Character(c.escape_default().to_string())),
        }
    }
    if [upper, lower, digit, symbol].iter().filter(|present| **present).count() < 3 {
        return Err(PasswordError::Complexity);
    }
    if !user_name.is_empty() && value.to_lowercase().contains(&user_name.to_lowercase()) {
        return Err(PasswordError::ContainsUserName);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn upn() -> UserPrincipalName {
        UserPrincipalName::parse("ana@contoso.onmicrosoft.com").unwrap()
    }

    #[test]
    fn policy_table() {
        let cases: &[(&str, Result<(), PasswordError>)] = &[
            ("Renew456*", Ok(())),
            ("abCD123*", Ok(())),
            ("Password!1", Ok(())),
            ("testPw@!122B", Ok(())),
            ("lower lower 1!", Ok(())),
            ("Ab1!", Err(PasswordError::Length)),
            ("abcdefgh", Err(PasswordError::Complexity)),
            ("abcdEFGH", Err(PasswordError::Complexity)),
            ("abcdEFGH1", Ok(())),
            ("Abc123!é", Err(PasswordError::Character("\\u{e9}".into()))),
            ("Abc1\t!xyz", Err(PasswordError::Character("\\t".into()))),
            ("xxANA123!", Err(PasswordError::ContainsUserName)),
        ];
        for (password, expected) in cases {
            assert_eq!(&Password::parse(password, &upn()).map(|_| ()), expected, "{password}");
        }
        assert_eq!(Password::parse(&"aA1!".repeat(64), &upn()).map(|_| ()), Ok(()));
        assert_eq!(
            Password::parse(&"aA1!".repeat(65), &upn()).map(|_| ()),
            Err(PasswordError::Length)
        );
    }

    #[test]
    fn debug_is_redacted() {
        let password = Password::parse("Renew456*", &upn()).unwrap();
        assert!(!format!("{password:?}").contains("Renew"));
    }

    #[test]
    fn generated_passwords_are_distinct() {
        let a = Password::generate(&upn());
        let b = Password::generate(&upn());
        assert_ne!(a.expose(), b.expose());
    }

    proptest! {
        #[test]
        fn generated_passwords_satisfy_the_policy(local in "[a-z]{1,6}") {
            let upn = UserPrincipalName::parse(&format!("{local}@contoso.com")).unwrap();
            let password = Password::generate(&upn);
            prop_assert_eq!(password.expose().len(), GENERATED_LENGTH);
            prop_assert!(Password::parse(password.expose(), &upn).is_ok());
        }

        #[test]
        fn generated_passwords_never_start_like_a_formula(local in "[a-z]{1,6}") {
            let upn = UserPrincipalName::parse(&format!("{local}@contoso.com")).unwrap();
            // Several per case: about one in seven would start with one if nothing prevented it.
            for _ in 0..20 {
                let password = Password::generate(&upn);
                prop_assert!(!password.expose().starts_with(FORMULA_STARTS), "{}", password.expose());
            }
        }

        #[test]
        fn policy_never_panics(s in "\\PC{0,300}") {
            let _ = Password::parse(&s, &upn());
        }
    }
}
