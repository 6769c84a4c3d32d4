//! The CloudCockpit-style reset-password route's request and error shapes.

use serde::{Deserialize, Serialize};

/// What `customerUser` may say in a reset request.
#[derive(Serialize, Deserialize, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ResetCustomerUser {
    /// The temporary password to set; one is generated when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporary_password: Option<String>,
}

impl std::fmt::Debug for ResetCustomerUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let password = self.temporary_password.as_ref().map(|_| "<redacted>");
        f.debug_struct("ResetCustomerUser")
            .field("temporary_password", &password)
            .finish()
    }
}

/// The body of `PATCH /v1/Customers/{cid}/users/{uid}/reset-password`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ResetPasswordRequest {
    /// The customer's provider instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_instance_id: Option<String>,
    /// The user's new temporary password, if chosen by the caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_user: Option<ResetCustomerUser>,
}

/// One invalid property of a CloudCockpit request.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PropertyError {
    /// The property, such as `providerInstanceId`.
    pub property_name: String,
    /// What is wrong with it.
    pub description: Vec<String>,
}

/// CloudCockpit's error body; only the reset-password route answers with it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CloudCockpitError {
    /// The HTTP status.
    pub status_code: u16,
    /// `ValidationError`, `Unauthorized`, `Forbidden`, `NotFound`, `Conflict` or `InternalServerError`.
    #[serde(rename = "type")]
    pub error_type: String,
    /// A sentence for people.
    pub description: String,
    /// The request's `X-Correlation-Id`, or the one generated for it.
    pub correlation_id: String,
    /// The invalid properties.
    pub errors: Vec<PropertyError>,
}
