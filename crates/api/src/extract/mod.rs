//! What handlers take from a request: the caller (from the bearer token), typed path ids, and
//! bodies read with a size limit, parsed tolerantly and digested for idempotent replay.

mod body;
mod caller;
mod path;

pub use body::{JsonBody, MAX_BODY_BYTES, RawBody, RequestDigest};
pub use caller::{VerifiedPrincipal, principal};
pub use path::{CustomerPath, MemberPath, RolePath, UserPath};
