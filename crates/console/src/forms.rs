//! Forms: their fields as posted, read into serde structs whose field names are the templates'
//! (`Posted<T>`), their request ids (the idempotency keys of the use cases they call) and their
//! problems, shown next to the field they concern.

use axum::extract::{FromRequest, RawForm, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use sha2::{Digest, Sha256};
use tenantdesk_core::RequestIds;
use tenantdesk_domain::FieldError;

/// The name of the hidden field that carries a form's request id.
pub const REQUEST_ID: &str = "request_id";

/// The fields that carry a password: never digested into the database.
const PASSWORD_FIELDS: [&str; 4] = ["password", "current_password", "new_password", "confirm_password"];

/// A posted form: its fields read into `T` (a serde struct named as the template's fields; a
/// field that repeats, such as checkboxes, into a `Vec`), and what the request asks for, from
/// which the use case's caller is made (`SignedIn::form_caller`).
///
/// Its body is read as axum's `Form` reads one (the same content type, the same body limit, the
/// same rejections); a field of one value posted twice is refused (422), as no page posts one so.
pub struct Posted<T> {
    /// The form's fields.
    pub form: T,
    fields: Fields,
    path: String,
}

impl<T> Posted<T> {
    /// The ids of the request this form makes: its own request id (a fresh one if it carries none
    /// that looks like one), chosen by the page that rendered it, so repeating the form repeats
    /// the request.
    pub fn request_ids(&self) -> RequestIds {
        self.fields.request_ids()
    }

    /// What the form asks for: the page it was posted to and its fields but the request id and
    /// any password.
    pub fn fingerprint(&self) -> String {
        self.fields.fingerprint(&self.path)
    }

    /// What the form asks about `item`, one of the several things it acts on (each user of a
    /// Restore): each is done once, however often the form is posted.
    pub fn fingerprint_of(&self, item: &str) -> String {
        self.fields.fingerprint(&format!("{}#{item}", self.path))
    }

    /// The request id as posted, for a page that shows the same form again.
    pub fn request_id(&self) -> &str {
        self.fields.get(REQUEST_ID)
    }

    /// The path the form was posted to.
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Posted<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let path = request.uri().path().to_owned();
        let RawForm(body) = RawForm::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let fields = Fields(form_urlencoded::parse(&body).into_owned().collect());
        let form = serde_html_form::from_bytes(&body).map_err(|error| {
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("Failed to deserialize form body: {error}"),
            )
                .into_response()
        })?;
        Ok(Self { form, fields, path })
    }
}

/// A form with no field but its request id (a confirmation, a button).
#[derive(Debug, Default, Deserialize)]
pub struct NoFields {}

/// Reads a text field without the spaces around it.
pub fn trimmed<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(String::deserialize(deserializer)?.trim().to_owned())
}

/// Reads a checkbox: checked when posted, whatever its value.
pub fn checked<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    serde::de::IgnoredAny::deserialize(deserializer).map(|_| true)
}

/// A posted form's fields, in order (a field may repeat: checkboxes).
#[derive(Debug, Default)]
struct Fields(Vec<(String, String)>);

impl Fields {
    /// The first value of `name`, or `""`.
    fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    fn request_ids(&self) -> RequestIds {
        let mut ids = RequestIds::generate();
        if let Ok(id) = uuid::Uuid::parse_str(self.get(REQUEST_ID)) {
            ids.request_id = id.to_string();
            ids.request_id_from_client = true;
        }
        ids
    }

    /// What the request asks for, for its idempotency key: the page it was posted to and its fields
    /// but the request id and any password (which is never digested into the database).
    fn fingerprint(&self, path: &str) -> String {
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

    #[derive(Default, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    struct Example {
        #[serde(deserialize_with = "trimmed")]
        username: String,
        directory_role_ids: Vec<String>,
        #[serde(deserialize_with = "checked")]
        force_change_password: bool,
        password: String,
    }

    async fn post<T: DeserializeOwned>(content_type: &str, body: &str) -> Result<Posted<T>, Response> {
        let request = Request::post("/customers/c/users/new")
            .header(axum::http::header::CONTENT_TYPE, content_type)
            .body(axum::body::Body::from(body.to_owned()))
            .unwrap_or_default();
        Posted::from_request(request, &()).await
    }

    #[tokio::test]
    async fn a_posted_form_reads_repeated_fields_checkboxes_and_its_request_id() {
        let id = new_request_id();
        let form = "username=+ann+&directoryRoleIds=a&directoryRoleIds=b&forceChangePassword=on\
                    &password=Secret%21234&request_id=";
        let Ok(posted) = post::<Example>("application/x-www-form-urlencoded", &format!("{form}{id}")).await else {
            panic!("a form");
        };
        assert_eq!(posted.form.username, "ann");
        assert_eq!(posted.form.directory_role_ids, ["a", "b"]);
        assert!(posted.form.force_change_password, "checked, whatever its value");
        assert_eq!(posted.form.password, "Secret!234");
        assert_eq!(posted.request_id(), id);
        assert!(posted.request_ids().request_id_from_client);
        assert_eq!(posted.path(), "/customers/c/users/new");
        let other = fields(&[
            ("username", " ann "),
            ("directoryRoleIds", "a"),
            ("directoryRoleIds", "b"),
        ]);
        assert_ne!(posted.fingerprint(), other.fingerprint("/customers/c/users/new"));
        let same = fields(&[
            ("username", " ann "),
            ("directoryRoleIds", "a"),
            ("directoryRoleIds", "b"),
            ("forceChangePassword", "on"),
        ]);
        assert_eq!(
            posted.fingerprint(),
            same.fingerprint("/customers/c/users/new"),
            "the fields as posted, but the password and the request id"
        );

        let Ok(empty) = post::<Example>("application/x-www-form-urlencoded", "").await else {
            panic!("an empty form");
        };
        assert!(empty.form.directory_role_ids.is_empty() && !empty.form.force_change_password);
        assert!(!empty.request_ids().request_id_from_client);

        // A browser sends a field of one value once; a form that repeats one is not the page's.
        let repeated = post::<Example>("application/x-www-form-urlencoded", "username=a&username=b").await;
        assert_eq!(
            repeated.err().map(|r| r.status()),
            Some(StatusCode::UNPROCESSABLE_ENTITY)
        );
        let refused = post::<Example>("application/json", "{}").await.err();
        assert_eq!(
            refused.map(|r| r.status()),
            Some(StatusCode::UNSUPPORTED_MEDIA_TYPE),
            "as axum's Form refuses it"
        );
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
