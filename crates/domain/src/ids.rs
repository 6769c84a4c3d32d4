//! Identifiers: UUID newtypes, so a customer id can never be passed where a user id is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new random (v4) identifier.
            pub fn new() -> Self {
                Self(Uuid::new_v4())
            }

            /// Wraps an identifier read from storage or from a trusted source.
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }

            /// The underlying UUID.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            /// Parses any of the usual UUID spellings (hyphenated, simple, braced, any case).
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }
    };
}

uuid_id!(
    /// A CSP partner: the owner of customers, and the scope of every bearer token.
    PartnerId
);
uuid_id!(
    /// A customer tenant of a partner (Partner Center's customer-tenant-id).
    CustomerId
);
uuid_id!(
    /// A user account in a customer's tenant.
    UserId
);
uuid_id!(
    /// An Entra directory role template (Company Administrator, Helpdesk Administrator, …).
    DirectoryRoleId
);
uuid_id!(
    /// The provider instance a customer belongs to (CloudCockpit's `providerInstanceId`).
    ProviderInstanceId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_any_uuid_spelling_and_prints_hyphenated_lowercase() {
        let id: UserId = "{95794928-9ABE-4548-8B43-50FFC20B9404}".parse().unwrap();
        assert_eq!(id.to_string(), "95794928-9abe-4548-8b43-50ffc20b9404");
        assert!("not-a-uuid".parse::<UserId>().is_err());
    }
}
