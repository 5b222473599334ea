//! Access tokens: short-lived HS256 JWTs. The algorithm is pinned when
//! verifying (no `none`, no other algorithm), and expiry is checked against
//! the store's clock so tests can move time instead of sleeping.

use crate::actor::Role;
use crate::error::{CoreError, CoreResult};
use crate::ids::{SessionId, UserId};
use crate::time::Timestamp;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AccessClaims {
    pub sub: UserId,
    pub role: Role,
    /// The session (refresh-token family) this token belongs to.
    pub sid: SessionId,
    /// A unique token id.
    pub jti: Uuid,
    pub iat: i64,
    pub exp: i64,
}

pub(crate) fn issue(
    secret: &[u8],
    user: UserId,
    role: Role,
    session: SessionId,
    now: Timestamp,
    ttl: chrono::Duration,
) -> CoreResult<(String, Timestamp)> {
    let expires = now.plus(ttl);
    let claims = AccessClaims {
        sub: user,
        role,
        sid: session,
        jti: Uuid::now_v7(),
        iat: now.millis() / 1000,
        exp: expires.millis() / 1000,
    };
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .map_err(CoreError::internal)?;
    Ok((
        token,
        Timestamp::from_millis(expires.millis() / 1000 * 1000),
    ))
}

fn refused() -> CoreError {
    CoreError::Unauthenticated("sign in again: the access token is invalid or expired".into())
}

pub(crate) fn verify(secret: &[u8], token: &str, now: Timestamp) -> CoreResult<AccessClaims> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.algorithms = vec![Algorithm::HS256];
    validation.validate_exp = false; // checked below against the store's clock
    validation.set_required_spec_claims(&["exp", "iat", "sub"]);
    let data =
        jsonwebtoken::decode::<AccessClaims>(token, &DecodingKey::from_secret(secret), &validation)
            .map_err(|e| {
                tracing::debug!(error = %e, "access token refused");
                refused()
            })?;
    if data.claims.exp * 1000 <= now.millis() {
        return Err(refused());
    }
    Ok(data.claims)
}
