//! The JSON of users: [`render`], the wire's `CustomerUser` of a user, for the answers that carry
//! a password or are recorded for replay, and [`reply`], such an answer of a user handler (Partner
//! Center's and CloudCockpit's); and [`user`] and [`users_page`], the JSON of a user and of a page
//! of users written straight from the domain's users, for GET and list.
//!
//! A page of users is most of what a list costs to answer after the read itself. Through serde,
//! each of its hundred users would first be copied into an owned `CustomerUser`, then written key
//! by key, every key and value scanned for characters to escape. Here the keys are literals, the
//! values are borrowed from the user, and only the text values (the UPN, the names, the usage
//! location) are scanned; a value that needs escaping goes through `serde_json`, so it is escaped
//! exactly as everywhere else.
//!
//! The bytes are those `serde_json` writes for [`render`]'s `CustomerUser` and for
//! [`crate::response::page`]'s `Collection` of them: the tests compare the two on generated users,
//! so a change of the wire shape that is not made here fails them.

use axum::http::StatusCode;
use tenantdesk_domain::{Password, User, UserState};
use tenantdesk_wire::{Attributes, CustomerUser, Link, PasswordProfile, ResourceLinks};

use crate::idempotency::{Body, Reply};
use crate::response::page;

/// A user as Partner Center shows it; with `password`, the profile of a password just set.
pub(crate) fn render(user: &User, password: Option<&Password>) -> CustomerUser {
    CustomerUser {
        id: user.id.as_uuid(),
        user_principal_name: user.upn.as_str().to_owned(),
        first_name: user.first_name.as_ref().map(|n| n.as_str().to_owned()),
        last_name: user.last_name.as_ref().map(|n| n.as_str().to_owned()),
        display_name: user.display_name.as_str().to_owned(),
        usage_location: user.usage_location.as_str().to_owned(),
        password_profile: password.map(|p| PasswordProfile {
            force_change_password: Some(user.force_change_password),
            password: Some(p.expose().to_owned()),
        }),
        last_directory_sync_time: None,
        user_domain_type: "none".to_owned(),
        state: match user.state {
            UserState::Active => tenantdesk_wire::UserState::Active,
            UserState::Inactive => tenantdesk_wire::UserState::Inactive,
        },
        soft_deletion_time: user.soft_deleted_at,
        links: ResourceLinks {
            self_link: Link::get(self_uri(user)),
        },
        attributes: Attributes::of("CustomerUser"),
    }
}

/// The reply carrying `user` (and the password just set), recorded for replay without it.
pub(crate) fn reply(status: StatusCode, user: &User, password: Option<&Password>) -> Reply {
    let sent = render(user, password);
    let mut recorded = sent.clone();
    if let Some(profile) = recorded.password_profile.as_mut() {
        profile.password = None;
    }
    Reply {
        status,
        body: serde_json::to_value(sent).ok().map(Body::Json),
        recorded_body: serde_json::to_value(recorded).ok(),
        holds_password: password.is_some(),
    }
}

/// `/customers/{cid}/users/{uid}`, written without the formatting machinery.
fn self_uri(user: &User) -> String {
    let mut buffer = uuid::Uuid::encode_buffer();
    let mut uri = String::with_capacity(96);
    uri.push_str("/customers/");
    uri.push_str(user.customer.as_uuid().hyphenated().encode_lower(&mut buffer));
    uri.push_str("/users/");
    uri.push_str(user.id.as_uuid().hyphenated().encode_lower(&mut buffer));
    uri
}

/// The JSON of `user` as a `CustomerUser` without a password profile.
pub(crate) fn user(user: &User) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    write_user(&mut out, user);
    out
}

