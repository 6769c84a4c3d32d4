//! The demo data of `serve --demo`: a partner, the customer `contoso.onmicrosoft.com` and a few
//! users, created on first start and found again on later starts.

use std::time::Duration;

use tenantdesk_domain::{AgentRole, Customer, CustomerId, PartnerId, Principal};
use tenantdesk_wire::CustomerUserRequest;

use crate::auth::Caller;
use crate::http::RequestIds;
use crate::{App, AppError, admin, users};

/// The demo's domain.
pub const DEMO_DOMAIN: &str = "contoso.onmicrosoft.com";
/// The agent the demo token is issued to.
pub const DEMO_AGENT: &str = "admin@fabrikam.example";
const PARTNER_SETTING: &str = "demo-partner";
const CUSTOMER_SETTING: &str = "demo-customer";

/// What the demo needs printed.
#[derive(Debug)]
pub struct Demo {
    /// The demo partner.
    pub partner: PartnerId,
    /// The demo customer.
    pub customer: Customer,
    /// An admin-agent token for the demo partner.
    pub token: String,
}

/// Creates the demo data unless it exists, and issues a token valid for `ttl`.
pub async fn ensure(app: &App, ttl: Duration) -> Result<Demo, AppError> {
    let stored = (
        app.store().setting(PARTNER_SETTING).await?,
        app.store().setting(CUSTOMER_SETTING).await?,
    );
    let (partner, customer) = match stored {
        (Some(partner), Some(customer)) => {
            let partner: PartnerId = partner
                .parse()
                .map_err(|e| AppError::Internal(anyhow::anyhow!("demo partner id: {e}")))?;
            let customer: CustomerId = customer
                .parse()
                .map_err(|e| AppError::Internal(anyhow::anyhow!("demo customer id: {e}")))?;
            let customer = app
                .store()
                .customer(partner, customer)
                .await?
                .ok_or(AppError::CustomerNotFound)?;
            (partner, customer)
        }
        _ => seed(app).await?,
    };
    let token = admin::issue_token(app, partner, Some((DEMO_AGENT, AgentRole::AdminAgent)), ttl).await?;
    Ok(Demo {
        partner,
        customer,
        token,
    })
}

async fn seed(app: &App) -> Result<(PartnerId, Customer), AppError> {
    let partner = admin::create_partner(app, "Fabrikam CSP (demo)", Some("portal.fabrikam.example")).await?;
    let customer = admin::create_customer(app, partner.id, &[DEMO_DOMAIN.to_owned()], Some("Contoso")).await?;
    let caller = Caller {
        principal: Principal {
            partner: partner.id,
            agent: Some(tenantdesk_domain::Agent {
                upn: DEMO_AGENT.to_owned(),
                role: AgentRole::AdminAgent,
            }),
        },
        ids: RequestIds::generate(),
    };
    let people = [
        ("Ana", "Lima", "US"),
        ("Ben", "Carter", "GB"),
        ("Chloé", "Dubois", "FR"),
        ("Diego", "Ramos", "ES"),
        ("Eve", "Former", "US"),
    ];
    for (first, last, location) in people {
        let request = CustomerUserRequest {
            user_principal_name: Some(format!(
                "{}.{}@{DEMO_DOMAIN}",
                first.to_lowercase().replace('é', "e"),
                last.to_lowercase()
            )),
            first_name: Some(first.to_owned()),
            last_name: Some(last.to_owned()),
            display_name: Some(format!("{first} {last}")),
            usage_location: Some(location.to_owned()),
            ..CustomerUserRequest::default()
        };
        let created = users::create(app, &caller, customer.id, request)
            .await?
            .commit()
            .await?;
        if last == "Former" {
            // One deleted user, so the deleted-users list has something to show.
            users::delete(app, &caller, customer.id, created.user.id)
                .await?
                .commit()
                .await?;
        }
    }
    let mut tx = app.store().begin().await?;
    tx.setting_or_insert(PARTNER_SETTING, &partner.id.to_string()).await?;
    tx.setting_or_insert(CUSTOMER_SETTING, &customer.id.to_string()).await?;
    tx.commit().await?;
    Ok((partner.id, customer))
}
