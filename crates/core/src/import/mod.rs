//! Bulk upload of users from a CSV file, as Partner Center's "Upload users" page does it:
//! at most 100 users, every rule of the seed checked for every row before anything is written,
//! one location for all, a temporary password for each, all created in one transaction or none.
//!
//! The cost of an upload is hashing its passwords: they are hashed in parallel (one per core) on
//! the hasher's threads, before the transaction opens, so the runtime keeps serving and the database's
//! write lock is held only for the inserts.

pub mod csv_file;

use std::collections::HashMap;

use tenantdesk_domain::{
    CustomerId, DisplayName, FieldError, Operation, Password, Permission, PersonName, UsageLocation, User, UserId,
    UserPrincipalName, UserState,
};
use tenantdesk_store::{Conflict, CustomerScope};

use self::csv_file::{COLUMNS, CsvRow};
use crate::attempt::Attempt;
use crate::tx::once;
use crate::users::Input;
use crate::{App, Caller, Done, Error, Pending};

/// A row that passed every rule.
#[derive(Debug)]
pub struct ValidRow {
    /// The row as written.
    pub row: CsvRow,
    upn: UserPrincipalName,
    first_name: Option<PersonName>,
    last_name: Option<PersonName>,
    display_name: DisplayName,
}

/// A created user, its row and its temporary password.
#[derive(Debug)]
pub struct Imported {
    /// The row as written.
    pub row: CsvRow,
    /// The user.
    pub user: User,
    /// Its temporary password, to hand out once.
    pub password: Password,
}

/// The rows of a file that passed every rule, in file order, and the one location of their users.
#[derive(Debug)]
pub struct Validated {
    scope: CustomerScope,
    /// The location of every user of the file.
    pub location: UsageLocation,
    /// The rows.
    pub rows: Vec<ValidRow>,
}

/// Checks a file against every rule for the users of `location`; creates nothing.
pub async fn validate(
    app: &App,
    caller: &Caller,
    customer_id: CustomerId,
    location: Input<UsageLocation>,
    file: &[u8],
) -> Result<Validated, Error> {
    caller.require_agent(Permission::ManageUsers)?;
    check_file(app, caller, customer_id, location, file).await
}

/// Checks a file's rows against every rule before a location is chosen (the console's Validate);
/// creates nothing. Returns the rows that are ready.
pub async fn validate_rows(
    app: &App,
    caller: &Caller,
    customer_id: CustomerId,
    file: &[u8],
) -> Result<Vec<ValidRow>, Error> {
    caller.require_agent(Permission::ManageUsers)?;
    let (customer, scope) = app.customer_of(caller, customer_id).await?;
    let rows = csv_file::read(file).map_err(Error::Invalid)?;
    check_rows(app, &customer, scope, rows).await
}

async fn check_file(
    app: &App,
    caller: &Caller,
    customer_id: CustomerId,
    location: Input<UsageLocation>,
    file: &[u8],
) -> Result<Validated, Error> {
    let (customer, scope) = app.customer_of(caller, customer_id).await?;
    let rows = csv_file::read(file);
    let (location, rows) = match (location, rows) {
        (Ok(location), Ok(rows)) => (location, rows),
        (location, rows) => {
            let mut problems: Vec<FieldError> = location.err().unwrap_or_default();
            problems.extend(rows.err().unwrap_or_default());
            return Err(Error::Invalid(problems));
        }
    };
    let rows = check_rows(app, &customer, scope, rows).await?;
    Ok(Validated { scope, location, rows })
}

