//! What a running instance asks of the database for itself, on behalf of no caller: whether the
//! database answers (the readiness check), and the service-wide settings every instance shares
//! (the token signing key).

use crate::{App, Error};

/// Whether the database answers.
pub async fn check_database(app: &App) -> Result<(), Error> {
    Ok(app.store().ping().await?)
}

/// The service-wide setting `key`; on first use, `fresh()` is stored and returned. Instances that
/// ask at once agree on one value: the first insert wins and everyone reads it back.
pub async fn setting_or_insert(app: &App, key: &str, fresh: impl FnOnce() -> String) -> Result<String, Error> {
    if let Some(value) = app.store().setting(key).await? {
        return Ok(value);
    }
    let mut tx = app.store().begin().await?;
    let value = tx.setting_or_insert(key, &fresh()).await?;
    tx.commit().await?;
    Ok(value)
}
