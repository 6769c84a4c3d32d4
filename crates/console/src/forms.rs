//! Forms: their fields as posted, their request ids (the idempotency keys of the use cases they
//! call) and their problems, shown next to the field they concern.

use sha2::{Digest, Sha256};
use tenantdesk_core::RequestIds;
use tenantdesk_domain::FieldError;

/// The name of the hidden field that carries a form's request id.
pub const REQUEST_ID: &str = "request_id";

/// The fields that carry a password: never digested into the database.
const PASSWORD_FIELDS: [&str; 4] = ["password", "current_password", "new_password", "confirm_password"];

/// A posted form's fields, in order (a field may repeat: checkboxes).
#[derive(Debug, Default)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of `name`, or `""`.
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Whether a checkbox `name` was checked.
    pub fn checked(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// The ids of the request this form makes: its own request id (a fresh one if it carries none
    /// that looks like one), chosen by the page that rendered it, so repeating the form repeats
    /// the request.
    pub fn request_ids(&self) -> RequestIds {
        let mut ids = RequestIds::generate();
        if let Ok(id) = uuid::Uuid::parse_str(self.get(REQUEST_ID)) {
            ids.request_id = id.to_string();
            ids.request_id_from_client = true;
        }
        ids
    }

    /// What the request asks for, for its idempotency key: the page it was posted to and its fields
    /// but the request id and any password (which is never digested into the database).
    pub fn fingerprint(&self, path: &str) -> String {
        let mut digest = Sha256::new();
        digest.update(b"console\0");
        digest.update(path.as_bytes());
        for (name, value) in &self.0 {
            if name == REQUEST_ID || PASSWORD_FIELDS.contains(&name.as_str()) {
                continue;
            }
            digest.update(b"\0");
            digest.update(name.as_bytes());
            digest.update(b"=");
            digest.update(value.as_bytes());
        }
        digest.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// `text` as a URL query value.
pub fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A fresh request id for a form about to be rendered.
pub fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The problems of a posted form, by field.
#[derive(Clone, Debug, Default)]
pub struct Problems(pub Vec<FieldError>);

impl Problems {
    /// What is wrong with `field`, if anything: every message, joined.
    pub fn of(&self, field: &str) -> Option<String> {
        let messages: Vec<&str> = self
            .0
            .iter()
            .filter(|p| p.field == field)
            .map(|p| p.message.as_str())
            .collect();
        (!messages.is_empty()).then(|| sentence(&messages.join("; ")))
    }

    /// Whether anything is wrong.
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }

    /// The problems of fields other than `shown` (those the page has no field for), as sentences.
    pub fn others(&self, shown: &[&str]) -> Vec<String> {
        self.0
            .iter()
            .filter(|p| !shown.contains(&p.field.as_str()))
            .map(|p| sentence(&format!("{}: {}", p.field, p.message)))
            .collect()
    }
}

/// `message` as a sentence: capitalised, with a full stop.
pub fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let mut text: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if !text.ends_with('.') {
        text.push('.');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        Fields(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }

    #[test]
    fn a_form_replays_by_its_own_request_id_only() {
        let id = new_request_id();
        let form = fields(&[(REQUEST_ID, &id), ("displayName", "Ann")]);
        let ids = form.request_ids();
        assert_eq!(ids.request_id, id);
        assert!(ids.request_id_from_client);
        let forged = fields(&[(REQUEST_ID, "not-a-uuid")]).request_ids();
        assert!(!forged.request_id_from_client);
    }

    #[test]
    fn passwords_and_request_ids_are_not_digested() {
        let a = fields(&[(REQUEST_ID, "1"), ("displayName", "Ann"), ("password", "Secret!234")]);
        let b = fields(&[(REQUEST_ID, "2"), ("displayName", "Ann"), ("password", "Other!2345")]);
        assert_eq!(a.fingerprint("/x"), b.fingerprint("/x"));
        assert_ne!(a.fingerprint("/x"), a.fingerprint("/y"));
        let c = fields(&[("displayName", "Bob")]);
        assert_ne!(a.fingerprint("/x"), c.fingerprint("/x"));
        // A choice about the password is part of what the form asks.
        let generated = fields(&[("passwordChoice", "generate"), ("forceChangePassword", "true")]);
        let typed = fields(&[("passwordChoice", "custom"), ("forceChangePassword", "true")]);
        assert_ne!(generated.fingerprint("/x"), typed.fingerprint("/x"));
    }

    #[test]
    fn problems_are_sentences_by_field() {
        let problems = Problems(vec![
            FieldError::new("displayName", "is required"),
            FieldError::new("body", "something else"),
        ]);
        assert_eq!(problems.of("displayName").as_deref(), Some("Is required."));
        assert_eq!(
            problems.others(&["displayName"]),
            vec!["Body: something else.".to_owned()]
        );
    }
}

/// What a form's use case came to: done by this request, or done before (a double click, a
/// refresh) and not done again, with the page its first answer led to.
#[derive(Debug)]
pub enum Outcome<T> {
    /// Done now.
    Fresh(T),
    /// Done by an earlier post of the same form: where that one led.
    Replayed(Option<String>),
}

/// Commits what a use case returned (its pending change, a replay, or its error), recording as
/// the answer the page it leads to (`location`), so a repeat of the form is sent there instead of
/// acting again.
pub async fn commit<T>(
    app: &tenantdesk_core::App,
    done: Result<tenantdesk_core::Done<tenantdesk_core::Pending<T>>, tenantdesk_core::Error>,
    location: impl FnOnce(&T) -> String,
) -> Result<Outcome<T>, tenantdesk_core::Error> {
    use tenantdesk_core::{Answer, Done};
    let pending = match done? {
        Done::Replayed(stored) => return Ok(Outcome::Replayed(stored.body)),
        Done::Fresh(pending) => pending,
    };
    let answer = Answer {
        status: 303,
        body: Some(location(&pending.value)),
    };
    Ok(match pending.commit(app, answer).await? {
        Done::Fresh(value) => Outcome::Fresh(value),
        Done::Replayed(stored) => Outcome::Replayed(stored.body),
    })
}

#[derive(askama::Template)]
#[template(path = "replayed.html")]
struct ReplayedPage<'a> {
    chrome: &'a crate::page::Chrome,
    location: Option<&'a str>,
}

/// The page of a form posted again: nothing was done again, and no password is shown again.
pub fn replayed(chrome: &crate::page::Chrome, location: Option<String>) -> axum::response::Response {
    // Only a path of this site (the answer was recorded by the console itself, but a link is a link).
    let location = location.filter(|l| l.starts_with('/') && !l.starts_with("//") && !l.contains('\\'));
    crate::page::render(&ReplayedPage {
        chrome,
        location: location.as_deref(),
    })
}