/// Every rule of a row, and the UPNs taken by active users; every problem found, by row.
async fn check_rows(
    app: &App,
    customer: &tenantdesk_domain::Customer,
    scope: CustomerScope,
    rows: Vec<CsvRow>,
) -> Result<Vec<ValidRow>, Error> {
    let mut problems = Vec::new();
    let mut valid = Vec::new();
    let mut first_row_of: HashMap<String, usize> = HashMap::new();
    for row in rows {
        let first_name = check(&mut problems, &row, 0, PersonName::parse(row.get(0)));
        let last_name = check(&mut problems, &row, 1, PersonName::parse(row.get(1)));
        let display_name = check(&mut problems, &row, 2, DisplayName::parse(row.get(2)));
        let upn = check(&mut problems, &row, 3, UserPrincipalName::parse(row.get(3)));
        let upn = upn.and_then(|upn| {
            let result = if !customer.owns(&upn) {
                Err(format!("'{}' is not in the customer's domains", upn.domain()))
            } else if let Some(first) = first_row_of.get(&upn.normalized()) {
                Err(format!(
                    "'{upn}' is also in row {first}; each user needs its own email address"
                ))
            } else {
                first_row_of.insert(upn.normalized(), row.number);
                Ok(upn)
            };
            check(&mut problems, &row, 3, result)
        });
        check(
            &mut problems,
            &row,
            4,
            if row.get(4).is_empty() {
                Ok(())
            } else {
                Err("must be left empty".to_owned())
            },
        );
        if let (Some(first_name), Some(last_name), Some(display_name), Some(upn)) =
            (first_name, last_name, display_name, upn)
        {
            valid.push(ValidRow {
                row,
                upn,
                first_name,
                last_name,
                display_name,
            });
        }
    }
    let asked: Vec<String> = valid.iter().map(|r| r.upn.normalized()).collect();
    for taken in app.store().taken_upns(scope, &asked).await? {
        if let Some(row) = valid.iter().find(|r| r.upn.normalized() == taken) {
            problems.push(taken_problem(row));
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| row_number(&p.field));
        return Err(Error::Invalid(problems));
    }
    Ok(valid)
}

/// Records the problem of `result`, if any, under `row` and `column`.
fn check<T>(problems: &mut Vec<FieldError>, row: &CsvRow, column: usize, result: Result<T, String>) -> Option<T> {
    result
        .map_err(|message| {
            problems.push(FieldError::new(
                format!("row {}, {}", row.number, COLUMNS[column]),
                message,
            ))
        })
        .ok()
}

fn taken_problem(row: &ValidRow) -> FieldError {
    FieldError::new(
        format!("row {}, Email", row.row.number),
        format!("another active user of this customer already has '{}'", row.upn),
    )
}

fn row_number(field: &str) -> usize {
    field
        .strip_prefix("row ")
        .and_then(|rest| rest.split(',').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Creates every user of a valid file with a generated temporary password, in one transaction
/// with its audit records; or, at the first problem, none of them.
pub async fn import(
    app: &App,
    caller: &Caller,
    customer_id: CustomerId,
    location: Input<UsageLocation>,
    file: &[u8],
) -> Result<Done<Pending<Vec<Imported>>>, Error> {
    let attempt = Attempt::new(Operation::ImportCustomerUsers, customer_id, None);
    attempt.require_agent(app, caller, Permission::ManageUsers).await?;
    once(app, caller, &attempt, async {
        let Validated { scope, location, rows } = check_file(app, caller, customer_id, location, file).await?;
        create(app, caller, scope, location, rows).await
    })
    .await
}

async fn create(
    app: &App,
    caller: &Caller,
    scope: CustomerScope,
    location: UsageLocation,
    rows: Vec<ValidRow>,
) -> Result<Pending<Vec<Imported>>, Error> {
    let customer_id = scope.customer;
    let passwords: Vec<Password> = rows.iter().map(|r| Password::generate(&r.upn)).collect();
    let hashes = app.passwords().hash_all(&passwords).await?;

    let now = app.now();
    let mut tx = app.store().begin().await?;
    let mut imported = Vec::with_capacity(rows.len());
    for ((valid, password), hash) in rows.into_iter().zip(passwords).zip(hashes) {
        let user = User {
            id: UserId::new(),
            customer: customer_id,
            upn: valid.upn.clone(),
            first_name: valid.first_name.clone(),
            last_name: valid.last_name.clone(),
            display_name: valid.display_name.clone(),
            usage_location: location,
            state: UserState::Active,
            soft_deleted_at: None,
            force_change_password: true,
            created_at: now,
            updated_at: now,
        };
        if let Err(error) = tx.insert_user(scope, &user, &hash).await {
            if error.is_conflict(Conflict::UserPrincipalName) {
                // Created meanwhile by someone else: nothing of this file is kept.
                return Err(Error::ConflictRows(vec![taken_problem(&valid)]));
            }
            return Err(error.into());
        }
        tx.insert_audit(&caller.user_audit(Operation::CreateCustomerUser, customer_id, user.id, now))
            .await?;
        imported.push(Imported {
            row: valid.row,
            user,
            password,
        });
    }
    let count = imported.len();
    tx.insert_audit(&caller.audit(
        Operation::ImportCustomerUsers,
        Some(customer_id),
        Some(format!("{count} users")),
        now,
    ))
    .await?;
    Ok(Pending::new(tx, caller, imported))
}
