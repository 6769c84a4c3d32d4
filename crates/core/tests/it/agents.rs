//! The administration commands' operations on agent accounts.

use tenantdesk_core::Error;
use tenantdesk_core::agents;
use tenantdesk_domain::{AgentRole, CompanyName, PartnerId, UserPrincipalName};

use super::{spawn_app, stored};

#[tokio::test]
async fn agents_are_created_once_per_upn_and_listed_by_partner() {
    let t = spawn_app().await;
    let ben = t.agent("ben@fabrikam.example", AgentRole::SalesAgent).await;
    let ana = t.agent("Ana@fabrikam.example", AgentRole::AdminAgent).await;
    assert!(ana.agent.must_change_password);
    assert_eq!(ana.password.expose().len(), 16);
    let other = tenantdesk_core::admin::create_partner(&t.app, CompanyName::parse("Northwind").unwrap(), None)
        .await
        .unwrap()
        .id;
    let taken = agents::create(
        &t.app,
        other,
        UserPrincipalName::parse("ANA@FABRIKAM.EXAMPLE").unwrap(),
        AgentRole::SalesAgent,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&taken, Error::Invalid(problems) if problems[0].field == "upn"),
        "{taken:?}"
    );
    let listed = agents::list(&t.app, t.partner).await.unwrap();
    assert_eq!(listed, vec![stored(&ana.agent), stored(&ben.agent)]);
    assert!(agents::list(&t.app, other).await.unwrap().is_empty());

    // Another partner's agent is not found through this partner, and an unknown partner is said so.
    let wrong_partner = agents::reset_password(&t.app, other, "ana@fabrikam.example")
        .await
        .unwrap_err();
    assert!(
        matches!(&wrong_partner, Error::Invalid(p) if p[0].field == "upn"),
        "{wrong_partner:?}"
    );
    let no_partner = agents::list(&t.app, PartnerId::new()).await.unwrap_err();
    assert!(
        matches!(&no_partner, Error::Invalid(p) if p[0].field == "partner"),
        "{no_partner:?}"
    );
    let wrong_partner = agents::remove(&t.app, other, "ana@fabrikam.example").await.unwrap_err();
    assert!(matches!(&wrong_partner, Error::Invalid(p) if p[0].field == "upn"));
    assert!(t.store.agent("ana@fabrikam.example").await.unwrap().is_some());
}
