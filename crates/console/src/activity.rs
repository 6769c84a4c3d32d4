//! **Activity log**: the partner's audit records, newest first, filterable by user.

use askama::Template;
use axum::extract::Query;
use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;
use tenantdesk_core::audit;
use tenantdesk_domain::AuditRecord;
use tenantdesk_store::AuditQuery;

use crate::error::{OrPage as _, PageResult};
use crate::page::{Chrome, render};
use crate::pager::{Cursor, Pager, Place};
use crate::session::SignedIn;

const PAGE_SIZE: u32 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct Filter {
    /// A user's id: only the records about it.
    #[serde(default)]
    user: String,
    /// Where the page starts: after a record (`micros.id`).
    #[serde(flatten)]
    place: Place,
}

#[derive(Template)]
#[template(path = "activity.html")]
struct ActivityPage {
    chrome: Chrome,
    user: String,
    records: Vec<AuditRecord>,
    older: Option<String>,
}

/// The place after a record, in microseconds: PostgreSQL keeps an audit time to the
/// microsecond, and a cursor cut to the millisecond would skip the records of the same
/// millisecond that are older than it.
impl Cursor for (DateTime<Utc>, uuid::Uuid) {
    fn encode(&self) -> String {
        format!("{}.{}", self.0.timestamp_micros(), self.1)
    }

    fn decode(text: &str) -> Option<Self> {
        let (micros, id) = text.split_once('.')?;
        Some((DateTime::from_timestamp_micros(micros.parse().ok()?)?, id.parse().ok()?))
    }
}

/// `/activity?user=`.
pub async fn list(agent: SignedIn, Query(filter): Query<Filter>) -> PageResult {
    let now = agent.app.now();
    let user = filter.user.trim().to_owned();
    let pager = Pager::onward(
        format!("/activity?user={}", crate::forms::url_encode(&user)),
        &filter.place,
    );
    let query = AuditQuery {
        from: now - TimeDelta::days(i64::from(agent.app.config().audit_retention_days)),
        to: now + TimeDelta::seconds(1),
        customer: None,
        resource: (!user.is_empty()).then(|| user.clone()),
        operation: None,
        correlation_id: None,
        after: pager.after(),
        limit: PAGE_SIZE,
    };
    let page = audit::list(&agent.app, &agent.caller(), query)
        .await
        .or_page(&agent.chrome)?;
    let last = page.records.last().filter(|_| page.more).map(|r| (r.at, r.id));
    Ok(render(&ActivityPage {
        older: pager.next(last.as_ref()),
        chrome: agent.chrome,
        user,
        records: page.records,
    }))
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
        let after = (record.at, record.id);
        assert_eq!(Cursor::decode(&after.encode()), Some((at, record.id)));
        for unreadable in ["", "123", "x.y", "123.not-a-uuid", &format!("1e9.{}", record.id)] {
            assert_eq!(
                <(DateTime<Utc>, uuid::Uuid)>::decode(unreadable),
                None,
                "{unreadable:?}"
            );
        }
    }
}
