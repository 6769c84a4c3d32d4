//! Partners, on the PostgreSQL store.

use async_trait::async_trait;
use tenantdesk_domain::{CompanyName, Partner, PartnerId, PortalDomain};

use super::{PostgresStore, PostgresTx, corrupt, get, time, translate};
use tenantdesk_store::{PartnerReads, PartnerWrites, Result};

#[async_trait]
impl PartnerReads for PostgresStore {
    async fn partner(&self, id: PartnerId) -> Result<Option<Partner>> {
        let row = sqlx::query("SELECT name, portal_domain, created_at FROM partners WHERE id = $1")
            .bind(id.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(translate)?;
        let Some(row) = row else { return Ok(None) };
        let portal: Option<String> = get(&row, "portal_domain")?;
        Ok(Some(Partner {
            id,
            name: CompanyName::parse(&get::<String>(&row, "name")?).map_err(corrupt("partner name"))?,
            portal_domain: portal
                .map(|p| PortalDomain::parse(&p))
                .transpose()
                .map_err(corrupt("portal"))?,
            created_at: time(&row, "created_at")?,
        }))
    }
}

#[async_trait]
impl PartnerWrites for PostgresTx {
    async fn insert_partner(&mut self, partner: &Partner) -> Result<()> {
        sqlx::query("INSERT INTO partners (id, name, portal_domain, created_at) VALUES ($1, $2, $3, $4)")
            .bind(partner.id.as_uuid())
            .bind(partner.name.as_str())
            .bind(partner.portal_domain.as_ref().map(|d| d.as_str().to_owned()))
            .bind(partner.created_at)
            .execute(&mut *self.0)
            .await
            .map_err(translate)?;
        Ok(())
    }
}
