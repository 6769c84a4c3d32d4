//! **Reset password**: a temporary password, generated, shown once on **Password has been reset**.

use askama::Template;
use axum::response::{IntoResponse, Redirect};
use tenantdesk_core::users::{self, PasswordReset};
use tenantdesk_domain::{CustomerId, User};

use super::user_path;
use crate::error::{OrPage as _, PageResult};
use crate::extract::UserPath;
use crate::forms::{self, NoFields, Outcome, Posted};
use crate::page::{Chrome, render};
use crate::session::SignedIn;

#[derive(Template)]
#[template(path = "password_reset.html")]
struct ResetPage {
    chrome: Chrome,
    customer: CustomerId,
    user: User,
    password: String,
}

/// `POST /customers/{cid}/users/{uid}/reset-password`: **Reset password**.
pub async fn reset(agent: SignedIn, UserPath { customer, user }: UserPath, posted: Posted<NoFields>) -> PageResult {
    let caller = agent.form_caller(&posted);
    let path = user_path(customer, user);
    let generated = || {
        Ok(PasswordReset {
            password: None,
            field: "password",
        })
    };
    let done = users::reset_password(&agent.app, &caller, customer, user, None, |_| generated()).await;
    match forms::commit(&agent.app, done, |_| path.clone())
        .await
        .or_page(&agent.chrome)?
    {
        Outcome::Fresh(updated) => Ok(match updated.password {
            Some(password) => render(&ResetPage {
                chrome: agent.chrome,
                customer,
                user: updated.user,
                password: password.expose().to_owned(),
            }),
            None => Redirect::to(&path).into_response(),
        }),
        Outcome::Replayed(location) => Ok(forms::replayed(&agent.chrome, location)),
    }
}
