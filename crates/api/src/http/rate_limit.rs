//! Rate limiting (`serve --rate-limit PER_MINUTE`): each partner may send so many authenticated
//! requests a minute, and each client address may fail authentication so many times a minute.
//! Past it, the answer is 429 with `Retry-After` and Partner Center's error body (code 429).
//!
//! The limits are GCRA buckets from `governor`, keyed by partner and by client address (an IPv6
//! address by its /64, which one client usually holds whole). They live in this instance's memory:
//! several instances each allow the limit. Keys whose bucket is full again are forgotten as the map
//! grows, so memory stays bounded by the keys active within a minute.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use tenantdesk_domain::PartnerId;

use crate::extract::VerifiedPrincipal;
use crate::{ApiState, AppError};

/// How many keys a limiter may hold before the keys that are back to a full bucket are forgotten.
const KEYS_BEFORE_EVICTION: usize = 10_000;

/// The limits of one instance.
#[derive(Debug)]
pub struct RateLimits {
    partners: DefaultKeyedRateLimiter<PartnerId>,
    addresses: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
    checks: AtomicU64,
}

impl RateLimits {
    /// `per_minute` requests a minute per key (in bursts of up to as many), or `None` for 0: no
    /// limit.
    pub fn new(per_minute: u32) -> Option<Self> {
        let quota = Quota::per_minute(NonZeroU32::new(per_minute)?);
        let clock = DefaultClock::default();
        Some(Self {
            partners: DefaultKeyedRateLimiter::dashmap_with_clock(quota, clock.clone()),
            addresses: DefaultKeyedRateLimiter::dashmap_with_clock(quota, clock.clone()),
            clock,
            checks: AtomicU64::new(0),
        })
    }

    /// Counts a request of `partner`; refused with the time to wait when over the limit.
    pub fn check_partner(&self, partner: PartnerId) -> Result<(), Duration> {
        self.evict_now_and_then();
        self.partners
            .check_key(&partner)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    /// Counts a failed authentication from `address`; refused with the time to wait when over the
    /// limit.
    pub fn check_address(&self, address: IpAddr) -> Result<(), Duration> {
        self.evict_now_and_then();
        self.addresses
            .check_key(&client_key(address))
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    /// How many keys the limiters hold.
    pub fn keys(&self) -> usize {
        self.partners.len() + self.addresses.len()
    }

    /// Every 1024 checks, forgets the keys whose bucket is full again if a map has grown large.
    fn evict_now_and_then(&self) {
        if !self.checks.fetch_add(1, Ordering::Relaxed).is_multiple_of(1024) {
            return;
        }
        if self.partners.len() > KEYS_BEFORE_EVICTION {
            self.partners.retain_recent();
            self.partners.shrink_to_fit();
        }
        if self.addresses.len() > KEYS_BEFORE_EVICTION {
            self.addresses.retain_recent();
            self.addresses.shrink_to_fit();
        }
    }
}

/// The key of a client address: an IPv6 address by its /64, an IPv4 address whole.
fn client_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        },
    }
}

/// The middleware of the API's routes (the router adds it to those alone: health checks,
/// `/openapi.json` and `/docs` are not limited): a request with a valid token counts against its
/// partner, and hands the verified principal on so the token is not verified twice; one without,
/// or with an invalid one, counts against its client address.
pub async fn limit(
    State((state, limits)): State<(ApiState, Arc<RateLimits>)>,
    mut request: Request,
    next: Next,
) -> Response {
    let checked = match crate::extract::principal(request.headers(), &state) {
        Ok(principal) => {
            let checked = limits.check_partner(principal.partner);
            request.extensions_mut().insert(VerifiedPrincipal(principal));
            checked
        }
        Err(_) => match request.extensions().get::<ConnectInfo<SocketAddr>>() {
            Some(ConnectInfo(peer)) => limits.check_address(peer.ip()),
            None => Ok(()),
        },
    };
    match checked {
        Ok(()) => next.run(request).await,
        Err(wait) => AppError::TooManyRequests(wait).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partner_is_refused_past_its_limit_and_told_how_long_to_wait() {
        let limits = RateLimits::new(3).unwrap();
        let (a, b) = (PartnerId::new(), PartnerId::new());
        for _ in 0..3 {
            limits.check_partner(a).unwrap();
        }
        let wait = limits.check_partner(a).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(20), "{wait:?}");
        limits.check_partner(b).unwrap();
        assert!(RateLimits::new(0).is_none(), "0 turns the limit off");
    }

    #[test]
    fn an_ipv6_client_is_limited_by_its_64() {
        let limits = RateLimits::new(1).unwrap();
        limits.check_address("2001:db8:1:2::1".parse().unwrap()).unwrap();
        assert!(limits.check_address("2001:db8:1:2::ffff".parse().unwrap()).is_err());
        limits.check_address("2001:db8:1:3::1".parse().unwrap()).unwrap();
        limits.check_address("192.0.2.1".parse().unwrap()).unwrap();
        assert!(limits.check_address("::ffff:192.0.2.1".parse().unwrap()).is_err());
    }

    #[test]
    fn keys_back_to_a_full_bucket_are_forgotten() {
        // A high limit refills a bucket within microseconds: old keys are soon indistinguishable
        // from fresh ones, so eviction may drop them.
        let limits = RateLimits::new(u32::MAX).unwrap();
        for _ in 0..3 * KEYS_BEFORE_EVICTION {
            limits.check_partner(PartnerId::new()).unwrap();
        }
        assert!(limits.keys() < 3 * KEYS_BEFORE_EVICTION, "{} keys", limits.keys());
    }
}
