//! The `Caller` extractor: the verified principal of a request, with its request ids.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use tenantdesk_domain::{AgentRole, AuditRecord, CustomerId, Operation, Permission, Principal};

use crate::http::RequestIds;
use crate::{App, AppError};

/// Who is calling, and under which request and correlation ids.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The verified principal.
    pub principal: Principal,
    /// The request's ids.
    pub ids: RequestIds,
}

/// What an operation asks of its caller: the check a use case makes before anything else, and
/// the one a replay of its recorded answer makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// An agent whose role has the permission ([`Caller::require_agent`]).
    Agent(Permission),
    /// An app, or an agent whose role has the permission ([`Caller::require`]).
    AppOrAgent(Permission),
}

impl Caller {
    /// Checks `access`.
    pub fn check(&self, access: Access) -> Result<(), AppError> {
        match access {
            Access::Agent(permission) => self.require_agent(permission),
            Access::AppOrAgent(permission) => self.require(permission),
        }
    }

    /// Checks an operation on users: app-only tokens are refused (403, 2032), then the role.
    pub fn require_agent(&self, permission: Permission) -> Result<(), AppError> {
        match &self.principal.agent {
            None => Err(AppError::AppOnly),
            Some(agent) => check_role(agent.role, permission),
        }
    }

    /// Checks an operation apps may perform too (customers): only an agent's role can refuse it.
    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        match &self.principal.agent {
            None => Ok(()),
            Some(agent) => check_role(agent.role, permission),
        }
    }

    /// An audit record of a successful `operation` by this caller, stamped `at`.
    pub fn audit(
        &self,
        operation: Operation,
        customer: Option<CustomerId>,
        resource: Option<String>,
        at: chrono::DateTime<chrono::Utc>,
    ) -> AuditRecord {
        AuditRecord {
            customer,
            resource,
            request_id: Some(self.ids.request_id.clone()),
            correlation_id: Some(self.ids.correlation_id.clone()),
            ..AuditRecord::new(self.principal.partner, self.principal.actor(), operation, at)
        }
    }
}

fn check_role(role: AgentRole, permission: Permission) -> Result<(), AppError> {
    if role.allows(permission) {
        Ok(())
    } else {
        Err(AppError::Forbidden(role.as_str()))
    }
}

impl FromRequestParts<App> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let principal = principal(&parts.headers, app)?;
        let ids = parts
            .extensions
            .get::<RequestIds>()
            .cloned()
            .unwrap_or_else(RequestIds::generate);
        Ok(Self { principal, ids })
    }
}

/// The verified principal of a request's bearer token.
pub(crate) fn principal(headers: &HeaderMap, app: &App) -> Result<Principal, AppError> {
    let header = headers.get(AUTHORIZATION).ok_or(AppError::MissingToken)?;
    let header = header
        .to_str()
        .map_err(|_| AppError::InvalidToken("not ASCII".to_owned()))?;
    let (scheme, token) = header.trim().split_once(' ').ok_or(AppError::MissingToken)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AppError::InvalidToken(format!(
            "the scheme must be Bearer, not {scheme}"
        )));
    }
    app.tokens().verify(token.trim()).map_err(AppError::InvalidToken)
}
