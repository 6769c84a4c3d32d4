//! Directory roles of a customer tenant (Entra's role templates) and their user members.
//! A deleted user keeps its memberships while it can be restored, and is not listed as a member
//! meanwhile; purging the user ends them.

pub mod http;

use serde::{Deserialize, Serialize};
use tenantdesk_domain::{
    CustomerId, DIRECTORY_ROLES, DirectoryRole, DirectoryRoleId, Operation, Permission, User, UserId, UserState,
};
use tenantdesk_store::Conflict;
use tenantdesk_wire::UserMemberRequest;

use crate::auth::Caller;
use crate::{App, AppError, Pending, paging};

fn role(id: DirectoryRoleId) -> Result<&'static DirectoryRole, AppError> {
    DirectoryRole::find(id).ok_or(AppError::RoleNotFound)
}

/// The directory roles of a customer tenant.
pub async fn list(app: &App, caller: &Caller, customer: CustomerId) -> Result<&'static [DirectoryRole], AppError> {
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
) -> Result<Vec<&'static DirectoryRole>, AppError> {
    caller.require_agent(Permission::Read)?;
    let (_, scope) = app.customer_of(caller, customer).await?;
    match app.store().user(scope, user).await? {
        Some(u) if u.state == UserState::Active => {}
        _ => return Err(AppError::user_not_found()),
    }
    let ids = app.store().user_roles(scope, user).await?;
    Ok(ids.into_iter().filter_map(DirectoryRole::find).collect())
}

/// A page of a role's members.
#[derive(Debug)]
pub struct Members {
    /// The role.
    pub role: &'static DirectoryRole,
    /// The page size.
    pub size: u32,
    /// The members on this page.
    pub users: Vec<User>,
    /// The continuation token, unless this is the last page.
    pub next: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Continuation {
    customer: CustomerId,
    role: DirectoryRoleId,
    size: u32,
    after: UserId,
}

/// A page of `role`'s active members: the first, or the one a continuation token points to.
pub async fn members(
    app: &App,
    caller: &Caller,
    customer: CustomerId,
    role_id: DirectoryRoleId,
    size: u32,
    continuation: Option<&str>,
) -> Result<Members, AppError> {
    caller.require_agent(Permission::Read)?;
    let (_, scope) = app.customer_of(caller, customer).await?;
    let role = role(role_id)?;
    let (size, after) = match continuation {
        None => (size, None),
        Some(token) => {
            let c: Continuation = paging::open(app.paging_key(), token)?;
            if c.customer != customer || c.role != role_id {
                return Err(paging::bad_token());
            }
            (c.size, Some(c.after))
        }
    };
    let mut users = app.store().role_members(scope, role_id, after, size + 1).await?;
    let next = if users.len() > size as usize {
        users.truncate(size as usize);
        let last = users.last().map(|u| u.id);
        last.map(|after| {
            paging::seal(
                app.paging_key(),
                &Continuation {
                    customer,
                    role: role_id,
                    size,
                    after,
                },
            )
        })
        .transpose()?
    } else {
        None
    };
    Ok(Members {
        role,
        size,
        users,
        next,
    })
}

/// Makes an active user a member of a role.
pub async fn add_member(
    app: &App,
    caller: &Caller,
    customer: CustomerId,
    role_id: DirectoryRoleId,
    request: UserMemberRequest,
) -> Result<Pending<User>, AppError> {
    caller.check(crate::users::MANAGE_USERS)?;
    let (_, scope) = app.customer_of(caller, customer).await?;
    let role = role(role_id)?;
    let user_id: UserId = match request.id.as_deref() {
        None => return Err(AppError::invalid("id", "is required: the id of the user to add")),
        Some(id) => id
            .parse()
            .map_err(|_| AppError::invalid("id", format!("'{id}' is not a user id")))?,
    };
    if let Some(given) = request.role_id.as_deref()
        && given.parse::<DirectoryRoleId>().ok() != Some(role.id)
    {
        return Err(AppError::invalid("roleId", "must be the role of the path, or absent"));
    }
    let now = app.now();
    let mut tx = app.store().begin().await?;
    let user = match tx.user_for_update(scope, user_id).await? {
        Some(user) if user.state == UserState::Active => user,
        _ => return Err(AppError::user_not_found()),
    };
    tx.add_role_member(scope, role.id, user.id, now)
        .await
        .map_err(|error| {
            if error.is_conflict(Conflict::RoleMember) {
                AppError::Conflict("the user is already a member of this role")
            } else {
                error.into()
            }
        })?;
    tx.insert_audit(&caller.audit(
        Operation::AddDirectoryRoleMember,
        Some(customer),
        Some(user.id.to_string()),
        now,
    ))
    .await?;
    Ok(Pending::new(tx, user))
}

/// Ends a user's membership of a role.
pub async fn remove_member(
    app: &App,
    caller: &Caller,
    customer: CustomerId,
    role_id: DirectoryRoleId,
    user: UserId,
) -> Result<Pending<()>, AppError> {
    caller.check(crate::users::MANAGE_USERS)?;
    let (_, scope) = app.customer_of(caller, customer).await?;
    let role = role(role_id)?;
    let now = app.now();
    let mut tx = app.store().begin().await?;
    if !tx.remove_role_member(scope, role.id, user).await? {
        return Err(AppError::UserNotFound("the user is not a member of this role"));
    }
    tx.insert_audit(&caller.audit(
        Operation::RemoveDirectoryRoleMember,
        Some(customer),
        Some(user.to_string()),
        now,
    ))
    .await?;
    Ok(Pending::new(tx, ()))
}
