//! Partner Center paging: query parameters, and continuation tokens that are opaque and
//! tamper-evident (HMAC-SHA256 with a key derived from the token key, which lives in the database,
//! so any instance continues any other's listing) and bound to what they list.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use tenantdesk_domain::{CustomerId, UserId, UserState};
use tenantdesk_store::{SortField, UserCursor, UserQuery};
use tenantdesk_wire::UserFilter;

use crate::AppError;

/// The page size when none (or 0) is asked for.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// The largest page size.
pub const MAX_PAGE_SIZE: u32 = 500;

fn mac(key: &[u8], payload: &str) -> Result<Hmac<Sha256>, AppError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).map_err(|e| AppError::from(anyhow::anyhow!("{e}")))?;
    mac.update(payload.as_bytes());
    Ok(mac)
}

/// Seals `payload` into an opaque, tamper-evident token: base64url JSON and its HMAC-SHA256.
pub fn seal<T: Serialize>(key: &[u8], payload: &T) -> Result<String, AppError> {
    let json = serde_json::to_vec(payload).map_err(|e| AppError::from(anyhow::Error::from(e)))?;
    let payload = URL_SAFE_NO_PAD.encode(json);
    let signature = URL_SAFE_NO_PAD.encode(mac(key, &payload)?.finalize().into_bytes());
    Ok(format!("{payload}.{signature}"))
}

/// The payload of a token [`seal`]ed with `key`; a 400 naming the continuation token for a
/// forged, truncated or tampered one.
pub fn open<T: DeserializeOwned>(key: &[u8], token: &str) -> Result<T, AppError> {
    let (payload, signature) = token.trim().split_once('.').ok_or_else(bad_token)?;
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| bad_token())?;
    mac(key, payload)?.verify_slice(&signature).map_err(|_| bad_token())?;
    let json = URL_SAFE_NO_PAD.decode(payload).map_err(|_| bad_token())?;
    serde_json::from_slice(&json).map_err(|_| bad_token())
}

/// The error of a continuation token that is not valid for the list asked for.
pub fn bad_token() -> AppError {
    AppError::invalid(
        "MS-ContinuationToken",
        "the continuation token is not valid for this list",
    )
}

/// The value of the query parameter `name` (matched case-insensitively), unless empty: for text
/// parameters, where an empty value asks for nothing.
pub fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    present(params, name).filter(|v| !v.is_empty())
}

/// The value of the query parameter `name` (matched case-insensitively), trimmed, whenever it is
/// there: for numbers and booleans, where `size=` or a blank value is not a value and gets a 400,
/// as the OpenAPI document's types say, rather than passing for an absent one.
pub fn present<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}

/// The page size the `size` parameter asks for.
pub fn page_size(params: &[(String, String)]) -> Result<u32, AppError> {
    match present(params, "size") {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(size) => match size.parse::<u32>() {
            Ok(0) => Ok(DEFAULT_PAGE_SIZE),
            Ok(n) if n <= MAX_PAGE_SIZE => Ok(n),
            _ => Err(AppError::invalid(
                "size",
                format!("must be a whole number from 0 to {MAX_PAGE_SIZE}"),
            )),
        },
    }
}

/// The continuation token of a `seekOperation=Next` request; `None` for a first page.
pub fn seek_next<'a>(params: &[(String, String)], continuation: Option<&'a str>) -> Result<Option<&'a str>, AppError> {
    match param(params, "seekOperation") {
        None => Ok(None),
        Some(seek) if seek.eq_ignore_ascii_case("next") => continuation.map(Some).ok_or_else(|| {
            AppError::invalid(
                "MS-ContinuationToken",
                "seekOperation=Next needs the MS-ContinuationToken header",
            )
        }),
        Some(other) => Err(AppError::invalid(
            "seekOperation",
            format!("'{other}' is not supported (only Next)"),
        )),
    }
}

#[derive(Serialize, Deserialize)]
struct Payload {
    /// Customer.
    c: CustomerId,
    /// State filter: `active` or `inactive`.
    s: String,
    /// Sort field: `upn` or `name`.
    f: String,
    /// Descending.
    d: bool,
    /// Page size.
    n: u32,
    /// Last sort value.
    v: String,
    /// Last id.
    i: UserId,
}

fn sort_name(sort: SortField) -> &'static str {
    match sort {
        SortField::UserPrincipalName => "upn",
        SortField::DisplayName => "name",
    }
}

/// The continuation token of the page after `query`'s, which ended with `cursor`.
pub fn continuation_token(
    key: &[u8],
    customer: CustomerId,
    query: &UserQuery,
    cursor: &UserCursor,
) -> Result<String, AppError> {
    let payload = Payload {
        c: customer,
        s: query.state.as_str().to_owned(),
        f: sort_name(query.sort).to_owned(),
        d: query.descending,
        n: query.limit,
        v: cursor.sort_value.clone(),
        i: cursor.id,
    };
    seal(key, &payload)
}