/// The JSON of a page of `users`: `base` and `next` as [`page`] takes them.
pub(crate) fn users_page(users: &[User], base: String, next: Option<String>) -> Result<Vec<u8>, serde_json::Error> {
    // The envelope's links and token, as every other collection has them.
    let envelope = page(Vec::<()>::new(), base, next);
    let mut out = Vec::with_capacity(64 + 480 * users.len());
    out.extend_from_slice(b"{\"totalCount\":");
    out.extend_from_slice(users.len().to_string().as_bytes());
    out.extend_from_slice(b",\"items\":[");
    for (n, user) in users.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        write_user(&mut out, user);
    }
    out.push(b']');
    if let Some(token) = &envelope.continuation_token {
        out.extend_from_slice(b",\"continuationToken\":");
        serde_json::to_writer(&mut out, token)?;
    }
    out.extend_from_slice(b",\"links\":");
    serde_json::to_writer(&mut out, &envelope.links)?;
    out.extend_from_slice(b",\"attributes\":");
    serde_json::to_writer(&mut out, &envelope.attributes)?;
    out.push(b'}');
    Ok(out)
}

/// Appends `user`'s JSON, in the order of `CustomerUser`'s fields.
fn write_user(out: &mut Vec<u8>, user: &User) {
    let mut buffer = uuid::Uuid::encode_buffer();
    let mut id = |out: &mut Vec<u8>, id: uuid::Uuid| {
        out.extend_from_slice(id.hyphenated().encode_lower(&mut buffer).as_bytes());
    };
    out.extend_from_slice(b"{\"id\":\"");
    id(out, user.id.as_uuid());
    out.extend_from_slice(b"\",\"userPrincipalName\":");
    string(out, user.upn.as_str());
    out.extend_from_slice(b",\"firstName\":");
    optional(out, user.first_name.as_ref().map(|n| n.as_str()));
    out.extend_from_slice(b",\"lastName\":");
    optional(out, user.last_name.as_ref().map(|n| n.as_str()));
    out.extend_from_slice(b",\"displayName\":");
    string(out, user.display_name.as_str());
    out.extend_from_slice(b",\"usageLocation\":");
    string(out, user.usage_location.as_str());
    out.extend_from_slice(b",\"lastDirectorySyncTime\":null,\"userDomainType\":\"none\",\"state\":");
    out.extend_from_slice(match user.state {
        UserState::Active => b"\"active\"",
        UserState::Inactive => b"\"inactive\"",
    });
    out.extend_from_slice(b",\"softDeletionTime\":");
    match user.soft_deleted_at {
        // As chrono serializes it; writing into a Vec cannot fail.
        Some(at) => {
            let _ = serde_json::to_writer(&mut *out, &at);
        }
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"links\":{\"self\":{\"uri\":\"/customers/");
    id(out, user.customer.as_uuid());
    out.extend_from_slice(b"/users/");
    id(out, user.id.as_uuid());
    out.extend_from_slice(b"\",\"method\":\"GET\",\"headers\":[]}},\"attributes\":{\"objectType\":\"CustomerUser\"}}");
}

fn optional(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        Some(value) => string(out, value),
        None => out.extend_from_slice(b"null"),
    }
}

