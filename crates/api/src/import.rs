//! `POST /v1/customers/{cid}/users/import`.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use tenantdesk_core::Caller;
use tenantdesk_core::import::{self, Imported, Validated, csv_file};
use tenantdesk_core::users::Input;
use tenantdesk_domain::{FieldError, UsageLocation};
use tenantdesk_wire::{Attributes, ErrorBody, ImportedUser, UserImport};

use crate::extract::{CustomerPath, RawBody};
use crate::idempotency::{self, Body, Reply};
use crate::response::json_response;
use crate::user_json::render;
use crate::{ApiState, AppError, paging};

/// The one location of every user of the upload, from the `usageLocation` parameter.
fn location(value: Option<&str>) -> Input<UsageLocation> {
    let parsed = match value {
        None => Err("is required: the one location of every user of the upload".to_owned()),
        Some(value) => UsageLocation::parse(value),
    };
    parsed.map_err(|message| vec![FieldError::new("usageLocation", message)])
}

fn result(imported: &[Imported], with_passwords: bool) -> UserImport {
    UserImport {
        total_count: imported.len(),
        items: imported
            .iter()
            .map(|i| {
                let mut user = render(&i.user, Some(&i.password));
                if !with_passwords && let Some(profile) = user.password_profile.as_mut() {
                    profile.password = None;
                }
                ImportedUser {
                    row: i.row.number,
                    status: "created".to_owned(),
                    user: Some(user),
                }
            })
            .collect(),
        attributes: Attributes::of("UserImport"),
    }
}

fn reply(imported: &[Imported], as_csv: bool) -> Reply {
    let recorded = serde_json::to_value(result(imported, false)).ok();
    let body = if as_csv {
        let rows: Vec<_> = imported
            .iter()
            .map(|i| (i.row.clone(), "created", i.password.expose()))
            .collect();
        csv_file::write(&rows).ok().map(Body::Csv)
    } else {
        serde_json::to_value(result(imported, true)).ok().map(Body::Json)
    };
    Reply {
        status: StatusCode::OK,
        body,
        recorded_body: recorded,
        holds_password: true,
    }
}

/// Upload users from a CSV file
///
/// The body is the data file of Partner Center's "Upload users" page: the header
/// `First name,Last name,Display name,Email,Status update` (any case, any order; a UTF-8 BOM and
/// CRLF line ends are fine) and one row per user, at most 100. Every user gets the one
/// `usageLocation` and a generated temporary password, shown in this response only. Any problem
/// fails the whole upload (400, with every problem by row and column) and nothing is created;
/// `validateOnly=true` checks without creating. With `Accept: text/csv` the answer is the same
/// file with `Status update` filled in and a `Temporary password` column; a cell starting with `=`,
/// `+`, `-`, `@`, tab or CR gets a `'` before it, so no spreadsheet runs it as a formula. Answers
/// with passwords say `Cache-Control: no-store`.
#[utoipa::path(
    post, path = "/v1/customers/{cid}/users/import", tag = "users",
    params(
        ("cid" = String, Path, description = "Customer tenant id"),
        ("usageLocation" = String, Query, description = "ISO 3166-1 alpha-2 code of every user of the file"),
        ("validateOnly" = Option<bool>, Query, description = "Check the file and create nothing"),
    ),
    request_body(content = tenantdesk_wire::UsersCsv, content_type = "text/csv", description = "The data file: a header row, then one row per user (at most 100); an empty file is rejected"),
    responses(
        (status = 200, description = "Every user created (or, with validateOnly, valid)", body = UserImport),
        (status = 400, description = "An empty file, or problems by row and column (3000); nothing created", body = ErrorBody),
        (status = 403, description = "Only admin agents upload users (900150)", body = ErrorBody),
        (status = 409, description = "Users created meanwhile with emails of the file (3001); nothing created", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn import_users(
    State(state): State<ApiState>,
    caller: Caller,
    CustomerPath(customer): CustomerPath,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    headers: HeaderMap,
    body: RawBody,
) -> Result<Response, AppError> {
    let Query(params) = query.map_err(|e| AppError::invalid("query", e.body_text()))?;
    let location = location(paging::param(&params, "usageLocation"));
    let validate_only = match paging::present(&params, "validateOnly") {
        None => false,
        Some(value) if value.eq_ignore_ascii_case("true") => true,
        Some(value) if value.eq_ignore_ascii_case("false") => false,
        Some(value) => {
            return Err(AppError::invalid(
                "validateOnly",
                format!("'{value}' is not true or false"),
            ));
        }
    };
    if validate_only {
        let Validated { rows, .. } = import::validate(state.app(), &caller, customer, location, &body.bytes).await?;
        let items = rows.iter().map(|r| ImportedUser {
            row: r.row.number,
            status: "valid".to_owned(),
            user: None,
        });
        let result = UserImport {
            total_count: rows.len(),
            items: items.collect(),
            attributes: Attributes::of("UserImport"),
        };
        return Ok(json_response(StatusCode::OK, &result));
    }
    let as_csv = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.to_ascii_lowercase().contains("text/csv"));
    let caller = caller.asking(&body.digest);
    let done = import::import(state.app(), &caller, customer, location, &body.bytes).await;
    idempotency::respond(&state, done, |imported| reply(imported, as_csv)).await
}
