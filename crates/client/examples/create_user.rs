//! Seed scenario "Create a user": `New-PCCustomerUser` / `Users.Create(userToCreate)`.
//!
//! `TENANTDESK_URL=http://127.0.0.1:8080 TENANTDESK_TOKEN=… cargo run -p tenantdesk-client --example create_user -- CUSTOMER_ID ana@contoso.onmicrosoft.com`

use tenantdesk_client::{CustomerUserRequest, Partner, PasswordProfile};

mod common;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ([customer, upn], _) = common::args("create_user CUSTOMER_ID UPN")?;
    let partner = Partner::from_env()?;
    let user = partner
        .customers()
        .by_id(customer.parse()?)
        .users()
        .create(&CustomerUserRequest {
            user_principal_name: Some(upn),
            first_name: Some("TestFirstName".into()),
            last_name: Some("TestLastName".into()),
            display_name: Some("TestDisplayName".into()),
            usage_location: Some("US".into()),
            // No password: the service generates a temporary one and shows it once.
            password_profile: Some(PasswordProfile {
                force_change_password: Some(true),
                password: None,
            }),
            ..Default::default()
        })
        .await?;
    let password = user.password_profile.and_then(|p| p.password).unwrap_or_default();
    println!(
        "created {} ({}); temporary password: {password}",
        user.user_principal_name, user.id
    );
    Ok(())
}
