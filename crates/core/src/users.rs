//! Customer users: create, read, list, update, reset the password of, delete and restore.
//!
//! Each mutating use case checks its caller first (auditing a refusal), replays the answer of a
//! request it already did, then validates its input, hashes a new password on a hashing thread
//! before touching the database, and does its work with its audit record in one transaction,
//! returned uncommitted ([`Pending`]) so the front end can record its answer in it.
//!
//! Inputs are parsed by the front end into domain types. So that a caller is refused before its
//! input is looked at (an agent without the right learns nothing about what it sent), a use case
//! takes its input as a function of what it found: the front end's parser, run once the caller is
//! authorized and the customer (and user) exist.

use tenantdesk_domain::{
    Customer, CustomerId, DirectoryRole, DirectoryRoleId, DisplayName, FieldError, Operation, Password, Permission,
    PersonName, UsageLocation, User, UserChanges, UserId, UserPrincipalName, UserState,
};
use tenantdesk_store::{Conflict, CustomerScope, UserCursor, UserQuery};

use crate::attempt::Attempt;
use crate::tx::once;
use crate::{App, Caller, Done, Error, Pending};

/// What a front end parsed: the input, or every problem with it.
pub type Input<T> = Result<T, Vec<FieldError>>;

/// A user to create.
#[derive(Debug)]
pub struct NewUser {
    /// Its sign-in name, in one of the customer's domains.
    pub upn: UserPrincipalName,
    /// First name.
    pub first_name: Option<PersonName>,
    /// Last name.
    pub last_name: Option<PersonName>,
    /// Display name.
    pub display_name: DisplayName,
    /// Usage location.
    pub usage_location: UsageLocation,
    /// Its password; `None` generates a temporary one.
    pub password: Option<Password>,
    /// Whether it must change its password at first sign-in.
    pub force_change_password: bool,
    /// The directory roles it is made a member of.
    pub roles: Vec<DirectoryRoleId>,
}

/// A password reset: a temporary password, given or generated, that must be changed at next sign-in.
pub struct PasswordReset {
    /// The new password, checked against the policy for the user; `None` generates one.
    pub password: Option<String>,
    /// The name of the field the password came in, for its problems.
    pub field: &'static str,
}

impl std::fmt::Debug for PasswordReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordReset")
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("field", &self.field)
            .finish()
    }
}

/// A created user and its password (given or generated), to hand out once.
#[derive(Debug)]
pub struct Created {
    /// The user.
    pub user: User,
    /// Its password.
    pub password: Password,
}

/// An updated user, and its new password when the update set one.
#[derive(Debug)]
pub struct Updated {
    /// The user.
    pub user: User,
    /// Its new password, if the update reset it.
    pub password: Option<Password>,
}

/// A page of users.
#[derive(Debug)]
pub struct Page {
    /// The query this page answers.
    pub query: UserQuery,
    /// The users.
    pub users: Vec<User>,
    /// Where the next page starts, unless this is the last page.
    pub next: Option<UserCursor>,
}

/// The problem with `upn` if it is not in one of the customer's domains.
pub fn domain_problem(customer: &Customer, upn: &UserPrincipalName, field: &str) -> Option<FieldError> {
    (!customer.owns(upn)).then(|| {
        let owned: Vec<&str> = customer.domains.iter().map(|d| d.as_str()).collect();
        FieldError::new(
            field,
            format!(
                "the domain '{}' is not one of the customer's domains ({})",
                upn.domain(),
                owned.join(", ")
            ),
        )
    })
}

/// The directory roles a new user is to be a member of, each once, from their ids as given; an id
/// that names no directory role is a problem of `field`.
pub fn directory_roles<'a>(
    ids: impl IntoIterator<Item = &'a str>,
    field: &str,
    v: &mut tenantdesk_domain::Validator,
) -> Vec<DirectoryRoleId> {
    let mut roles = Vec::new();
    for id in ids {
        match id.parse().ok().and_then(tenantdesk_domain::DirectoryRole::find) {
            Some(role) if !roles.contains(&role.id) => roles.push(role.id),
            Some(_) => {}
            None => v.push(FieldError::new(field, format!("'{id}' is not a directory role"))),
        }
    }
    roles
}

