//! Customer users: create, read, list, update (profile, password reset, restore) and delete.
//!
//! Each mutating use case validates everything first, hashes a new password on a blocking thread
//! before touching the database, then does its work and writes its audit record in one
//! transaction, returned uncommitted ([`Pending`]) so the HTTP layer can add its idempotency
//! record to the same transaction.

pub mod cloudcockpit;
pub mod http;

use tenantdesk_domain::{
    CustomerId, DirectoryRole, DirectoryRoleId, DisplayName, FieldError, Operation, Password, Permission, PersonName,
    ProviderInstanceId, UsageLocation, User, UserChanges, UserId, UserPrincipalName, UserState, Validator,
};
use tenantdesk_store::{Conflict, CustomerScope, StoreError, UserCursor, UserQuery};
use tenantdesk_wire::{CustomerUserRequest, ResetPasswordRequest, UserState as WireState};

use crate::auth::{Access, Caller};
use crate::{App, AppError, Pending, paging};

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

/// A page of users and the token of the next page.
#[derive(Debug)]
pub struct Page {
    /// The query this page answers.
    pub query: UserQuery,
    /// The users.
    pub users: Vec<User>,
    /// The continuation token, unless this is the last page.
    pub next: Option<String>,
}

/// The profile fields of a request, parsed; problems go to `v`.
struct Profile {
    upn: Option<UserPrincipalName>,
    first_name: Option<Option<PersonName>>,
    last_name: Option<Option<PersonName>>,
    display_name: Option<DisplayName>,
    usage_location: Option<UsageLocation>,
}

fn parse_profile(request: &CustomerUserRequest, v: &mut Validator) -> Profile {
    fn field<T>(v: &mut Validator, name: &str, value: Option<&str>, parse: fn(&str) -> Result<T, String>) -> Option<T> {
        value.and_then(|value| v.check(name, parse(value)))
    }
    Profile {
        upn: field(
            v,
            "userPrincipalName",
            request.user_principal_name.as_deref(),
            UserPrincipalName::parse,
        ),
        first_name: field(v, "firstName", request.first_name.as_deref(), PersonName::parse),
        last_name: field(v, "lastName", request.last_name.as_deref(), PersonName::parse),
        display_name: field(v, "displayName", request.display_name.as_deref(), DisplayName::parse),
        usage_location: field(
            v,
            "usageLocation",
            request.usage_location.as_deref(),
            UsageLocation::parse,
        ),
    }
}

/// The directory roles a new user is to be a member of, each once.
fn parse_roles(ids: &[String], v: &mut Validator) -> Vec<DirectoryRoleId> {
    let mut roles = Vec::new();
    for id in ids {
        match id.parse().ok().and_then(DirectoryRole::find) {
            Some(role) if !roles.contains(&role.id) => roles.push(role.id),
            Some(_) => {}
            None => v.push(FieldError::new(
                "directoryRoleIds",
                format!("'{id}' is not a directory role"),
            )),
        }
    }
    roles
}

fn check_domain(customer: &tenantdesk_domain::Customer, upn: &UserPrincipalName, v: &mut Validator) {
    if !customer.owns(upn) {
        let owned: Vec<&str> = customer.domains.iter().map(|d| d.as_str()).collect();
        v.push(FieldError::new(
            "userPrincipalName",
            format!(
                "the domain '{}' is not one of the customer's domains ({})",
                upn.domain(),
                owned.join(", ")
            ),
        ));
    }
}

fn conflict_or(error: StoreError) -> AppError {
    if error.is_conflict(Conflict::UserPrincipalName) {
        AppError::Conflict("another active user of this customer already has this user principal name")
    } else {
        error.into()
    }
}

/// What creating, deleting and restoring users (and any profile change) asks of the caller.
pub const MANAGE_USERS: Access = Access::Agent(Permission::ManageUsers);
/// What resetting a password asks of the caller: the least any update asks.
pub const RESET_PASSWORDS: Access = Access::Agent(Permission::ResetPassword);

