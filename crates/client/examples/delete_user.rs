//! Seed scenario "Delete a user": `Remove-PCCustomerUser` / `Users.ById(u).Delete()`.
//! The user can be restored for 30 days.
//!
//! `cargo run -p tenantdesk-client --example delete_user -- CUSTOMER_ID USER_ID`

use tenantdesk_client::Partner;

mod common;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ([customer, user], _) = common::args("delete_user CUSTOMER_ID USER_ID")?;
    let partner = Partner::from_env()?;
    partner
        .customers()
        .by_id(customer.parse()?)
        .users()
        .by_id(user.parse()?)
        .delete()
        .await?;
    println!("deleted {user}; restorable for 30 days");
    Ok(())
}