/// The user `id` if it is active; 404 otherwise.
fn active(user: Option<User>) -> Result<User, Error> {
    match user {
        Some(user) if user.state == UserState::Active => Ok(user),
        _ => Err(Error::user_not_found()),
    }
}

/// Creates a user, with a temporary password unless the input gives one. `input` parses the
/// request for the caller's customer.
pub async fn create(
    app: &App,
    caller: &Caller,
    customer_id: CustomerId,
    input: impl FnOnce(&Customer) -> Input<NewUser>,
) -> Result<Done<Pending<Created>>, Error> {
    let attempt = Attempt::new(Operation::CreateCustomerUser, customer_id, None);
    attempt.require_agent(app, caller, Permission::ManageUsers).await?;
    let (customer, scope) = app.customer_of(caller, customer_id).await?;
    once(app, caller, &attempt, async {
        let new = input(&customer).map_err(Error::Invalid)?;
        if let Some(problem) = domain_problem(&customer, &new.upn, "userPrincipalName") {
            return Err(Error::Invalid(vec![problem]));
        }
        let password = new.password.unwrap_or_else(|| Password::generate(&new.upn));
        let hash = app.passwords().hash(&password).await?;
        let now = app.now();
        let user = User {
            id: UserId::new(),
            customer: customer_id,
            upn: new.upn,
            first_name: new.first_name,
            last_name: new.last_name,
            display_name: new.display_name,
            usage_location: new.usage_location,
            state: UserState::Active,
            soft_deleted_at: None,
            force_change_password: new.force_change_password,
            created_at: now,
            updated_at: now,
        };
        let mut tx = app.store().begin().await?;
        tx.insert_user(scope, &user, &hash).await?;
        for role in new.roles {
            tx.add_role_member(scope, role, user.id, now).await?;
            tx.insert_audit(&caller.user_audit(Operation::AddDirectoryRoleMember, customer_id, user.id, now))
                .await?;
        }
        tx.insert_audit(&caller.user_audit(Operation::CreateCustomerUser, customer_id, user.id, now))
            .await?;
        Ok(Pending::new(tx, caller, Created { user, password }))
    })
    .await
}

/// An active user.
///
/// One query when the user is there: the user, scoped by the caller's partner and the customer
/// (a user's row carries its customer's partner, so finding it proves the customer is the
/// caller's). Only a miss asks for the customer, to tell 60003 (no such customer for this partner)
/// from 60002 (no such user), exactly as before.
pub async fn get(app: &App, caller: &Caller, customer_id: CustomerId, id: UserId) -> Result<User, Error> {
    caller.require_agent(Permission::Read)?;
    let scope = app.scope_of(caller, customer_id);
    match app.store().user(scope, id).await? {
        found @ Some(_) => active(found),
        None => {
            app.customer_of(caller, customer_id).await?;
            Err(Error::user_not_found())
        }
    }
}

/// A page of users, as `query` asks.
pub async fn list(app: &App, caller: &Caller, customer_id: CustomerId, query: UserQuery) -> Result<Page, Error> {
    caller.require_agent(Permission::Read)?;
    let page = page_in(app, app.scope_of(caller, customer_id), query).await?;
    // Users of the scope prove the customer is the caller's; an empty page asks, for 60003.
    if page.users.is_empty() {
        app.customer_of(caller, customer_id).await?;
    }
    Ok(page)
}

/// The page of users of `scope` that `query` asks for.
async fn page_in(app: &App, scope: CustomerScope, query: UserQuery) -> Result<Page, Error> {
    // One more than asked tells whether there is a next page.
    let probe = UserQuery {
        limit: query.limit + 1,
        ..query.clone()
    };
    let mut users = app.store().users(scope, &probe).await?;
    let next = if users.len() > query.limit as usize {
        users.truncate(query.limit as usize);
        users.last().map(|u| UserCursor::after(u, query.sort))
    } else {
        None
    };
    Ok(Page { query, users, next })
}