/// Creates a user. Without a password, a temporary one is generated.
pub async fn create(
    app: &App,
    caller: &Caller,
    customer_id: CustomerId,
    request: CustomerUserRequest,
) -> Result<Pending<Created>, AppError> {
    caller.check(MANAGE_USERS)?;
    let (customer, scope) = app.customer_of(caller, customer_id).await?;

    let mut v = Validator::new();
    let profile = parse_profile(&request, &mut v);
    for (field, given) in [
        ("userPrincipalName", request.user_principal_name.is_some()),
        ("displayName", request.display_name.is_some()),
        ("usageLocation", request.usage_location.is_some()),
    ] {
        if !given {
            v.push(FieldError::new(field, "is required"));
        }
    }
    if let Some(upn) = &profile.upn {
        check_domain(&customer, upn, &mut v);
    }
    let roles = parse_roles(request.directory_role_ids.as_deref().unwrap_or_default(), &mut v);
    let profile_password = request.password_profile.as_ref();
    let password = match (&profile.upn, profile_password.and_then(|p| p.password.as_deref())) {
        (Some(upn), Some(given)) => v.check("passwordProfile.password", Password::parse(given, upn)),
        (Some(upn), None) => Some(Password::generate(upn)),
        (None, _) => None,
    };
    v.finish().map_err(AppError::Invalid)?;
    let (Some(upn), Some(display_name), Some(usage_location), Some(password)) =
        (profile.upn, profile.display_name, profile.usage_location, password)
    else {
        return Err(AppError::Internal(anyhow::anyhow!(
            "validation passed with a required field missing"
        )));
    };

    let hash = app.passwords().hash(&password).await?;
    let now = app.now();
    let user = User {
        id: UserId::new(),
        customer: customer_id,
        upn,
        first_name: profile.first_name.flatten(),
        last_name: profile.last_name.flatten(),
        display_name,
        usage_location,
        state: UserState::Active,
        soft_deleted_at: None,
        force_change_password: profile_password.and_then(|p| p.force_change_password).unwrap_or(true),
        created_at: now,
        updated_at: now,
    };
    let mut tx = app.store().begin().await?;
    tx.insert_user(scope, &user, &hash).await.map_err(conflict_or)?;
    for role in roles {
        tx.add_role_member(scope, role, user.id, now).await?;
        tx.insert_audit(&caller.audit(
            Operation::AddDirectoryRoleMember,
            Some(customer_id),
            Some(user.id.to_string()),
            now,
        ))
        .await?;
    }
    tx.insert_audit(&caller.audit(
        Operation::CreateCustomerUser,
        Some(customer_id),
        Some(user.id.to_string()),
        now,
    ))
    .await?;
    Ok(Pending::new(tx, Created { user, password }))
}

/// An active user.
pub async fn get(app: &App, caller: &Caller, customer_id: CustomerId, id: UserId) -> Result<User, AppError> {
    caller.require_agent(Permission::Read)?;
    let (_, scope) = app.customer_of(caller, customer_id).await?;
    match app.store().user(scope, id).await? {
        Some(user) if user.state == UserState::Active => Ok(user),
        _ => Err(AppError::user_not_found()),
    }
}

/// A page of users, as `query` asks.
pub async fn list(app: &App, caller: &Caller, customer_id: CustomerId, query: UserQuery) -> Result<Page, AppError> {
    caller.require_agent(Permission::Read)?;
    let (_, scope) = app.customer_of(caller, customer_id).await?;
    // One more than asked tells whether there is a next page.
    let probe = UserQuery {
        limit: query.limit + 1,
        ..query.clone()
    };
    let mut users = app.store().users(scope, &probe).await?;
    let next = if users.len() > query.limit as usize {
        users.truncate(query.limit as usize);
        let last = users.last().map(|u| UserCursor::after(u, query.sort));
        last.map(|cursor| paging::continuation_token(app.paging_key(), customer_id, &query, &cursor))
            .transpose()?
    } else {
        None
    };
    Ok(Page { query, users, next })
}

/// Updates a user: its profile, its password (reset), or restores it when deleted.
pub async fn update(
    app: &App,
    caller: &Caller,
    customer_id: CustomerId,
    id: UserId,
    request: CustomerUserRequest,
) -> Result<Pending<Updated>, AppError> {
    // Every PATCH needs at least the right to reset a password: a role without it is refused
    // before anything is looked up or validated. What else it needs depends on what it changes.
    caller.check(RESET_PASSWORDS)?;
    let (customer, scope) = app.customer_of(caller, customer_id).await?;
    let mut v = Validator::new();
    let profile = parse_profile(&request, &mut v);
    // Read outside the transaction, to decide what the PATCH changes and to hash a new password
    // before the transaction opens; `write_update` reads the user again under lock.
    let current = app
        .store()
        .user(scope, id)
        .await?
        .ok_or_else(AppError::user_not_found)?;

    if current.state == UserState::Inactive {
        // Only a restore reaches a deleted user; what else the body says is ignored, as the
        // restored user takes back what it had.
        if request.state != Some(WireState::Active) {
            return Err(AppError::user_not_found());
        }
        caller.check(MANAGE_USERS)?;
        return restore(app, caller, scope, id).await;
    }
    if request.state == Some(WireState::Inactive) {
        v.push(FieldError::new(
            "state",
            "a user is deleted with DELETE, not by setting its state",
        ));
    }
    let final_upn = profile.upn.clone().unwrap_or_else(|| current.upn.clone());
    if profile.upn.as_ref().is_some_and(|upn| *upn != current.upn) {
        check_domain(&customer, &final_upn, &mut v);
    }
    let password_profile = request.password_profile.as_ref();
    let password = password_profile
        .and_then(|p| p.password.as_deref())
        .and_then(|given| v.check("passwordProfile.password", Password::parse(given, &final_upn)));
    v.finish().map_err(AppError::Invalid)?;

    let changes = UserChanges {
        upn: profile.upn,
        first_name: profile.first_name,
        last_name: profile.last_name,
        display_name: profile.display_name,
        usage_location: profile.usage_location,
        password,
        force_change_password: password_profile.and_then(|p| p.force_change_password),
    }
    .effective(&current);
    // A password reset alone is a helpdesk task; anything else is an administrator's.
    let needed = if !changes.changes_profile() && changes.changes_password() {
        Permission::ResetPassword
    } else {
        Permission::ManageUsers
    };
    caller.require_agent(needed)?;

    let hash = match &changes.password {
        Some(password) => Some(app.passwords().hash(password).await?),
        None => None,
    };
    // A profile change (or a change of nothing but the force-change flag) is an update; a new
    // password is a reset; a PATCH doing both writes both records.
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
) -> Result<Pending<Updated>, AppError> {
    let now = app.now();
    let mut tx = app.store().begin().await?;
    let mut user = match tx.user_for_update(scope, id).await? {
        Some(user) if user.state == UserState::Active => user,
        _ => return Err(AppError::user_not_found()),
    };
    if let Some(password) = &changes.password
        && let Err(error) = Password::parse(password.expose(), changes.upn.as_ref().unwrap_or(&user.upn))
    {
        // The user was renamed concurrently and the password now contains its new name.
        return Err(AppError::invalid(password_field, error.to_string()));
    }
    changes.apply(&mut user, now);
    tx.update_user(scope, &user, hash.as_deref())
        .await
        .map_err(conflict_or)?;
    for operation in operations {
        tx.insert_audit(&caller.audit(*operation, Some(scope.customer), Some(id.to_string()), now))
            .await?;
    }
    Ok(Pending::new(
        tx,
        Updated {
            user,
            password: changes.password,
        },
    ))
}

