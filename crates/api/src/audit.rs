//! `GET /v1/auditrecords`.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use tenantdesk_domain::{AuditRecord, Operation, Outcome};
use tenantdesk_store::AuditQuery;
use tenantdesk_wire::{Attributes, Collection, ErrorBody};

use serde::{Deserialize, Serialize};
use tenantdesk_core::{Caller, audit};
use tenantdesk_domain::{CustomerId, PartnerId};

use crate::response::{json_response, page};
use crate::{ApiState, AppError, paging};

/// What a continuation token of the audit log holds: the partner and the whole query.
#[derive(Serialize, Deserialize)]
struct Continuation {
    partner: PartnerId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    customer: Option<CustomerId>,
    resource: Option<String>,
    operation: Option<String>,
    correlation_id: Option<String>,
    limit: u32,
    at: DateTime<Utc>,
    id: uuid::Uuid,
}

/// The query a `seekOperation=Next` continuation token stands for, if it is the caller's.
fn continued_query(state: &ApiState, caller: &Caller, token: &str) -> Result<AuditQuery, AppError> {
    let c: Continuation = paging::open(state.paging_key(), token)?;
    if c.partner != caller.principal.partner {
        return Err(paging::bad_token());
    }
    let operation = c
        .operation
        .as_deref()
        .map(|o| Operation::parse(o).ok_or_else(paging::bad_token))
        .transpose()?;
    Ok(AuditQuery {
        from: c.from,
        to: c.to,
        customer: c.customer,
        resource: c.resource,
        operation,
        correlation_id: c.correlation_id,
        after: Some((c.at, c.id)),
        limit: c.limit,
    })
}

/// The continuation token of the page after `query`'s, which ended with `last`.
fn continuation_token(
    state: &ApiState,
    partner: PartnerId,
    query: &AuditQuery,
    last: &AuditRecord,
) -> Result<String, AppError> {
    let continuation = Continuation {
        partner,
        from: query.from,
        to: query.to,
        customer: query.customer,
        resource: query.resource.clone(),
        operation: query.operation.as_ref().map(|o| o.as_str().to_owned()),
        correlation_id: query.correlation_id.clone(),
        limit: query.limit,
        at: last.at,
        id: last.id,
    };
    paging::seal(state.paging_key(), &continuation)
}

/// How far back the audit log is read when no `startDate` is given.
const DEFAULT_WINDOW: TimeDelta = TimeDelta::days(30);

/// The `customizedData` key marking the record of a replay: the request repeated an earlier
/// one's `MS-RequestId` and was answered with its recorded response, doing nothing again.
pub const REPLAYED_KEY: &str = "IdempotentReplay";

/// An audit record as Partner Center shows it. A replay is an operation that `succeeded`, marked
/// in `customizedData` with `IdempotentReplay: true`.
pub fn render(record: &AuditRecord) -> tenantdesk_wire::AuditRecord {
    tenantdesk_wire::AuditRecord {
        id: record.id,
        partner_id: record.partner.as_uuid(),
        customer_id: record.customer.map(|c| c.as_uuid()),
        user_principal_name: record.actor.clone(),
        resource_type: record.operation.resource_type().to_owned(),
        resource_id: record.resource.clone(),
        operation_type: record.operation.as_str().to_owned(),
        operation_date: record.at,
        operation_status: match &record.outcome {
            Outcome::Success | Outcome::Replayed => "succeeded",
            Outcome::Failure => "failed",
            Outcome::Other(stored) => stored,
        }
        .to_owned(),
        customized_data: if record.outcome == Outcome::Replayed {
            vec![tenantdesk_wire::KeyValue {
                key: REPLAYED_KEY.to_owned(),
                value: "true".to_owned(),
            }]
        } else {
            Vec::new()
        },
        request_id: record.request_id.clone(),
        correlation_id: record.correlation_id.clone(),
        attributes: Attributes::of("AuditRecord"),
    }
}