/// A page of a customer's users as a table shows it (the console's **Users and licenses** and
/// **Deleted users**): the customer, the page, the directory roles of each user on it, and how
/// many deleted users can still be restored.
#[derive(Debug)]
pub struct Table {
    /// The customer.
    pub customer: Customer,
    /// The page `query` asked for.
    pub page: Page,
    /// The directory roles of each user of the page, in its order.
    pub roles: Vec<Vec<&'static DirectoryRole>>,
    /// How many of the customer's deleted users can still be restored (deleted within
    /// [`tenantdesk_domain::RESTORE_WINDOW`]): one count, whatever their number.
    pub restorable: u64,
}

/// The customer's table of users that `query` asks for: the customer is read once, then the page,
/// its users' roles and the count of restorable users in its scope.
pub async fn table(app: &App, caller: &Caller, customer_id: CustomerId, query: UserQuery) -> Result<Table, Error> {
    caller.require_agent(Permission::Read)?;
    let (customer, scope) = app.customer_of(caller, customer_id).await?;
    let page = page_in(app, scope, query).await?;
    let roles = roles_of_users(app, scope, &page.users).await?;
    let since = app.now() - tenantdesk_domain::RESTORE_WINDOW;
    let restorable = app.store().count_deleted_since(scope, since).await?;
    Ok(Table {
        customer,
        page,
        roles,
        restorable,
    })
}

/// An active user as its page shows it: with its customer and its directory roles.
#[derive(Debug)]
pub struct Profile {
    /// The customer.
    pub customer: Customer,
    /// The user.
    pub user: User,
    /// The directory roles it is a member of.
    pub roles: Vec<&'static DirectoryRole>,
}

/// The active user `id` with its customer and roles: the customer is read first (60003 before
/// 60002, as [`get`] answers), then the user, then its roles.
pub async fn profile(app: &App, caller: &Caller, customer_id: CustomerId, id: UserId) -> Result<Profile, Error> {
    caller.require_agent(Permission::Read)?;
    let (customer, scope) = app.customer_of(caller, customer_id).await?;
    let user = active(app.store().user(scope, id).await?)?;
    let roles = roles_of_user(app, scope, id).await?;
    Ok(Profile { customer, user, roles })
}

/// The directory roles of `user` of `scope`, whatever its state.
pub(crate) async fn roles_of_user(
    app: &App,
    scope: CustomerScope,
    user: UserId,
) -> Result<Vec<&'static DirectoryRole>, Error> {
    let ids = app.store().user_roles(scope, user).await?;
    Ok(ids.into_iter().filter_map(DirectoryRole::find).collect())
}

/// The directory roles of each of `users` of `scope`, in their order: one query.
pub(crate) async fn roles_of_users(
    app: &App,
    scope: CustomerScope,
    users: &[User],
) -> Result<Vec<Vec<&'static DirectoryRole>>, Error> {
    let ids: Vec<UserId> = users.iter().map(|u| u.id).collect();
    let pairs = app.store().roles_of_users(scope, &ids).await?;
    Ok(ids
        .iter()
        .map(|id| {
            pairs
                .iter()
                .filter(|(user, _)| user == id)
                .filter_map(|(_, role)| DirectoryRole::find(*role))
                .collect()
        })
        .collect())
}

/// What an update does to a deleted user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IfDeleted {
    /// Restores it (Partner Center's PATCH with `state: active`), ignoring the rest of the input:
    /// the restored user takes back what it had.
    Restore,
    /// Answers that the user was not found, as every operation on a deleted user does.
    NotFound,
}

