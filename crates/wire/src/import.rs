//! The result of a bulk upload of users from a CSV file.

use serde::{Deserialize, Serialize};

use crate::{Attributes, CustomerUser};

/// One row of an uploaded file and what became of it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ImportedUser {
    /// The row of the file (the header is row 1).
    pub row: usize,
    /// `created`, or `valid` when only validating.
    pub status: String,
    /// The created user, with its temporary password (shown in this response only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<CustomerUser>,
}

/// `{totalCount, items, attributes: {objectType: "UserImport"}}`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserImport {
    /// How many users the file held.
    pub total_count: usize,
    /// One item per user, in file order.
    pub items: Vec<ImportedUser>,
    /// `{"objectType": "UserImport"}`.
    pub attributes: Attributes,
}

/// The body of a users upload as the OpenAPI document shows it: a CSV file with a header row and
/// one row per user (at most 100). An empty file is a 400; this type only documents.
#[cfg(feature = "openapi")]
#[derive(Debug)]
pub struct UsersCsv;

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for UsersCsv {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .min_length(Some(1))
            .description(Some("CSV: a header row, then one row per user"))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for UsersCsv {}