/// Appends `value` as a JSON string: as it is when it holds nothing JSON escapes (a byte below
/// 0x20, `"` or `\`), else as `serde_json` escapes it.
fn string(out: &mut Vec<u8>, value: &str) {
    let plain = !value.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\');
    if plain {
        out.push(b'"');
        out.extend_from_slice(value.as_bytes());
        out.push(b'"');
    } else {
        // Writing a string into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, value);
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use proptest::prelude::*;
    use tenantdesk_domain::{CustomerId, DisplayName, PersonName, UsageLocation, UserId, UserPrincipalName};
    use uuid::Uuid;

    use super::*;

    /// Free text as names may hold it: quotes, backslashes, slashes, markup, letters of several
    /// scripts, emoji and a line separator (which JSON leaves as it is).
    const NAME: &str = "[a-zA-Z0-9 \"\\\\'/<>&\u{e9}\u{df}\u{6f22}\u{1f600}\u{2028}-]{0,50}";

    fn time(micros: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(micros).unwrap_or_default()
    }

    prop_compose! {
        fn a_user()(
            ids in any::<(u128, u128)>(),
            local in "[a-zA-Z0-9._'!#^~-]{1,20}",
            // Empty first and last names are no names (null).
            names in (prop_oneof![Just(String::new()), NAME], prop_oneof![Just(String::new()), NAME], NAME),
            location in proptest::sample::select(&["US", "NO", "JP", "br"][..]),
            inactive in any::<bool>(),
            deleted in proptest::option::of(0..4_000_000_000_000_000_i64),
            force_change_password in any::<bool>(),
            times in (0..4_000_000_000_000_000_i64, 0..4_000_000_000_000_000_i64),
        ) -> Option<User> {
            Some(User {
                id: UserId::from_uuid(Uuid::from_u128(ids.0)),
                customer: CustomerId::from_uuid(Uuid::from_u128(ids.1)),
                upn: UserPrincipalName::parse(&format!("{local}@contoso.onmicrosoft.com")).ok()?,
                first_name: PersonName::parse(&names.0).ok()?,
                last_name: PersonName::parse(&names.1).ok()?,
                display_name: DisplayName::parse(&names.2).ok()?,
                usage_location: UsageLocation::parse(location).ok()?,
                state: if inactive { UserState::Inactive } else { UserState::Active },
                soft_deleted_at: deleted.map(time),
                force_change_password,
                created_at: time(times.0),
                updated_at: time(times.1),
            })
        }
    }

    fn users() -> impl Strategy<Value = User> {
        a_user().prop_filter_map("a blank display name", |user| user)
    }

    proptest! {
        /// Any text, control characters, DEL and the C1 controls included, is written as serde
        /// writes it (users' names cannot hold control characters, but the writer does not rely
        /// on that).
        #[test]
        fn a_string_is_written_as_serde_writes_it(value in "[\\x{0}-\\x{a0}\\x{e9}\\x{6f22}\\x{1f600}\\x{2028}]{0,40}") {
            let mut written = Vec::new();
            string(&mut written, &value);
            prop_assert_eq!(String::from_utf8(written).unwrap(), serde_json::to_string(&value).unwrap());
        }

        #[test]
        fn a_user_is_written_as_serde_writes_its_customer_user(user in users()) {
            let written = String::from_utf8(super::user(&user)).unwrap();
            prop_assert_eq!(written, serde_json::to_string(&render(&user, None)).unwrap());
        }

        #[test]
        fn a_page_is_written_as_serde_writes_its_collection(
            users in proptest::collection::vec(users(), 0..4),
            next in proptest::option::of("[A-Za-z0-9_-]{1,40}"),
            size in 1..500_u32,
        ) {
            let base = format!("/customers/{}/users?size={size}", Uuid::nil());
            let written = users_page(&users, base.clone(), next.clone()).unwrap();
            let rendered = page(users.iter().map(|u| render(u, None)).collect(), base, next);
            prop_assert_eq!(String::from_utf8(written).unwrap(), serde_json::to_string(&rendered).unwrap());
        }
    }

    /// A name that needs escaping is escaped as serde escapes it (the generated users reach this
    /// way too, among others).
    #[test]
    fn names_with_quotes_and_backslashes_are_escaped_as_serde_escapes_them() {
        let user = User {
            id: UserId::new(),
            customer: CustomerId::new(),
            upn: UserPrincipalName::parse("ana@contoso.onmicrosoft.com").unwrap(),
            first_name: None,
            last_name: PersonName::parse("O'Neil").unwrap(),
            display_name: DisplayName::parse(r#"Ana "the \ admin" </script>"#).unwrap(),
            usage_location: UsageLocation::parse("NO").unwrap(),
            state: UserState::Active,
            soft_deleted_at: None,
            force_change_password: false,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        let written = String::from_utf8(super::user(&user)).unwrap();
        assert!(
            written.contains(r#""displayName":"Ana \"the \\ admin\" </script>""#),
            "{written}"
        );
        assert_eq!(written, serde_json::to_string(&render(&user, None)).unwrap());
    }
}
