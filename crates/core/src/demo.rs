//! The demo data of `serve --demo`: a partner, the customer `contoso.onmicrosoft.com`, a few
//! users and the console's admin agent, created on first start and found again on later starts.

use tenantdesk_domain::{
    AgentAccount, AgentRole, CompanyName, Customer, CustomerId, DisplayName, DomainName, PartnerId, Password,
    PersonName, PortalDomain, Principal, UsageLocation, UserPrincipalName,
};

use crate::customers::NewCustomer;
use crate::tx::Answer;
use crate::users::NewUser;
use crate::{App, Caller, Error, RequestIds, admin, agents, users};

/// The demo's domain.
pub const DEMO_DOMAIN: &str = "contoso.onmicrosoft.com";
/// The demo's admin agent.
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
    /// The demo admin agent of the console, [`DEMO_AGENT`].
    pub agent: AgentAccount,
    /// Its one-time password, fresh at every start until the agent sets its own; then `None`.
    pub one_time_password: Option<Password>,
}

/// Creates the demo data unless it exists.
pub async fn ensure(app: &App) -> Result<Demo, Error> {
    let stored = (
        app.store().setting(PARTNER_SETTING).await?,
        app.store().setting(CUSTOMER_SETTING).await?,
    );
    let (partner, customer) = match stored {
        (Some(partner), Some(customer)) => {
            let partner: PartnerId = partner
                .parse()
                .map_err(|e| Error::Internal(anyhow::anyhow!("demo partner id: {e}")))?;
            let customer: CustomerId = customer
                .parse()
                .map_err(|e| Error::Internal(anyhow::anyhow!("demo customer id: {e}")))?;
            let customer = app
                .store()
                .customer(partner, customer)
                .await?
                .ok_or(Error::CustomerNotFound)?;
            (partner, customer)
        }
        _ => seed(app).await?,
    };
    let (agent, one_time_password) = ensure_agent(app, partner).await?;
    Ok(Demo {
        partner,
        customer,
        agent,
        one_time_password,
    })
}

/// The demo admin agent: created on first start; while it still has a one-time password, given a
/// fresh one (the last one was printed, and may have been lost with the terminal); left alone once
/// it set its own.
async fn ensure_agent(app: &App, partner: PartnerId) -> Result<(AgentAccount, Option<Password>), Error> {
    let created = match app.store().agent(DEMO_AGENT).await? {
        None => {
            let upn = valid(UserPrincipalName::parse(DEMO_AGENT))?;
            agents::create(app, partner, upn, AgentRole::AdminAgent).await?
        }
        Some(agent) if agent.partner != partner => {
            return Err(Error::Internal(anyhow::anyhow!(
                "the demo agent {DEMO_AGENT} belongs to another partner ({})",
                agent.partner
            )));
        }
        Some(agent) if !agent.must_change_password => return Ok((agent, None)),
        Some(_) => agents::reset_password(app, partner, DEMO_AGENT).await?,
    };
    Ok((created.agent, Some(created.password)))
}

/// A value the demo's constants make; they are all valid.
fn valid<T>(parsed: Result<T, impl std::fmt::Display>) -> Result<T, Error> {
    parsed.map_err(|e| Error::Internal(anyhow::anyhow!("invalid demo data: {e}")))
}

async fn seed(app: &App) -> Result<(PartnerId, Customer), Error> {
    let partner = admin::create_partner(
        app,
        valid(CompanyName::parse("Fabrikam CSP (demo)"))?,
        Some(valid(PortalDomain::parse("portal.fabrikam.example"))?),
    )
    .await?;
    let new_customer = NewCustomer {
        domains: vec![valid(DomainName::parse(DEMO_DOMAIN))?],
        name: valid(CompanyName::parse("Contoso"))?,
    };
    let customer = admin::create_customer(app, partner.id, new_customer).await?;
    let caller = Caller::new(
        Principal {
            partner: partner.id,
            agent: Some(tenantdesk_domain::Agent {
                upn: DEMO_AGENT.to_owned(),
                role: AgentRole::AdminAgent,
            }),
        },
        RequestIds::generate(),
    );
    let people = [
        ("Ana", "Lima", "US"),
        ("Ben", "Carter", "GB"),
        ("Chloé", "Dubois", "FR"),
        ("Diego", "Ramos", "ES"),
        ("Eve", "Former", "US"),
    ];
    for (first, last, location) in people {
        let upn = format!(
            "{}.{}@{DEMO_DOMAIN}",
            first.to_lowercase().replace('é', "e"),
            last.to_lowercase()
        );
        let new = NewUser {
            upn: valid(UserPrincipalName::parse(&upn))?,
            first_name: valid(PersonName::parse(first))?,
            last_name: valid(PersonName::parse(last))?,
            display_name: valid(DisplayName::parse(&format!("{first} {last}")))?,
            usage_location: valid(UsageLocation::parse(location))?,
            password: None,
            force_change_password: true,
            roles: Vec::new(),
        };
        let created = users::create(app, &caller, customer.id, |_| Ok(new)).await?.fresh()?;
        let created = created.commit(app, Answer::default()).await?.fresh()?;
        if last == "Former" {
            // One deleted user, so the deleted-users list has something to show.
            let deleted = users::delete(app, &caller, customer.id, created.user.id)
                .await?
                .fresh()?;
            deleted.commit(app, Answer::default()).await?.fresh()?;
        }
    }
    let mut tx = app.store().begin().await?;
    tx.setting_or_insert(PARTNER_SETTING, &partner.id.to_string()).await?;
    tx.setting_or_insert(CUSTOMER_SETTING, &customer.id.to_string()).await?;
    tx.commit().await?;
    Ok((partner.id, customer))
}
