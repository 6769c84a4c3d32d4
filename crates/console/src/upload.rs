//! **Upload users**: the data file (**Upload user info**), **Validate** (every problem by row and
//! column, or how many users are ready), then **Location** and **Save**; the result offers
//! **Download** of the temporary passwords as the CSV file the API's `Accept: text/csv` answer is,
//! in that page only.
//!
//! Between Validate and Save the file travels in the form itself (at most 100 rows), so nothing is
//! kept on the server and Save checks it again.

use askama::Template;
use axum::extract::Multipart;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use base64::Engine;
use serde::Deserialize;
use tenantdesk_core::import::{self, csv_file};
use tenantdesk_core::{Error, customers};
use tenantdesk_domain::{Customer, FieldError, UsageLocation, User};

use crate::error::{OrPage as _, PageError, PageResult};
use crate::extract::CustomerPath;
use crate::forms::{self, Outcome, Posted};
use crate::page::{Chrome, render};
use crate::session::SignedIn;

/// The largest data file accepted (100 rows of five columns fit many times over).
const MAX_FILE: usize = 256 * 1024;

#[derive(Template)]
#[template(path = "upload.html")]
struct UploadPage {
    chrome: Chrome,
    customer: Customer,
    /// Every problem of the file, as `Row N, Column: message`.
    problems: Vec<String>,
    /// The valid file and how many users it holds, once validated.
    ready: Option<(String, usize)>,
    location: String,
    request_id: String,
}

impl UploadPage {
    fn locations(&self) -> &'static [&'static str] {
        UsageLocation::codes()
    }

    fn new(chrome: Chrome, customer: Customer) -> Self {
        Self {
            chrome,
            customer,
            problems: Vec::new(),
            ready: None,
            location: String::new(),
            request_id: forms::new_request_id(),
        }
    }
}

fn problem_lines(problems: &[FieldError]) -> Vec<String> {
    problems.iter().map(|p| forms::sentence(&p.to_string())).collect()
}

/// `/customers/{cid}/upload`.
pub async fn page(agent: SignedIn, CustomerPath(id): CustomerPath) -> PageResult {
    let customer = customers::get(&agent.app, &agent.caller(), id)
        .await
        .or_page(&agent.chrome)?;
    Ok(render(&UploadPage::new(agent.chrome, customer)))
}

/// The data file of a multipart form.
async fn file_of(mut form: Multipart) -> Result<Vec<u8>, String> {
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some("file") {
            let bytes = field
                .bytes()
                .await
                .map_err(|e| format!("the file could not be read: {e}"))?;
            if bytes.len() > MAX_FILE {
                return Err(format!("the file is larger than {} KB", MAX_FILE / 1024));
            }
            return Ok(bytes.to_vec());
        }
    }
    Err("choose the file to upload".to_owned())
}

/// `POST /customers/{cid}/upload`: **Validate**.
pub async fn validate(agent: SignedIn, CustomerPath(id): CustomerPath, form: Multipart) -> PageResult {
    let caller = agent.caller();
    let customer = customers::get(&agent.app, &caller, id).await.or_page(&agent.chrome)?;
    let checked = match file_of(form).await {
        Ok(file) => import::validate_rows(&agent.app, &caller, id, &file)
            .await
            .map(|rows| (String::from_utf8_lossy(&file).into_owned(), rows.len())),
        Err(message) => Err(Error::invalid("Upload user info", message)),
    };
    let mut page = UploadPage::new(agent.chrome, customer);
    match checked {
        Ok(ready) => {
            page.ready = Some(ready);
            Ok(render(&page))
        }
        Err(Error::Invalid(problems)) => {
            page.problems = problem_lines(&problems);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(error) => Err(PageError::from_core(error, &page.chrome)),
    }
}

/// A created user as the result shows it.
pub struct CreatedRow {
    user: User,
    password: String,
}

#[derive(Template)]
#[template(path = "upload_done.html")]
struct DonePage {
    chrome: Chrome,
    customer: Customer,
    created: Vec<CreatedRow>,
    download: String,
}

/// The Save form: the validated file, carried in the form, and the location of its users.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SaveForm {
    file: String,
    usage_location: String,
}

/// `POST /customers/{cid}/upload/save`: **Save**: the users of the file, created in one
/// transaction, or none.
pub async fn save(agent: SignedIn, CustomerPath(id): CustomerPath, posted: Posted<SaveForm>) -> PageResult {
    let customer = customers::get(&agent.app, &agent.caller(), id)
        .await
        .or_page(&agent.chrome)?;
    let location =
        UsageLocation::parse(&posted.form.usage_location).map_err(|message| vec![FieldError::new("Location", message)]);
    let caller = agent.form_caller(&posted);
    let users_path = format!("/customers/{id}/users");
    let done = import::import(&agent.app, &caller, id, location, posted.form.file.as_bytes()).await;
    match forms::commit(&agent.app, done, |_| users_path.clone()).await {
        Ok(Outcome::Fresh(imported)) => {
            let rows: Vec<_> = imported
                .iter()
                .map(|i| (i.row.clone(), "created", i.password.expose()))
                .collect();
            let csv = csv_file::write(&rows)
                .map_err(|error| Error::Internal(error.into()))
                .or_page(&agent.chrome)?;
            let download = format!(
                "data:text/csv;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(csv.as_bytes())
            );
            let created = imported
                .into_iter()
                .map(|i| CreatedRow {
                    password: i.password.expose().to_owned(),
                    user: i.user,
                })
                .collect();
            Ok(render(&DonePage {
                chrome: agent.chrome,
                customer,
                created,
                download,
            }))
        }
        Ok(Outcome::Replayed(location)) => Ok(forms::replayed(&agent.chrome, location)),
        Err(Error::Invalid(problems) | Error::ConflictRows(problems)) => {
            let mut page = UploadPage::new(agent.chrome, customer);
            page.problems = problem_lines(&problems);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(error) => Err(PageError::from_core(error, &agent.chrome)),
    }
}