fn decode(key: &[u8], customer: CustomerId, token: &str) -> Result<UserQuery, AppError> {
    let payload: Payload = open(key, token)?;
    if payload.c != customer {
        return Err(bad_token());
    }
    let sort = match payload.f.as_str() {
        "upn" => SortField::UserPrincipalName,
        "name" => SortField::DisplayName,
        _ => return Err(bad_token()),
    };
    Ok(UserQuery {
        state: UserState::parse(&payload.s).ok_or_else(bad_token)?,
        sort,
        descending: payload.d,
        search: None,
        after: Some(UserCursor {
            sort_value: payload.v,
            id: payload.i,
        }),
        limit: payload.n,
    })
}

fn state_filter(filter: &str) -> Result<UserState, AppError> {
    let filter: UserFilter = tenantdesk_wire::tolerant::from_slice(filter.as_bytes())
        .map_err(|e| AppError::invalid("filter", e.to_string()))?;
    if !filter.field.eq_ignore_ascii_case("UserState") || !filter.operator.eq_ignore_ascii_case("equals") {
        return Err(AppError::invalid(
            "filter",
            format!(
                "filtering on {} with {} is not supported (only UserState equals Active or Inactive)",
                filter.field, filter.operator
            ),
        ));
    }
    match filter.value.to_ascii_lowercase().as_str() {
        "active" => Ok(UserState::Active),
        "inactive" => Ok(UserState::Inactive),
        other => Err(AppError::invalid(
            "filter",
            format!("'{other}' is not a user state (Active or Inactive)"),
        )),
    }
}

/// The query a user-list request asks for: its `size`, `filter`, `sortField`, `sortDirection` and
/// `seekOperation` parameters, and its `MS-ContinuationToken` header.
pub fn user_query(
    key: &[u8],
    customer: CustomerId,
    params: &[(String, String)],
    continuation: Option<&str>,
) -> Result<UserQuery, AppError> {
    let filter = param(params, "filter").map(state_filter).transpose()?;
    if let Some(token) = seek_next(params, continuation)? {
        let query = decode(key, customer, token)?;
        if filter.is_some_and(|state| state != query.state) {
            return Err(bad_token());
        }
        return Ok(query);
    }
    let limit = page_size(params)?;
    let sort = match param(params, "sortField") {
        None => SortField::UserPrincipalName,
        Some(f) if f.eq_ignore_ascii_case("userPrincipalName") => SortField::UserPrincipalName,
        Some(f) if f.eq_ignore_ascii_case("displayName") => SortField::DisplayName,
        Some(f) => {
            return Err(AppError::invalid(
                "sortField",
                format!("'{f}' is not supported (userPrincipalName or displayName)"),
            ));
        }
    };
    let descending = match param(params, "sortDirection") {
        None => false,
        Some(d) if d.eq_ignore_ascii_case("ascending") => false,
        Some(d) if d.eq_ignore_ascii_case("descending") => true,
        Some(d) => {
            return Err(AppError::invalid(
                "sortDirection",
                format!("'{d}' is not ascending or descending"),
            ));
        }
    };
    Ok(UserQuery {
        state: filter.unwrap_or(UserState::Active),
        sort,
        descending,
        search: None,
        after: None,
        limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_resist_tampering() {
        let key = b"key";
        let customer = CustomerId::new();
        let query = UserQuery {
            state: UserState::Inactive,
            sort: SortField::DisplayName,
            descending: true,
            search: None,
            after: None,
            limit: 7,
        };
        let cursor = UserCursor {
            sort_value: "Ana".into(),
            id: UserId::new(),
        };
        let token = continuation_token(key, customer, &query, &cursor).unwrap();
        let read = decode(key, customer, &token).unwrap();
        assert_eq!(
            read,
            UserQuery {
                search: None,
                after: Some(cursor),
                ..query
            }
        );

        assert!(decode(key, CustomerId::new(), &token).is_err(), "bound to the customer");
        assert!(decode(b"other key", customer, &token).is_err(), "forged");
        assert!(decode(key, customer, &token[..token.len() - 2]).is_err(), "truncated");
        let (payload, signature) = token.split_once('.').unwrap();
        let mut tampered = URL_SAFE_NO_PAD.decode(payload).unwrap();
        tampered[5] ^= 1;
        let tampered = format!("{}.{signature}", URL_SAFE_NO_PAD.encode(tampered));
        assert!(decode(key, customer, &tampered).is_err(), "tampered");
        assert!(decode(key, customer, "garbage").is_err());
    }
}
