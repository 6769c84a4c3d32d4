//! **Upload users**: the data file (**Upload user info**), **Validate** (every problem by row and
//! column, or how many users are ready), then **Location** and **Save**; the result offers
//! **Download** of the temporary passwords as the CSV file the API's `Accept: text/csv` answer is,
//! in that page only.
//!
//! Between Validate and Save the file travels in the form itself (at most 100 rows), so nothing is
//! kept on the server and Save checks it again.

use askama::Template;
use axum::extract::{Form, Multipart, Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use tenantdesk_core::import::{self, csv_file};
use tenantdesk_core::{App, Error};
use tenantdesk_domain::{Customer, FieldError, UsageLocation, User};

use crate::customers::customer;
use crate::error::PageError;
use crate::forms::{self, Fields, Outcome};
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
pub async fn page(State(app): State<App>, agent: SignedIn, Path(cid): Path<String>) -> Response {
    match customer(&app, &agent, &cid).await {
        Ok(customer) => render(&UploadPage::new(agent.chrome, customer)),
        Err(error) => error.into_response(),
    }
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
pub async fn validate(State(app): State<App>, agent: SignedIn, Path(cid): Path<String>, form: Multipart) -> Response {
    let customer = match customer(&app, &agent, &cid).await {
        Ok(customer) => customer,
        Err(error) => return error.into_response(),
    };
    let caller = agent.caller(tenantdesk_core::RequestIds::generate());
    let checked = match file_of(form).await {
        Ok(file) => import::validate_rows(&app, &caller, customer.id, &file)
            .await
            .map(|rows| (String::from_utf8_lossy(&file).into_owned(), rows.len())),
        Err(message) => Err(Error::invalid("Upload user info", message)),
    };
    let mut page = UploadPage::new(agent.chrome, customer);
    match checked {
        Ok(ready) => {
            page.ready = Some(ready);
            render(&page)
        }
        Err(Error::Invalid(problems)) => {
            page.problems = problem_lines(&problems);
            (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
        }
        Err(error) => PageError::from_core(error, &page.chrome).into_response(),
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

/// `POST /customers/{cid}/upload/save`: **Save**: the users of the file, created in one
/// transaction, or none.
pub async fn save(
    State(app): State<App>,
    agent: SignedIn,
    Path(cid): Path<String>,
    uri: Uri,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let customer = match customer(&app, &agent, &cid).await {
        Ok(customer) => customer,
        Err(error) => return error.into_response(),
    };
    let fields = Fields(fields);
    let file = fields.get("file").to_owned();
    let location =
        UsageLocation::parse(fields.get("usageLocation")).map_err(|message| vec![FieldError::new("Location", message)]);
    let caller = agent.form_caller(&fields, uri.path());
    let users_path = format!("/customers/{}/users", customer.id);
    let outcome = forms::commit(
        &app,
        import::import(&app, &caller, customer.id, location, file.as_bytes()).await,
        |_| users_path.clone(),
    )
    .await;
    match outcome {
        Ok(Outcome::Fresh(imported)) => {
            let rows: Vec<_> = imported
                .iter()
                .map(|i| (i.row.clone(), "created", i.password.expose()))
                .collect();
            let csv = match csv_file::write(&rows) {
                Ok(csv) => csv,
                Err(error) => {
                    return PageError::from_core(Error::Internal(error.into()), &agent.chrome).into_response();
                }
            };
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
            render(&DonePage {
                chrome: agent.chrome,
                customer,
                created,
                download,
            })
        }
        Ok(Outcome::Replayed(location)) => forms::replayed(&agent.chrome, location),
        Err(Error::Invalid(problems) | Error::ConflictRows(problems)) => {
            let mut page = UploadPage::new(agent.chrome, customer);
            page.problems = problem_lines(&problems);
            (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
        }
        Err(error) => PageError::from_core(error, &agent.chrome).into_response(),
    }
}
