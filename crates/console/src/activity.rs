//! **Activity log**: the partner's audit records, newest first, filterable by user.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;
use tenantdesk_core::{App, RequestIds, audit};
use tenantdesk_domain::AuditRecord;
use tenantdesk_store::AuditQuery;

use crate::error::PageError;
use crate::page::{Chrome, render};
use crate::session::SignedIn;

const PAGE_SIZE: u32 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct Filter {
    /// A user's id: only the records about it.
    #[serde(default)]
    user: String,
    /// Where the page starts: after this record (`micros.id`, as [`encode_after`] writes it).
    #[serde(default)]
    after: String,
}

#[derive(Template)]
#[template(path = "activity.html")]
struct ActivityPage {
    chrome: Chrome,
    user: String,
    records: Vec<AuditRecord>,
    older: Option<String>,
}

/// The record a page starts after, in microseconds: PostgreSQL keeps an audit time to the
/// microsecond, and a cursor cut to the millisecond would skip the records of the same
/// millisecond that are older than it.
fn encode_after(record: &AuditRecord) -> String {
    format!("{}.{}", record.at.timestamp_micros(), record.id)
}

fn decode_after(text: &str) -> Option<(DateTime<Utc>, uuid::Uuid)> {
    let (micros, id) = text.split_once('.')?;
    Some((DateTime::from_timestamp_micros(micros.parse().ok()?)?, id.parse().ok()?))
}

/// `/activity?user=`.
pub async fn list(State(app): State<App>, agent: SignedIn, Query(filter): Query<Filter>) -> Response {
    let now = app.now();
    let user = filter.user.trim().to_owned();
    let query = AuditQuery {
        from: now - TimeDelta::days(i64::from(app.config().audit_retention_days)),
        to: now + TimeDelta::seconds(1),
        customer: None,
        resource: (!user.is_empty()).then(|| user.clone()),
        operation: None,
        correlation_id: None,
        after: decode_after(&filter.after),
        limit: PAGE_SIZE,
    };
    let page = match audit::list(&app, &agent.caller(RequestIds::generate()), query).await {
        Ok(page) => page,
        Err(error) => return PageError::from_core(error, &agent.chrome).into_response(),
    };
    let older = page.more.then(|| page.records.last()).flatten().map(|last| {
        format!(
            "/activity?user={}&after={}",
            crate::forms::url_encode(&user),
            encode_after(last)
        )
    });
    render(&ActivityPage {
        chrome: agent.chrome,
        user,
        records: page.records,
        older,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use tenantdesk_domain::{Operation, PartnerId};

    use super::*;

    #[test]
    fn the_next_page_starts_after_the_last_record_to_the_microsecond() {
        let at = DateTime::from_timestamp_micros(1_796_300_000_123_456).unwrap();
        let record = AuditRecord::new(
            PartnerId::new(),
            "ana@fabrikam.example",
            Operation::CreateCustomerUser,
            at,
        );
        assert_eq!(decode_after(&encode_after(&record)), Some((at, record.id)));
        for unreadable in ["", "123", "x.y", "123.not-a-uuid", &format!("1e9.{}", record.id)] {
            assert_eq!(decode_after(unreadable), None, "{unreadable:?}");
        }
    }
}
