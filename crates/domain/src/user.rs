//! Customer users and their life cycle: active, soft-deleted (inactive), restored, purged.

use chrono::{DateTime, TimeDelta, Utc};

use crate::{CustomerId, DisplayName, Password, PersonName, UsageLocation, UserId, UserPrincipalName};

/// How long after its deletion a user can still be restored.
pub const RESTORE_WINDOW: TimeDelta = TimeDelta::days(30);

/// Whether a user is in use or soft-deleted.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum UserState {
    /// In use.
    Active,
    /// Deleted, restorable for [`RESTORE_WINDOW`], purged after the retention period.
    Inactive,
}

impl UserState {
    /// `active` or `inactive`, as on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
        }
    }

    /// The inverse of [`UserState::as_str`].
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "active" => Some(Self::Active),
            "inactive" => Some(Self::Inactive),
            _ => None,
        }
    }
}

/// A user account of a customer tenant. Its password hash is deliberately not part of it: it is
/// written by the store and never read back into the domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Its id.
    pub id: UserId,
    /// The customer it belongs to.
    pub customer: CustomerId,
    /// Its sign-in name.
    pub upn: UserPrincipalName,
    /// First name, if any.
    pub first_name: Option<PersonName>,
    /// Last name, if any.
    pub last_name: Option<PersonName>,
    /// The name shown for it.
    pub display_name: DisplayName,
    /// Where it uses its services.
    pub usage_location: UsageLocation,
    /// Active or soft-deleted.
    pub state: UserState,
    /// When it was soft-deleted, while it is inactive.
    pub soft_deleted_at: Option<DateTime<Utc>>,
    /// Whether it must change its password at next sign-in.
    pub force_change_password: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// Why a user could not be restored.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
pub enum RestoreError {
    /// It was deleted more than [`RESTORE_WINDOW`] ago.
    #[error("the user was deleted more than 30 days ago and can no longer be restored")]
    Expired,
}

impl User {
    /// Soft-deletes the user.
    pub fn delete(&mut self, now: DateTime<Utc>) {
        self.state = UserState::Inactive;
        self.soft_deleted_at = Some(now);
        self.updated_at = now;
    }

    /// Whether a deleted user can still be restored at `now`.
    pub fn restorable(&self, now: DateTime<Utc>) -> bool {
        self.state == UserState::Inactive
            && self
                .soft_deleted_at
                .is_some_and(|deleted| now - deleted <= RESTORE_WINDOW)
    }

    /// Restores a deleted user (a no-op on an active one).
    pub fn restore(&mut self, now: DateTime<Utc>) -> Result<(), RestoreError> {
        if self.state == UserState::Active {
            return Ok(());
        }
        if !self.restorable(now) {
            return Err(RestoreError::Expired);
        }
        self.state = UserState::Active;
        self.soft_deleted_at = None;
        self.updated_at = now;
        Ok(())
    }
}

/// The validated changes of a PATCH: `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct UserChanges {
    /// A new sign-in name.
    pub upn: Option<UserPrincipalName>,
    /// A new first name; `Some(None)` clears it.
    pub first_name: Option<Option<PersonName>>,
    /// A new last name; `Some(None)` clears it.
    pub last_name: Option<Option<PersonName>>,
    /// A new display name.
    pub display_name: Option<DisplayName>,
    /// A new usage location.
    pub usage_location: Option<UsageLocation>,
    /// A new password (already checked against the policy for the user's final UPN).
    pub password: Option<Password>,
    /// A new value of the force-change flag.
    pub force_change_password: Option<bool>,
}

