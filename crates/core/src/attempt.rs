//! What a mutating request tried to do: audited by the use case when its caller is refused, and
//! when the answer of an earlier request with the same request id is replayed instead.

use tenantdesk_domain::{AuditRecord, CustomerId, Operation, Outcome, Permission};

use crate::{App, Caller, Error};

/// What a mutating request tried to do, for the record of a refusal.
#[derive(Clone, Debug)]
pub(crate) struct Attempt {
    /// The operation.
    pub operation: Operation,
    /// The customer it concerned.
    pub customer: Option<CustomerId>,
    /// The resource it concerned.
    pub resource: Option<String>,
}

impl Attempt {
    /// An attempt at `operation` on `resource` of `customer`.
    pub fn new(operation: Operation, customer: CustomerId, resource: Option<String>) -> Self {
        Self {
            operation,
            customer: Some(customer),
            resource,
        }
    }

    /// Checks that `caller` is an agent whose role allows `permission`, recording a refusal.
    pub async fn require_agent(&self, app: &App, caller: &Caller, permission: Permission) -> Result<(), Error> {
        self.checked(app, caller, caller.require_agent(permission)).await
    }

    /// Passes `check` through, recording a refusal of `caller` as a failed attempt first.
    pub async fn checked(&self, app: &App, caller: &Caller, check: Result<(), Error>) -> Result<(), Error> {
        if let Err(error) = &check
            && error.is_refusal()
        {
            self.record_refusal(app, caller).await;
        }
        check
    }

    /// Records that `caller` was refused this attempt, in a transaction of its own (a refusal
    /// changes nothing else). A failure to record is logged, not returned: the caller is refused
    /// either way.
    pub async fn record_refusal(&self, app: &App, caller: &Caller) {
        self.record(app, caller, Outcome::Failure).await;
    }

    /// Records that `caller` was answered this attempt with the recorded answer of its earlier
    /// request with the same request id: nothing was done again. A failure to record is logged.
    pub async fn record_replay(&self, app: &App, caller: &Caller) {
        self.record(app, caller, Outcome::Replayed).await;
    }

    async fn record(&self, app: &App, caller: &Caller, outcome: Outcome) {
        let record = AuditRecord {
            outcome,
            ..caller.audit(self.operation.clone(), self.customer, self.resource.clone(), app.now())
        };
        crate::audit::record_apart(app, &record).await;
    }
}
