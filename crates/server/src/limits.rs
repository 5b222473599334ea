//! Limits that keep one client from hurting the others: per-address rate
//! limits on the routes that guess passwords or write without an account, and
//! body sizes.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

/// JSON bodies: a lead with a long note is a few kB.
pub const JSON_BODY: usize = 1024 * 1024;
/// CSV uploads for import.
pub const UPLOAD_BODY: usize = 64 * 1024 * 1024;

/// How many attempts a client address gets, and how fast they come back.
#[derive(Debug, Clone, Copy)]
pub struct RateConfig {
    /// Attempts allowed at once.
    pub burst: u32,
    /// One more attempt becomes available after this long.
    pub every: Duration,
}

impl Default for RateConfig {
    /// Ten at once, then one every six seconds (ten a minute).
    fn default() -> Self {
        Self {
            burst: 10,
            every: Duration::from_secs(6),
        }
    }
}

/// One limiter per guarded purpose, keyed by client address.
#[derive(Debug)]
pub struct Limits {
    sign_in: DefaultKeyedRateLimiter<IpAddr>,
    enquiry: DefaultKeyedRateLimiter<IpAddr>,
}

impl Limits {
    pub fn new(config: RateConfig) -> Self {
        let quota = Quota::with_period(config.every)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(config.burst).unwrap_or(NonZeroU32::MIN));
        Self {
            sign_in: RateLimiter::keyed(quota),
            enquiry: RateLimiter::keyed(quota),
        }
    }

    fn check(limiter: &DefaultKeyedRateLimiter<IpAddr>, ip: IpAddr) -> Result<(), ApiError> {
        limiter.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            ApiError::rate_limited(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
        })
    }
}

/// Login, registration and refresh share one budget per address.
pub async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    Limits::check(&state.limits.sign_in, peer.ip())?;
    Ok(next.run(request).await)
}

/// The public enquiry form.
pub async fn enquiry(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    Limits::check(&state.limits.enquiry, peer.ip())?;
    Ok(next.run(request).await)
}
