//! Customers, shaped like Partner Center's `Customer` resource.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Attributes, ResourceLinks};

/// A customer's company profile.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CompanyProfile {
    /// The customer's tenant id (equal to the customer id).
    pub tenant_id: Uuid,
    /// Its default domain, such as `contoso.onmicrosoft.com`.
    pub domain: String,
    /// The company's name.
    pub company_name: String,
    /// `{"objectType": "CustomerCompanyProfile"}`.
    pub attributes: Attributes,
}

/// A customer tenant of the calling partner.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    /// The customer-tenant-id.
    pub id: Uuid,
    /// Its company profile.
    pub company_profile: CompanyProfile,
    /// Every domain it owns, the default one first (tenantdesk's addition).
    pub domains: Vec<String>,
    /// Its provider instance (checked by the CloudCockpit-style reset route).
    pub provider_instance_id: Uuid,
    /// Always `reseller`.
    pub relationship_to_partner: String,
    /// `self`: `/customers/{cid}`.
    pub links: ResourceLinks,
    /// `{"objectType": "Customer"}`.
    pub attributes: Attributes,
}

/// The company profile of a new customer.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CompanyProfileRequest {
    /// Its default domain; required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// The company's name; defaults to the domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
}

/// The body of `POST /v1/customers`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CustomerRequest {
    /// The company profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_profile: Option<CompanyProfileRequest>,
    /// More domains the customer owns, besides its default one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_domains: Vec<String>,
}
