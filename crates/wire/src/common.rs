//! Shapes every Partner Center resource shares: links, attributes, collections, errors.

use serde::{Deserialize, Serialize};

/// A key and its value: a header a link must be followed with (such as `MS-ContinuationToken`), or
/// an entry of an audit record's `customizedData`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyValue {
    /// Header name.
    pub key: String,
    /// Header value.
    pub value: String,
}

/// A link to a resource or a page, relative to the API root and without the `/v1` prefix.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Link {
    /// The path and query.
    pub uri: String,
    /// The HTTP method.
    pub method: String,
    /// Headers to send with it.
    #[serde(default)]
    pub headers: Vec<KeyValue>,
}

impl Link {
    /// A `GET` link with no headers.
    pub fn get(uri: impl Into<String>) -> Self {
        Self {
            uri: uri.into(),
            method: "GET".to_owned(),
            headers: Vec::new(),
        }
    }
}

/// The links of a single resource.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResourceLinks {
    /// The resource itself.
    #[serde(rename = "self")]
    pub self_link: Link,
}

/// The links of a page of a collection.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CollectionLinks {
    /// This page.
    #[serde(rename = "self")]
    pub self_link: Link,
    /// The next page; absent on the last one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<Link>,
}

/// `{"objectType": "…"}`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Attributes {
    /// The resource's type name, such as `CustomerUser`.
    #[serde(default)]
    pub object_type: String,
}

impl Attributes {
    /// Attributes naming `object_type`.
    pub fn of(object_type: &str) -> Self {
        Self {
            object_type: object_type.to_owned(),
        }
    }
}

/// One page of a collection.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Collection<T> {
    /// How many items this page holds.
    pub total_count: usize,
    /// The items.
    pub items: Vec<T>,
    /// The token of the next page, absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<String>,
    /// This page and the next.
    pub links: CollectionLinks,
    /// `{"objectType": "Collection"}`.
    pub attributes: Attributes,
}

/// Partner Center's error body.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Partner Center's error code (3000 invalid input, 60002 user not found, …).
    pub code: u32,
    /// A sentence for people.
    pub description: String,
    /// Details, such as one line per invalid field: at most 100, then one line counting the rest.
    #[serde(default)]
    pub data: Vec<String>,
    /// Who answered: always `tenantdesk`.
    #[serde(default)]
    pub source: String,
}
