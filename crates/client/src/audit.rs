//! `partner.audit_records(&query)`: the partner's audit log.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Which audit records to read; every filter is optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// From this time (default: 30 days before `end`).
    pub start: Option<DateTime<Utc>>,
    /// Until this time (default: now).
    pub end: Option<DateTime<Utc>>,
    /// Only about this customer.
    pub customer: Option<Uuid>,
    /// Only about this resource (a user id).
    pub resource: Option<String>,
    /// Only this operation, such as `ResetCustomerUserPassword`.
    pub operation: Option<String>,
    /// Only of requests with this correlation id.
    pub correlation_id: Option<String>,
    /// Page size (0 or absent: 100).
    pub size: Option<u32>,
}

impl AuditQuery {
    pub(crate) fn to_params(&self) -> Vec<(&'static str, String)> {
        let mut params = Vec::new();
        let mut push = |name, value: Option<String>| {
            if let Some(value) = value {
                params.push((name, value));
            }
        };
        push("startDate", self.start.map(|t| t.to_rfc3339()));
        push("endDate", self.end.map(|t| t.to_rfc3339()));
        push("customerId", self.customer.map(|c| c.to_string()));
        push("resourceId", self.resource.clone());
        push("operationType", self.operation.clone());
        push("correlationId", self.correlation_id.clone());
        push("size", self.size.map(|s| s.to_string()));
        params
    }
}
