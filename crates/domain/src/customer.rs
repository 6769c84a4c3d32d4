//! Partners and their customers.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::{CompanyName, CustomerId, DomainName, PartnerId, ProviderInstanceId, UserPrincipalName};

/// The DNS name a partner's agents use to reach its portal (CloudCockpit's `X-Tenant`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PortalDomain(String);

impl PortalDomain {
    /// Parses a host name of up to 253 characters; stored lowercase.
    pub fn parse(value: &str) -> Result<Self, String> {
        let value = value.trim().to_ascii_lowercase();
        let labels_ok = value.split('.').all(|label| {
            !label.is_empty() && label.len() <= 63 && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
        if value.len() > 253 || !value.contains('.') || !labels_ok {
            return Err(format!("'{value}' is not a valid host name"));
        }
        Ok(Self(value))
    }

    /// The host name, lowercase.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PortalDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A CSP partner: it owns customers, and every token is issued for one partner.
#[derive(Clone, Debug)]
pub struct Partner {
    /// Its id.
    pub id: PartnerId,
    /// Its name.
    pub name: CompanyName,
    /// The domain of its portal, if it has one.
    pub portal_domain: Option<PortalDomain>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A customer tenant of one partner.
#[derive(Clone, Debug)]
pub struct Customer {
    /// The customer-tenant-id.
    pub id: CustomerId,
    /// The partner it belongs to.
    pub partner: PartnerId,
    /// The company's name.
    pub company_name: CompanyName,
    /// The domains it owns; never empty, the first is its default domain.
    pub domains: Vec<DomainName>,
    /// The provider instance it belongs to.
    pub provider_instance: ProviderInstanceId,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl Customer {
    /// The domain user principal names get when nothing else is said.
    pub fn default_domain(&self) -> &DomainName {
        &self.domains[0]
    }

    /// Whether `upn`'s domain is one of this customer's domains.
    pub fn owns(&self, upn: &UserPrincipalName) -> bool {
        let domain = upn.domain();
        self.domains.contains(&domain)
    }
}
