//! Directory roles of a customer tenant (Entra's role templates) and their user members.
//! A deleted user keeps its memberships while it can be restored, and is not listed as a member
//! meanwhile; purging the user ends them.

use tenantdesk_domain::{
    CustomerId, DIRECTORY_ROLES, DirectoryRole, DirectoryRoleId, Operation, Permission, User, UserId, UserState,
};

use crate::attempt::Attempt;
use crate::tx::once;
use crate::users::Input;
use crate::{App, Caller, Done, Error, Pending};

fn role(id: DirectoryRoleId) -> Result<&'static DirectoryRole, Error> {
    DirectoryRole::find(id).ok_or(Error::RoleNotFound)
}

/// The directory roles of a customer tenant.
pub async fn list(app: &App, caller: &Caller, customer: CustomerId) -> Result<&'static [DirectoryRole], Error> {
    caller.require_agent(Permission::Read)?;
    app.customer_of(caller, customer).await?;
    Ok(&DIRECTORY_ROLES)
}

/// The directory roles an active user is a member of.
pub async fn of_user(
    app: &App,
    caller: &Caller,
    customer: CustomerId,
    user: UserId,
) -> Result<Vec<&'static DirectoryRole>, Error> {
    caller.require_agent(Permission::Read)?;
    let (_, scope) = app.customer_of(caller, customer).await?;
    match app.store().user(scope, user).await? {
        Some(u) if u.state == UserState::Active => {}
        _ => return Err(Error::user_not_found()),
    }
    crate::users::roles_of_user(app, scope, user).await
}

/// The directory roles of each of `users` (a page of a table), in their order: one query.
pub async fn of_users(
    app: &App,
    caller: &Caller,
    customer: CustomerId,
    users: &[User],
) -> Result<Vec<Vec<&'static DirectoryRole>>, Error> {
    caller.require_agent(Permission::Read)?;
    let (_, scope) = app.customer_of(caller, customer).await?;
    crate::users::roles_of_users(app, scope, users).await
}

/// A page of a role's members.
#[derive(Debug)]
pub struct Members {
    /// The role.
    pub role: &'static DirectoryRole,
    /// The members on this page.
    pub users: Vec<User>,
    /// The last member of this page, unless it is the last page.
    pub next: Option<UserId>,
}

/// A page of at most `size` of `role`'s active members, by user id, after `after`.
pub async fn members(
    app: &App,
    caller: &Caller,
    customer: CustomerId,
    role_id: DirectoryRoleId,
    size: u32,
    after: Option<UserId>,
) -> Result<Members, Error> {
    caller.require_agent(Permission::Read)?;
    let (_, scope) = app.customer_of(caller, customer).await?;
    let role = role(role_id)?;
    let mut users = app.store().role_members(scope, role_id, after, size + 1).await?;
    let next = if users.len() > size as usize {
        users.truncate(size as usize);
        users.last().map(|u| u.id)
    } else {
        None
    };
    Ok(Members { role, users, next })
}

/// Makes an active user a member of a role. `input` parses the request (the user's id) for the role.
pub async fn add_member(
    app: &App,
    caller: &Caller,
    customer: CustomerId,
    role_id: DirectoryRoleId,
    input: impl FnOnce(&DirectoryRole) -> Input<UserId>,
) -> Result<Done<Pending<User>>, Error> {
    let attempt = Attempt::new(Operation::AddDirectoryRoleMember, customer, None);
    attempt.require_agent(app, caller, Permission::ManageUsers).await?;
    let (_, scope) = app.customer_of(caller, customer).await?;
    let role = role(role_id)?;
    once(app, caller, &attempt, async {
        let user_id = input(role).map_err(Error::Invalid)?;
        let now = app.now();
        let mut tx = app.store().begin().await?;
        let user = match tx.user_for_update(scope, user_id).await? {
            Some(user) if user.state == UserState::Active => user,
            _ => return Err(Error::user_not_found()),
        };
        tx.add_role_member(scope, role.id, user.id, now).await?;
        tx.insert_audit(&caller.user_audit(Operation::AddDirectoryRoleMember, customer, user.id, now))
            .await?;
        Ok(Pending::new(tx, caller, user))
    })
    .await
}

/// Ends a user's membership of a role.
pub async fn remove_member(
    app: &App,
    caller: &Caller,
    customer: CustomerId,
    role_id: DirectoryRoleId,
    user: UserId,
) -> Result<Done<Pending<()>>, Error> {
    let attempt = Attempt::new(Operation::RemoveDirectoryRoleMember, customer, Some(user.to_string()));
    attempt.require_agent(app, caller, Permission::ManageUsers).await?;
    let (_, scope) = app.customer_of(caller, customer).await?;
    let role = role(role_id)?;
    once(app, caller, &attempt, async {
        let now = app.now();
        let mut tx = app.store().begin().await?;
        if !tx.remove_role_member(scope, role.id, user).await? {
            return Err(Error::UserNotFound("the user is not a member of this role"));
        }
        tx.insert_audit(&caller.user_audit(Operation::RemoveDirectoryRoleMember, customer, user, now))
            .await?;
        Ok(Pending::new(tx, caller, ()))
    })
    .await
}
