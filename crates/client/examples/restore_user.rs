//! Seed scenario "Restore a deleted user": `Get-PCCustomerUser -Deleted | ? id -EQ …` then
//! `Restore-PCCustomerUser` / `Users.ById(u).Patch(new CustomerUser { State = UserState.Active })`.
//!
//! `cargo run -p tenantdesk-client --example restore_user -- CUSTOMER_ID USER_ID`

use futures::TryStreamExt as _;
use tenantdesk_client::Partner;

mod common;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ([customer, user], _) = common::args("restore_user CUSTOMER_ID USER_ID")?;
    let partner = Partner::from_env()?;
    let users = partner.customers().by_id(customer.parse()?).users();
    let id = user.parse()?;
    // As the PowerShell sample does: find it among the deleted users first.
    let deleted: Vec<_> = users
        .deleted()
        .try_filter(|u| std::future::ready(u.id == id))
        .try_collect()
        .await?;
    if deleted.is_empty() {
        return Err(format!("{user} is not among the deleted users").into());
    }
    let restored = users.by_id(id).restore().await?;
    println!("restored {} ({:?})", restored.user_principal_name, restored.state);
    Ok(())
}
