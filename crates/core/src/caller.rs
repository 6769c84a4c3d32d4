//! Who is calling a use case, under which request ids, and what it may do.
//!
//! Every use case checks its permission here, once. A mutating use case that refuses its caller
//! (an app-only caller, or a role without the right) audits the refused attempt itself
//! (`attempt`), so every front end gets the same audit trail.

use tenantdesk_domain::{AgentRole, AuditRecord, CustomerId, Operation, Permission, Principal, UserId};
use tenantdesk_store::IdempotencyKey;

use crate::Error;

/// A request's ids: echoed by the front end, written on audit records and on every log line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestIds {
    /// The request id (Partner Center's `MS-RequestId`), as sent or generated.
    pub request_id: String,
    /// Whether the client chose the request id (only then is it an idempotency key).
    pub request_id_from_client: bool,
    /// The correlation id, as sent or generated.
    pub correlation_id: String,
}

impl RequestIds {
    /// Fresh ids for a request that has none.
    pub fn generate() -> Self {
        Self {
            request_id: uuid::Uuid::new_v4().to_string(),
            request_id_from_client: false,
            correlation_id: uuid::Uuid::new_v4().to_string(),
        }
    }
}

/// Who is calling, under which request ids, and (for a mutating request) its idempotency key.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The verified principal.
    pub principal: Principal,
    /// The request's ids.
    pub ids: RequestIds,
    /// The idempotency key of this request: see [`Caller::asking`].
    pub(crate) key: Option<IdempotencyKey>,
}

impl Caller {
    /// `principal` calling under `ids`.
    pub fn new(principal: Principal, ids: RequestIds) -> Self {
        Self {
            principal,
            ids,
            key: None,
        }
    }

    /// This caller asking for what `fingerprint` digests (method, target and body of a request, or
    /// a form's fields): when the client chose the request id, repeating the same request with the
    /// same id does the work once and then replays its answer.
    pub fn asking(mut self, fingerprint: &str) -> Self {
        self.key = self.ids.request_id_from_client.then(|| IdempotencyKey {
            request_id: self.ids.request_id.clone(),
            fingerprint: fingerprint.to_owned(),
            actor: self.principal.actor().to_owned(),
        });
        self
    }

    /// An audit record of a successful `operation` by this caller, stamped `at`.
    pub(crate) fn audit(
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

    /// An audit record of a successful `operation` by this caller on `user`, a user of `customer`,
    /// stamped `at`.
    pub(crate) fn user_audit(
        &self,
        operation: Operation,
        customer: CustomerId,
        user: UserId,
        at: chrono::DateTime<chrono::Utc>,
    ) -> AuditRecord {
        self.audit(operation, Some(customer), Some(user.to_string()), at)
    }

    /// Checks an operation on users: an app-only caller is refused, then the agent's role.
    pub(crate) fn require_agent(&self, permission: Permission) -> Result<(), Error> {
        match &self.principal.agent {
            None => Err(Error::AppOnly),
            Some(agent) => check_role(agent.role, permission),
        }
    }

    /// Checks an operation apps may perform too (customers): only an agent's role can refuse it.
    pub(crate) fn require(&self, permission: Permission) -> Result<(), Error> {
        match &self.principal.agent {
            None => Ok(()),
            Some(agent) => check_role(agent.role, permission),
        }
    }
}

fn check_role(role: AgentRole, permission: Permission) -> Result<(), Error> {
    if role.allows(permission) {
        Ok(())
    } else {
        Err(Error::Forbidden(role.as_str()))
    }
}
