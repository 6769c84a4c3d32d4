//! Seed scenario "Reset a user password": `Set-PCCustomerUser -Password … -ForceChangePassword $true`
//! / `Users.ById(u).Patch(user with PasswordProfile)`.
//!
//! `cargo run -p tenantdesk-client --example reset_password -- CUSTOMER_ID USER_ID [PASSWORD]`
//! (without PASSWORD, a temporary one is generated).

use tenantdesk_client::Partner;

mod common;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ([customer, user], mut rest) = common::args("reset_password CUSTOMER_ID USER_ID [PASSWORD]")?;
    let password = rest.next();
    let partner = Partner::from_env()?;
    let ops = partner
        .customers()
        .by_id(customer.parse()?)
        .users()
        .by_id(user.parse()?);
    let user = ops.reset_password(password.as_deref()).await?;
    let password = user.password_profile.and_then(|p| p.password).unwrap_or_default();
    println!("temporary password of {}: {password}", user.user_principal_name);
    Ok(())
}