/// Updates an active user's profile, its password, or both. `input` parses the request for the
/// customer and against the user as it is (a new password must not contain the user's final name).
///
/// Changing the password alone is a helpdesk task; anything else is an administrator's. A caller
/// that may do neither is refused before its input is read; the rest is decided by what the
/// input really changes, so a client may send back the whole user it read with a new password.
pub async fn update(
    app: &App,
    caller: &Caller,
    customer_id: CustomerId,
    id: UserId,
    if_deleted: IfDeleted,
    input: impl FnOnce(&Customer, &User) -> Input<UserChanges>,
) -> Result<Done<Pending<Updated>>, Error> {
    let attempt = Attempt::new(Operation::UpdateCustomerUser, customer_id, Some(id.to_string()));
    attempt.require_agent(app, caller, Permission::ResetPassword).await?;
    let (customer, scope) = app.customer_of(caller, customer_id).await?;
    once(app, caller, &attempt, async {
        // Read outside the transaction, to decide what the update changes and to hash a new
        // password before the transaction opens; `write_update` reads the user again under lock.
        let current = app.store().user(scope, id).await?.ok_or_else(Error::user_not_found)?;
        if current.state == UserState::Inactive {
            if if_deleted == IfDeleted::NotFound {
                return Err(Error::user_not_found());
            }
            attempt.require_agent(app, caller, Permission::ManageUsers).await?;
            return write_restore(app, caller, scope, id).await;
        }
        let changes = input(&customer, &current).map_err(Error::Invalid)?.effective(&current);
        if let Some(upn) = &changes.upn
            && let Some(problem) = domain_problem(&customer, upn, "userPrincipalName")
        {
            return Err(Error::Invalid(vec![problem]));
        }
        let needed = if !changes.changes_profile() && changes.changes_password() {
            Permission::ResetPassword
        } else {
            Permission::ManageUsers
        };
        attempt.require_agent(app, caller, needed).await?;
        let hash = match &changes.password {
            Some(password) => Some(app.passwords().hash(password).await?),
            None => None,
        };
        // A profile change (or a change of nothing but the force-change flag) is an update; a new
        // password is a reset; an update doing both writes both records.
        let mut operations = Vec::new();
        if changes.changes_profile() || changes.password.is_none() {
            operations.push(Operation::UpdateCustomerUser);
        }
        if changes.password.is_some() {
            operations.push(Operation::ResetCustomerUserPassword);
        }
        write_update(
            app,
            caller,
            scope,
            id,
            changes,
            hash,
            "passwordProfile.password",
            &operations,
        )
        .await
    })
    .await
}

/// Applies `changes` (whose new password, if any, hashes to `hash`) to the active user `id` in one
/// transaction, with an audit record of each of `operations`.
#[allow(clippy::too_many_arguments)] // one use case's inputs, passed straight through
async fn write_update(
    app: &App,
    caller: &Caller,
    scope: CustomerScope,
    id: UserId,
    changes: UserChanges,
    hash: Option<String>,
    password_field: &str,
    operations: &[Operation],
) -> Result<Pending<Updated>, Error> {
    let now = app.now();
    let mut tx = app.store().begin().await?;
    let mut user = active(tx.user_for_update(scope, id).await?)?;
    if let Some(password) = &changes.password
        && let Err(error) = Password::parse(password.expose(), changes.upn.as_ref().unwrap_or(&user.upn))
    {
        // The user was renamed concurrently and the password now contains its new name.
        return Err(Error::invalid(password_field, error.to_string()));
    }
    changes.apply(&mut user, now);
    tx.update_user(scope, &user, hash.as_deref()).await?;
    for operation in operations {
        tx.insert_audit(&caller.user_audit(operation.clone(), scope.customer, id, now))
            .await?;
    }
    let updated = Updated {
        user,
        password: changes.password,
    };
    Ok(Pending::new(tx, caller, updated))
}

