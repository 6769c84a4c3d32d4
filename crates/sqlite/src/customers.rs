//! Customers and their domains, on the SQLite store.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use tenantdesk_domain::{CompanyName, Customer, CustomerId, DomainName, PartnerId, ProviderInstanceId};

use super::{SqliteStore, SqliteTx, corrupt, get, millis, time, translate, uuid};
use tenantdesk_store::{CustomerReads, CustomerWrites, Result};

/// Folds rows of `customers JOIN customer_domains`, ordered by customer then position.
fn customers_from_rows(rows: &[SqliteRow]) -> Result<Vec<Customer>> {
    let mut customers: Vec<Customer> = Vec::new();
    for row in rows {
        let id = CustomerId::from_uuid(uuid(row, "id")?);
        let domain = DomainName::parse(&get::<String>(row, "domain")?).map_err(corrupt("domain"))?;
        match customers.last_mut() {
            Some(last) if last.id == id => last.domains.push(domain),
            _ => customers.push(Customer {
                id,
                partner: PartnerId::from_uuid(uuid(row, "partner_id")?),
                company_name: CompanyName::parse(&get::<String>(row, "company_name")?)
                    .map_err(corrupt("company name"))?,
                domains: vec![domain],
                provider_instance: ProviderInstanceId::from_uuid(uuid(row, "provider_instance_id")?),
                created_at: time(get(row, "created_at")?)?,
            }),
        }
    }
    Ok(customers)
}

macro_rules! customer_select {
    ($where:literal) => {
        concat!(
            "SELECT c.id, c.partner_id, c.company_name, c.provider_instance_id, c.created_at, d.domain ",
            "FROM customers c JOIN customer_domains d ON d.customer_id = c.id ",
            $where
        )
    };
}

#[async_trait]
impl CustomerReads for SqliteStore {
    async fn customers(&self, partner: PartnerId) -> Result<Vec<Customer>> {
        let rows = sqlx::query(customer_select!(
            "WHERE c.partner_id = ? ORDER BY c.created_at, c.id, d.position"
        ))
        .bind(partner.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        customers_from_rows(&rows)
    }

    async fn customer(&self, partner: PartnerId, id: CustomerId) -> Result<Option<Customer>> {
        let rows = sqlx::query(customer_select!(
            "WHERE c.partner_id = ? AND c.id = ? ORDER BY d.position"
        ))
        .bind(partner.to_string())
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(translate)?;
        Ok(customers_from_rows(&rows)?.pop())
    }
}

#[async_trait]
impl CustomerWrites for SqliteTx {
    async fn insert_customer(&mut self, customer: &Customer) -> Result<()> {
        sqlx::query(
            "INSERT INTO customers (id, partner_id, company_name, provider_instance_id, created_at) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(customer.id.to_string())
        .bind(customer.partner.to_string())
        .bind(customer.company_name.as_str())
        .bind(customer.provider_instance.to_string())
        .bind(millis(customer.created_at))
        .execute(&mut *self.0)
        .await
        .map_err(translate)?;
        for (position, domain) in (0_i64..).zip(&customer.domains) {
            sqlx::query("INSERT INTO customer_domains (customer_id, domain, position) VALUES (?, ?, ?)")
                .bind(customer.id.to_string())
                .bind(domain.as_str())
                .bind(position)
                .execute(&mut *self.0)
                .await
                .map_err(translate)?;
        }
        Ok(())
    }
}