/// Resets a user's password the CloudCockpit way: the caller names the customer's provider
/// instance, and gives a temporary password or has one generated; the user must change it.
pub async fn reset_password(
    app: &App,
    caller: &Caller,
    customer_id: CustomerId,
    id: UserId,
    request: ResetPasswordRequest,
) -> Result<Pending<Updated>, AppError> {
    caller.check(RESET_PASSWORDS)?;
    let (customer, scope) = app.customer_of(caller, customer_id).await?;
    match request.provider_instance_id.as_deref() {
        None => return Err(AppError::invalid("providerInstanceId", "is required")),
        Some(given) if given.parse::<ProviderInstanceId>().ok() != Some(customer.provider_instance) => {
            return Err(AppError::invalid(
                "providerInstanceId",
                "is not the provider instance of this customer",
            ));
        }
        Some(_) => {}
    }
    let user = match app.store().user(scope, id).await? {
        Some(user) if user.state == UserState::Active => user,
        _ => return Err(AppError::user_not_found()),
    };
    const FIELD: &str = "customerUser.temporaryPassword";
    let password = match request.customer_user.and_then(|u| u.temporary_password) {
        Some(given) => Password::parse(&given, &user.upn).map_err(|e| AppError::invalid(FIELD, e.to_string()))?,
        None => Password::generate(&user.upn),
    };
    let hash = app.passwords().hash(&password).await?;
    let changes = UserChanges {
        password: Some(password),
        force_change_password: Some(true),
        ..UserChanges::default()
    };
    write_update(
        app,
        caller,
        scope,
        id,
        changes,
        Some(hash),
        FIELD,
        &[Operation::ResetCustomerUserPassword],
    )
    .await
}

async fn restore(app: &App, caller: &Caller, scope: CustomerScope, id: UserId) -> Result<Pending<Updated>, AppError> {
    let now = app.now();
    let mut tx = app.store().begin().await?;
    let mut user = tx
        .user_for_update(scope, id)
        .await?
        .ok_or_else(AppError::user_not_found)?;
    if user.restore(now).is_err() {
        return Err(AppError::UserNotFound(
            "the user was deleted more than 30 days ago and can no longer be restored",
        ));
    }
    tx.update_user(scope, &user, None).await.map_err(|error| {
        if error.is_conflict(Conflict::UserPrincipalName) {
            AppError::Conflict("the user cannot be restored: another active user now has its user principal name")
        } else {
            error.into()
        }
    })?;
    tx.insert_audit(&caller.audit(
        Operation::RestoreCustomerUser,
        Some(scope.customer),
        Some(id.to_string()),
        now,
    ))
    .await?;
    Ok(Pending::new(tx, Updated { user, password: None }))
}

/// Soft-deletes a user: it leaves the list, shows among the deleted users, and can be restored
/// for 30 days.
pub async fn delete(app: &App, caller: &Caller, customer_id: CustomerId, id: UserId) -> Result<Pending<()>, AppError> {
    caller.check(MANAGE_USERS)?;
    let (_, scope) = app.customer_of(caller, customer_id).await?;
    let now = app.now();
    let mut tx = app.store().begin().await?;
    let mut user = match tx.user_for_update(scope, id).await? {
        Some(user) if user.state == UserState::Active => user,
        _ => return Err(AppError::user_not_found()),
    };
    user.delete(now);
    tx.update_user(scope, &user, None).await?;
    tx.insert_audit(&caller.audit(
        Operation::DeleteCustomerUser,
        Some(customer_id),
        Some(id.to_string()),
        now,
    ))
    .await?;
    Ok(Pending::new(tx, ()))
}