/// Resets an active user's password to a temporary one, given or generated, which the user must
/// change at next sign-in. A caller acting through a partner portal (CloudCockpit's route) names
/// it in `portal`, which must be its partner's. `input` parses the request for the customer.
pub async fn reset_password(
    app: &App,
    caller: &Caller,
    customer_id: CustomerId,
    id: UserId,
    portal: Option<&str>,
    input: impl FnOnce(&Customer) -> Input<PasswordReset>,
) -> Result<Done<Pending<Updated>>, Error> {
    let attempt = Attempt::new(Operation::ResetCustomerUserPassword, customer_id, Some(id.to_string()));
    if let Some(portal) = portal {
        let partner = app.store().partner(caller.principal.partner).await?;
        let theirs = partner.and_then(|p| p.portal_domain);
        let allowed = theirs.is_some_and(|theirs| theirs.as_str().eq_ignore_ascii_case(portal));
        attempt
            .checked(app, caller, if allowed { Ok(()) } else { Err(Error::ForeignTenant) })
            .await?;
    }
    attempt.require_agent(app, caller, Permission::ResetPassword).await?;
    let (customer, scope) = app.customer_of(caller, customer_id).await?;
    once(app, caller, &attempt, async {
        let reset = input(&customer).map_err(Error::Invalid)?;
        let user = active(app.store().user(scope, id).await?)?;
        let password = match reset.password {
            Some(given) => {
                Password::parse(&given, &user.upn).map_err(|e| Error::invalid(reset.field, e.to_string()))?
            }
            None => Password::generate(&user.upn),
        };
        let hash = app.passwords().hash(&password).await?;
        let changes = UserChanges {
            password: Some(password),
            force_change_password: Some(true),
            ..UserChanges::default()
        };
        let operations = [Operation::ResetCustomerUserPassword];
        write_update(app, caller, scope, id, changes, Some(hash), reset.field, &operations).await
    })
    .await
}

/// Restores a user deleted in the last 30 days; restoring an active user changes nothing. (The
/// console's **Restore**; Partner Center's API restores through [`update`] with
/// [`IfDeleted::Restore`].)
pub async fn restore(
    app: &App,
    caller: &Caller,
    customer_id: CustomerId,
    id: UserId,
) -> Result<Done<Pending<Updated>>, Error> {
    let attempt = Attempt::new(Operation::RestoreCustomerUser, customer_id, Some(id.to_string()));
    attempt.require_agent(app, caller, Permission::ManageUsers).await?;
    let (_, scope) = app.customer_of(caller, customer_id).await?;
    once(app, caller, &attempt, write_restore(app, caller, scope, id)).await
}

async fn write_restore(
    app: &App,
    caller: &Caller,
    scope: CustomerScope,
    id: UserId,
) -> Result<Pending<Updated>, Error> {
    let now = app.now();
    let mut tx = app.store().begin().await?;
    let mut user = tx.user_for_update(scope, id).await?.ok_or_else(Error::user_not_found)?;
    if user.state == UserState::Active {
        return Ok(Pending::new(tx, caller, Updated { user, password: None }));
    }
    if user.restore(now).is_err() {
        return Err(Error::UserNotFound(
            "the user was deleted more than 30 days ago and can no longer be restored",
        ));
    }
    tx.update_user(scope, &user, None).await.map_err(|error| {
        if error.is_conflict(Conflict::UserPrincipalName) {
            Error::Conflict("the user cannot be restored: another active user now has its user principal name")
        } else {
            error.into()
        }
    })?;
    tx.insert_audit(&caller.user_audit(Operation::RestoreCustomerUser, scope.customer, id, now))
        .await?;
    Ok(Pending::new(tx, caller, Updated { user, password: None }))
}

/// Soft-deletes a user: it leaves the list, shows among the deleted users, and can be restored
/// for 30 days.
pub async fn delete(
    app: &App,
    caller: &Caller,
    customer_id: CustomerId,
    id: UserId,
) -> Result<Done<Pending<()>>, Error> {
    let attempt = Attempt::new(Operation::DeleteCustomerUser, customer_id, Some(id.to_string()));
    attempt.require_agent(app, caller, Permission::ManageUsers).await?;
    let (_, scope) = app.customer_of(caller, customer_id).await?;
    once(app, caller, &attempt, async {
        let now = app.now();
        let mut tx = app.store().begin().await?;
        let mut user = active(tx.user_for_update(scope, id).await?)?;
        user.delete(now);
        tx.update_user(scope, &user, None).await?;
        tx.insert_audit(&caller.user_audit(Operation::DeleteCustomerUser, customer_id, id, now))
            .await?;
        Ok(Pending::new(tx, caller, ()))
    })
    .await
}
