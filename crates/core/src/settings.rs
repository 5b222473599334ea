//! Installation settings kept in the database (key/value).

use crate::schema::settings;
use crate::time::Timestamp;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use diesel::prelude::*;
use rand::RngExt;

const TOKEN_SECRET: &str = "token_secret";

/// This installation's access-token secret: 32 random bytes made on first
/// open and kept, so tokens stay valid across restarts.
pub(crate) fn installation_secret(
    conn: &mut SqliteConnection,
    now: Timestamp,
) -> QueryResult<Vec<u8>> {
    conn.immediate_transaction(|conn| {
        let stored: Option<String> = settings::table
            .filter(settings::key.eq(TOKEN_SECRET))
            .select(settings::value)
            .first(conn)
            .optional()?;
        if let Some(decoded) = stored.and_then(|v| STANDARD.decode(v).ok()) {
            return Ok(decoded);
        }
        let mut secret = vec![0u8; 32];
        rand::rng().fill(&mut secret[..]);
        diesel::replace_into(settings::table)
            .values((
                settings::key.eq(TOKEN_SECRET),
                settings::value.eq(STANDARD.encode(&secret)),
                settings::created_at.eq(now),
                settings::updated_at.eq(now),
            ))
            .execute(conn)?;
        Ok(secret)
    })
}
