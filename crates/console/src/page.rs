//! What every page of a signed-in agent shows around its content: who is signed in, under which
//! role, and the links and controls that role may use.

use tenantdesk_domain::{AgentAccount, AgentRole, Permission};

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::assets;

/// The frame of a page: the signed-in agent (if any) and the assets' versioned paths.
#[derive(Clone, Debug)]
pub struct Chrome {
    /// The agent's UPN, when one is signed in.
    pub agent: Option<String>,
    /// Its role.
    pub role: Option<AgentRole>,
    /// The stylesheet's path.
    pub css: &'static str,
    /// The script's path.
    pub js: &'static str,
}

impl Chrome {
    /// The frame of a page nobody is signed in on.
    pub fn anonymous() -> Self {
        Self {
            agent: None,
            role: None,
            css: assets::css_path(),
            js: assets::js_path(),
        }
    }

    /// The frame of `agent`'s pages.
    pub fn of(agent: &AgentAccount) -> Self {
        Self {
            agent: Some(agent.upn.to_string()),
            role: Some(agent.role),
            ..Self::anonymous()
        }
    }

    /// The role's name, or nothing.
    pub fn role_name(&self) -> &'static str {
        self.role.map_or("", AgentRole::as_str)
    }

    /// Whether the agent may add, change, delete, restore and upload users.
    pub fn can_manage(&self) -> bool {
        self.role.is_some_and(|r| r.allows(Permission::ManageUsers))
    }

    /// Whether the agent may reset passwords.
    pub fn can_reset(&self) -> bool {
        self.role.is_some_and(|r| r.allows(Permission::ResetPassword))
    }
}

/// A template rendered to a page; a rendering failure (a bug) is a plain 500.
pub fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => {
            tracing::error!(%error, "a console page failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "the page failed to render").into_response()
        }
    }
}