fn date(field: &str, value: &str, end_of_day: bool) -> Result<DateTime<Utc>, AppError> {
    if let Ok(time) = DateTime::parse_from_rfc3339(value) {
        return Ok(time.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
        AppError::invalid(
            field,
            format!("'{value}' is not a date (2026-11-22) or an RFC 3339 time"),
        )
    })?;
    let day = if end_of_day { day.succ_opt().unwrap_or(day) } else { day };
    Ok(day.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// The filters of the `filter` parameter (`{"Field":"CustomerId","Value":"…","Operator":"equals"}`)
/// and of the plain parameters `customerId`, `resourceId` (or `userId`), `operationType`,
/// `correlationId`.
fn parse_query(params: &[(String, String)], now: DateTime<Utc>) -> Result<AuditQuery, AppError> {
    let to = paging::param(params, "endDate")
        .map(|v| date("endDate", v, true))
        .transpose()?
        .unwrap_or(now);
    let from = paging::param(params, "startDate")
        .map(|v| date("startDate", v, false))
        .transpose()?
        .unwrap_or(to - DEFAULT_WINDOW);
    if from > to {
        return Err(AppError::invalid("startDate", "must not be after endDate"));
    }
    let mut fields: Vec<(String, String)> = Vec::new();
    if let Some(filter) = paging::param(params, "filter") {
        let filter: tenantdesk_wire::UserFilter = tenantdesk_wire::tolerant::from_slice(filter.as_bytes())
            .map_err(|e| AppError::invalid("filter", e.to_string()))?;
        if !filter.operator.eq_ignore_ascii_case("equals") {
            return Err(AppError::invalid(
                "filter",
                format!("the operator {} is not supported (equals)", filter.operator),
            ));
        }
        fields.push((filter.field, filter.value));
    }
    for name in ["customerId", "resourceId", "userId", "operationType", "correlationId"] {
        if let Some(value) = paging::param(params, name) {
            fields.push((name.to_owned(), value.to_owned()));
        }
    }
    let mut query = AuditQuery {
        from,
        to: to + TimeDelta::milliseconds(1),
        customer: None,
        resource: None,
        operation: None,
        correlation_id: None,
        after: None,
        limit: paging::page_size(params)?,
    };
    for (field, value) in fields {
        match field.to_ascii_lowercase().as_str() {
            "customerid" => {
                query.customer = Some(
                    value
                        .parse()
                        .map_err(|_| AppError::invalid("customerId", format!("'{value}' is not a customer id")))?,
                );
            }
            "resourceid" | "userid" => query.resource = Some(value.to_ascii_lowercase()),
            "operationtype" => {
                query.operation = Some(
                    Operation::parse(&value)
                        .ok_or_else(|| AppError::invalid("operationType", format!("'{value}' is not an operation")))?,
                );
            }
            "correlationid" => query.correlation_id = Some(value),
            _ => {
                return Err(AppError::invalid(
                    "filter",
                    format!("'{field}' is not supported (CustomerId, ResourceId, OperationType, CorrelationId)"),
                ));
            }
        }
    }
    Ok(query)
}

/// List audit records
///
/// The calling partner's records, newest first, between `startDate` (default: 30 days before
/// `endDate`) and `endDate` (default: now), filtered by customer, resource (user), operation or
/// correlation id. Follow `links.next` for the next page.
#[utoipa::path(
    get, path = "/v1/auditrecords", tag = "audit",
    params(
        ("startDate" = Option<String>, Query, description = "A date (2026-11-22) or RFC 3339 time"),
        ("endDate" = Option<String>, Query, description = "A date (inclusive) or RFC 3339 time"),
        ("filter" = Option<String>, Query, description = "JSON: {\"Field\":\"CorrelationId\",\"Value\":\"…\",\"Operator\":\"equals\"}; Field is CustomerId, ResourceId, OperationType or CorrelationId"),
        ("customerId" = Option<String>, Query, description = "Only records about this customer"),
        ("resourceId" = Option<String>, Query, description = "Only records about this resource (a user id)"),
        ("operationType" = Option<String>, Query, description = "Only this operation, e.g. ResetCustomerUserPassword"),
        ("correlationId" = Option<String>, Query, description = "Only records of requests with this correlation id"),
        ("size" = Option<u32>, Query, maximum = 500, description = "Page size, 0 or absent for 100, at most 500"),
        ("seekOperation" = Option<String>, Query, description = "Next, with the MS-ContinuationToken header"),
        ("MS-ContinuationToken" = Option<String>, Header, description = "The continuationToken of the previous page"),
    ),
    responses(
        (status = 200, description = "A page of audit records, newest first", body = Collection<tenantdesk_wire::AuditRecord>),
        (status = 400, description = "Bad parameter (3000)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_audit_records(
    State(state): State<ApiState>,
    caller: Caller,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let Query(params) = query.map_err(|e| AppError::invalid("query", e.body_text()))?;
    let continuation = headers.get("MS-ContinuationToken").and_then(|v| v.to_str().ok());
    let audit_query = match paging::seek_next(&params, continuation)? {
        Some(token) => continued_query(&state, &caller, token)?,
        None => parse_query(&params, state.app().now())?,
    };
    let listed = audit::list(state.app(), &caller, audit_query).await?;
    let next = match listed.records.last() {
        Some(last) if listed.more => Some(continuation_token(
            &state,
            caller.principal.partner,
            &listed.query,
            last,
        )?),
        _ => None,
    };
    let base = format!("/auditrecords?size={}", listed.query.limit);
    let collection = page(listed.records.iter().map(render).collect(), base, next);
    Ok(json_response(StatusCode::OK, &collection))
}
