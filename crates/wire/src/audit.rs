//! Audit records, in Partner Center's shape.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Attributes;

/// One audited operation.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuditRecord {
    /// The record's id.
    pub id: Uuid,
    /// The partner whose agent or app acted.
    pub partner_id: Uuid,
    /// The customer concerned.
    pub customer_id: Option<Uuid>,
    /// Who acted: the agent's UPN, `app` for app-only tokens, `tenantdesk` for the service's jobs.
    pub user_principal_name: String,
    /// `CustomerUser`, `Customer` or `DirectoryRoleMember`.
    pub resource_type: String,
    /// The resource concerned (a user id, a customer id).
    pub resource_id: Option<String>,
    /// `CreateCustomerUser`, `ResetCustomerUserPassword`, …
    pub operation_type: String,
    /// When.
    pub operation_date: DateTime<Utc>,
    /// `succeeded` or `failed`.
    pub operation_status: String,
    /// More about the operation, as key/value pairs: `IdempotentReplay: true` when the request
    /// was answered with the recorded response of an earlier one with the same `MS-RequestId`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub customized_data: Vec<crate::KeyValue>,
    /// The request's `MS-RequestId`.
    pub request_id: Option<String>,
    /// The request's `MS-CorrelationId` or `X-Correlation-Id`.
    pub correlation_id: Option<String>,
    /// `{"objectType": "AuditRecord"}`.
    pub attributes: Attributes,
}
