//! Seed scenario "Update a user": `Set-PCCustomerUser` / `Users.ById(u).Patch(userToUpdate)`.
//!
//! `cargo run -p tenantdesk-client --example update_user -- CUSTOMER_ID USER_ID "New display name"`

use tenantdesk_client::{CustomerUserRequest, Partner};

mod common;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ([customer, user, name], _) = common::args("update_user CUSTOMER_ID USER_ID DISPLAY_NAME")?;
    let partner = Partner::from_env()?;
    let changes = CustomerUserRequest {
        display_name: Some(name),
        usage_location: Some("US".into()),
        ..Default::default()
    };
    let user = partner
        .customers()
        .by_id(customer.parse()?)
        .users()
        .by_id(user.parse()?)
        .patch(&changes)
        .await?;
    println!(
        "{} is now \"{}\" in {}",
        user.user_principal_name, user.display_name, user.usage_location
    );
    Ok(())
}
