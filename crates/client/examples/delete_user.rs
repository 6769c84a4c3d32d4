//! Seed scenario "Delete a user": `Remove-PCCustomerUser` / `Users.ById(u).Delete()`.
//! The user can be restored for 30 days.
//!
//! `cargo run -p tenantdesk-client --example delete_user -- CUSTOMER_ID USER_ID`

use tenantdesk_client::Partner;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (url, token) = (std::env::var("TENANTDESK_URL")?, std::env::var("TENANTDESK_TOKEN")?);
    let mut args = std::env::args().skip(1);
    let (Some(customer), Some(user)) = (args.next(), args.next()) else {
        return Err("usage: delete_user CUSTOMER_ID USER_ID".into());
    };
    let partner = Partner::new(&url, &token)?;
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
