//! Partners, on the SQLite store.

use async_trait::async_trait;
use tenantdesk_domain::{CompanyName, Partner, PartnerId, PortalDomain};

use super::{SqliteStore, SqliteTx, corrupt, get, millis, time, translate};
use tenantdesk_store::{PartnerReads, PartnerWrites, Result};

#[async_trait]
impl PartnerReads for SqliteStore {
    async fn partner(&self, id: PartnerId) -> Result<Option<Partner>> {
        let row = sqlx::query("SELECT id, name, portal_domain, created_at FROM partners WHERE id = ?")
            .bind(id.to_string())
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
            created_at: time(get(&row, "created_at")?)?,
        }))
    }
}

#[async_trait]
impl PartnerWrites for SqliteTx {
    async fn insert_partner(&mut self, partner: &Partner) -> Result<()> {
        sqlx::query("INSERT INTO partners (id, name, portal_domain, created_at) VALUES (?, ?, ?, ?)")
            .bind(partner.id.to_string())
            .bind(partner.name.as_str())
            .bind(partner.portal_domain.as_ref().map(|d| d.as_str().to_owned()))
            .bind(millis(partner.created_at))
            .execute(&mut *self.0)
            .await
            .map_err(translate)?;
        Ok(())
    }
}