impl UserChanges {
    /// Drops the changes that would leave `user` as it is, so a client may send back the whole
    /// object it read and only what differs counts (for permissions and for the audit trail).
    pub fn effective(mut self, user: &User) -> Self {
        if self.upn.as_ref().is_some_and(|upn| *upn == user.upn) {
            self.upn = None;
        }
        if self.first_name.as_ref().is_some_and(|name| *name == user.first_name) {
            self.first_name = None;
        }
        if self.last_name.as_ref().is_some_and(|name| *name == user.last_name) {
            self.last_name = None;
        }
        if self
            .display_name
            .as_ref()
            .is_some_and(|name| *name == user.display_name)
        {
            self.display_name = None;
        }
        if self
            .usage_location
            .is_some_and(|location| location == user.usage_location)
        {
            self.usage_location = None;
        }
        if self.password.is_none() && self.force_change_password == Some(user.force_change_password) {
            self.force_change_password = None;
        }
        self
    }

    /// Whether the changes touch the profile (anything but the password and its flag).
    pub fn changes_profile(&self) -> bool {
        self.upn.is_some()
            || self.first_name.is_some()
            || self.last_name.is_some()
            || self.display_name.is_some()
            || self.usage_location.is_some()
    }

    /// Whether the changes set a password or its force-change flag.
    pub fn changes_password(&self) -> bool {
        self.password.is_some() || self.force_change_password.is_some()
    }

    /// Applies the profile changes and the force-change flag to `user`. The password itself is the
    /// store's business: the caller hashes it.
    pub fn apply(&self, user: &mut User, now: DateTime<Utc>) {
        if let Some(upn) = &self.upn {
            user.upn = upn.clone();
        }
        if let Some(name) = &self.first_name {
            user.first_name = name.clone();
        }
        if let Some(name) = &self.last_name {
            user.last_name = name.clone();
        }
        if let Some(name) = &self.display_name {
            user.display_name = name.clone();
        }
        if let Some(location) = self.usage_location {
            user.usage_location = location;
        }
        if self.password.is_some() {
            // A new password must be changed at next sign-in unless the caller says otherwise.
            user.force_change_password = self.force_change_password.unwrap_or(true);
        } else if let Some(force) = self.force_change_password {
            user.force_change_password = force;
        }
        user.updated_at = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(now: DateTime<Utc>) -> User {
        User {
            id: UserId::new(),
            customer: CustomerId::new(),
            upn: UserPrincipalName::parse("ana@contoso.com").unwrap(),
            first_name: PersonName::parse("Ana").unwrap(),
            last_name: None,
            display_name: DisplayName::parse("Ana Lima").unwrap(),
            usage_location: UsageLocation::parse("US").unwrap(),
            state: UserState::Active,
            soft_deleted_at: None,
            force_change_password: true,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn restore_window_is_thirty_days() {
        let now = Utc::now();
        let mut u = user(now);
        u.delete(now);
        assert_eq!(u.state, UserState::Inactive);
        assert!(u.restorable(now + TimeDelta::days(30)));
        assert!(!u.restorable(now + TimeDelta::days(30) + TimeDelta::seconds(1)));
        let mut late = u.clone();
        assert_eq!(late.restore(now + TimeDelta::days(31)), Err(RestoreError::Expired));
        u.restore(now + TimeDelta::days(29)).unwrap();
        assert_eq!((u.state, u.soft_deleted_at), (UserState::Active, None));
    }

    #[test]
    fn sending_back_what_was_read_changes_nothing() {
        let now = Utc::now();
        let u = user(now);
        let changes = UserChanges {
            upn: Some(u.upn.clone()),
            first_name: Some(u.first_name.clone()),
            last_name: Some(None),
            display_name: Some(u.display_name.clone()),
            usage_location: Some(u.usage_location),
            password: None,
            force_change_password: Some(true),
        }
        .effective(&u);
        assert!(!changes.changes_profile());
        assert!(!changes.changes_password());
    }

    #[test]
    fn a_new_password_forces_a_change_by_default() {
        let now = Utc::now();
        let mut u = user(now);
        u.force_change_password = false;
        let changes = UserChanges {
            password: Some(Password::parse("Renew456*", &u.upn).unwrap()),
            ..UserChanges::default()
        };
        changes.apply(&mut u, now);
        assert!(u.force_change_password);
    }
}
