//! Signing up, in and out: registration, login, token refresh with rotation
//! and reuse detection, logout, password change, and turning an access token
//! back into an [`Actor`] for every request.

use crate::Store;
use crate::actor::{Actor, Role};
use crate::error::{CoreError, CoreResult, Problems};
use crate::ids::{SessionId, UserId};
use crate::passwords::{self, Verdict};
use crate::schema::{refresh_tokens, sessions, users};
use crate::time::Timestamp;
use crate::tokens;
use crate::users::{NewUser, User};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use diesel::prelude::*;
use rand::RngExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A new account, as typed into the sign-up form.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Registration {
    pub name: String,
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(format = Password))]
    pub password: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Credentials {
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(format = Password))]
    pub password: String,
}

/// What a successful sign-in (or refresh) hands the client.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedIn {
    pub access_token: String,
    pub access_expires_at: Timestamp,
    pub refresh_token: String,
    pub refresh_expires_at: Timestamp,
    pub user: User,
}

/// Why a session ended.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Revocation {
    Logout,
    PasswordChanged,
    ReuseDetected,
    Deactivated,
    Deleted,
}

impl Revocation {
    fn as_str(self) -> &'static str {
        match self {
            Self::Logout => "logout",
            Self::PasswordChanged => "password_changed",
            Self::ReuseDetected => "reuse_detected",
            Self::Deactivated => "deactivated",
            Self::Deleted => "deleted",
        }
    }
}

fn bad_credentials() -> CoreError {
    CoreError::Unauthenticated("the email or password is incorrect".into())
}

fn signed_out() -> CoreError {
    CoreError::Unauthenticated("you are signed out; sign in again".into())
}

/// Create an account. The first account of a database is its Admin; later
/// self-registrations are Agents (an Admin can change roles).
pub fn register(store: &Store, input: Registration) -> CoreResult<User> {
    let mut problems = Problems::new();
    let user_input = NewUser {
        name: input.name,
        email: input.email,
        role: None,
        time_zone: None,
        password: None,
    };
    // Name and email are checked by the same rules as any user; gather all
    // problems, the password's included, before reporting.
    let details = crate::users::validate_new(&user_input, Role::Agent);
    if let Err(error) = &details {
        for field in error.fields() {
            problems.add(&field.field, field.message.clone());
        }
    }
    problems.check("password", passwords::check_rules(&input.password));
    problems.finish()?;
    // Slow on purpose (argon2): done before the write transaction is taken.
    let hash = passwords::hash(&input.password)?;
    let now = store.now();
    store.write(|conn| {
        let first = users::table.count().get_result::<i64>(conn)? == 0;
        let role = if first { Role::Admin } else { Role::Agent };
        let input = NewUser {
            role: Some(role.as_str().into()),
            ..user_input
        };
        crate::users::insert(conn, &input, role, Some(&hash), None, now)
    })
}

#[derive(Queryable)]
struct LoginRow {
    id: UserId,
    password_hash: Option<String>,
    deactivated_at: Option<Timestamp>,
}

/// Sign in with email (any case) and password. A wrong password and an
/// unknown email give the same error after the same amount of work.
pub fn login(store: &Store, credentials: Credentials) -> CoreResult<SignedIn> {
    let email = credentials.email.trim();
    let row: Option<LoginRow> = store.read(|conn| {
        Ok(users::table
            .filter(users::email.eq(email))
            .filter(users::deleted_at.is_null())
            .select((users::id, users::password_hash, users::deactivated_at))
            .first(conn)
            .optional()?)
    })?;
    let Some((row, stored)) = row.and_then(|r| r.password_hash.clone().map(|h| (r, h))) else {
        passwords::verify_nothing(&credentials.password);
        return Err(bad_credentials());
    };
    let outdated = match passwords::verify(&credentials.password, &stored) {
        Verdict::Valid { outdated } => outdated,
        Verdict::Invalid => return Err(bad_credentials()),
    };
    if row.deactivated_at.is_some() {
        return Err(CoreError::Unauthenticated(
            "this account is deactivated; ask an Admin to reactivate it".into(),
        ));
    }
    let upgraded = if outdated {
        Some(passwords::hash(&credentials.password)?)
    } else {
        None
    };
    let now = store.now();
    store.write(|conn| {
        if let Some(hash) = &upgraded {
            // Only if nobody changed the password meanwhile.
            diesel::update(
                users::table
                    .filter(users::id.eq(row.id))
                    .filter(users::password_hash.eq(&stored)),
            )
            .set(users::password_hash.eq(hash))
            .execute(conn)?;
            tracing::info!(user = %row.id, "password hash upgraded to current parameters");
        }
        let session = SessionId::new();
        let expires = now.plus(store.tokens().refresh_ttl);
        diesel::insert_into(sessions::table)
            .values((
                sessions::id.eq(session),
                sessions::user_id.eq(row.id),
                sessions::created_at.eq(now),
                sessions::updated_at.eq(now),
                sessions::expires_at.eq(expires),
            ))
            .execute(conn)?;
        issue(conn, store, row.id, session, now)
    })
}

/// Mint a refresh token in `session` and an access token to go with it.
fn issue(
    conn: &mut SqliteConnection,
    store: &Store,
    user_id: UserId,
    session: SessionId,
    now: Timestamp,
) -> CoreResult<SignedIn> {
    let user = crate::users::load(conn, user_id)?;
    let mut raw = [0u8; 32];
    rand::rng().fill(&mut raw[..]);
    let refresh_token = URL_SAFE_NO_PAD.encode(raw);
    let refresh_expires_at = now.plus(store.tokens().refresh_ttl);
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::token_hash.eq(digest(&refresh_token)),
            refresh_tokens::session_id.eq(session),
            refresh_tokens::created_at.eq(now),
            refresh_tokens::expires_at.eq(refresh_expires_at),
        ))
        .execute(conn)?;
    diesel::update(sessions::table.filter(sessions::id.eq(session)))
        .set((
            sessions::updated_at.eq(now),
            sessions::expires_at.eq(refresh_expires_at),
        ))
        .execute(conn)?;
    let (access_token, access_expires_at) = tokens::issue(
        &store.tokens().secret,
        user.id,
        user.role,
        session,
        now,
        store.tokens().access_ttl,
    )?;
    Ok(SignedIn {
        access_token,
        access_expires_at,
        refresh_token,
        refresh_expires_at,
        user,
    })
}

fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(Queryable)]
struct RefreshRow {
    session_id: SessionId,
    expires_at: Timestamp,
    rotated_at: Option<Timestamp>,
    user_id: UserId,
    session_revoked: Option<Timestamp>,
    deactivated_at: Option<Timestamp>,
    deleted_at: Option<Timestamp>,
}

/// Trade a refresh token for a new pair. Each refresh token works once: using
/// one that was already traded means it leaked, so its whole session ends.
pub fn refresh(store: &Store, refresh_token: &str) -> CoreResult<SignedIn> {
    let now = store.now();
    let hash = digest(refresh_token.trim());
    let outcome = store.write(|conn| {
        let row: Option<RefreshRow> = refresh_tokens::table
            .inner_join(sessions::table.inner_join(users::table))
            .filter(refresh_tokens::token_hash.eq(&hash))
            .select((
                refresh_tokens::session_id,
                refresh_tokens::expires_at,
                refresh_tokens::rotated_at,
                sessions::user_id,
                sessions::revoked_at,
                users::deactivated_at,
                users::deleted_at,
            ))
            .first(conn)
            .optional()?;
        let Some(row) = row else {
            return Ok(Err(signed_out()));
        };
        if row.session_revoked.is_some()
            || row.deactivated_at.is_some()
            || row.deleted_at.is_some()
            || row.expires_at <= now
        {
            return Ok(Err(signed_out()));
        }
        if row.rotated_at.is_some() {
            revoke_session(conn, row.session_id, Revocation::ReuseDetected, now)?;
            tracing::warn!(
                user = %row.user_id,
                session = %row.session_id,
                "a rotated refresh token was used again; the session is revoked"
            );
            return Ok(Err(CoreError::Unauthenticated(
                "this sign-in was ended because an old token was used again; sign in again".into(),
            )));
        }
        diesel::update(refresh_tokens::table.filter(refresh_tokens::token_hash.eq(&hash)))
            .set(refresh_tokens::rotated_at.eq(now))
            .execute(conn)?;
        issue(conn, store, row.user_id, row.session_id, now).map(Ok)
    })?;
    // The revocation above must commit even though the caller gets an error.
    outcome
}

/// End the session a refresh token belongs to.
pub fn logout(store: &Store, refresh_token: &str) -> CoreResult<()> {
    let now = store.now();
    let hash = digest(refresh_token.trim());
    store.write(|conn| {
        let session: Option<SessionId> = refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(&hash))
            .select(refresh_tokens::session_id)
            .first(conn)
            .optional()?;
        match session {
            Some(session) => revoke_session(conn, session, Revocation::Logout, now),
            None => Err(signed_out()),
        }
    })
}

fn revoke_session(
    conn: &mut SqliteConnection,
    session: SessionId,
    why: Revocation,
    now: Timestamp,
) -> CoreResult<()> {
    diesel::update(
        sessions::table
            .filter(sessions::id.eq(session))
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(now),
        sessions::revoked_reason.eq(why.as_str()),
        sessions::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// End every session of a user (password change, deactivation, deletion).
pub(crate) fn revoke_all(
    conn: &mut SqliteConnection,
    user: UserId,
    why: Revocation,
    now: Timestamp,
) -> CoreResult<usize> {
    Ok(diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user))
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(now),
        sessions::revoked_reason.eq(why.as_str()),
        sessions::updated_at.eq(now),
    ))
    .execute(conn)?)
}

/// Who is acting, from an access token. No token, a bad or expired one, or
/// one whose session has ended, is `unauthenticated`. The role is read fresh,
/// so a role change applies at once.
pub fn authenticate(store: &Store, access_token: Option<&str>) -> CoreResult<Actor> {
    let claims = claims_of(store, access_token)?;
    if let Some(known) = known_live(store, &claims) {
        return known;
    }
    let cache = store.live_sessions();
    let generation = cache.generation();
    let role = store.read(|conn| {
        let live: Option<Role> = sessions::table
            .inner_join(users::table)
            .filter(sessions::id.eq(claims.sid))
            .filter(sessions::user_id.eq(claims.sub))
            .filter(sessions::revoked_at.is_null())
            .filter(users::deactivated_at.is_null())
            .filter(users::deleted_at.is_null())
            .select(users::role)
            .first(conn)
            .optional()?;
        live.ok_or_else(signed_out)
    })?;
    cache.put(generation, claims.sid, claims.sub, role);
    Ok(Actor::new(claims.sub, role))
}

/// [`authenticate`] when it needs no database: no token, a bad or expired
/// one, or a session read live since this store's last write. `None`: ask
/// `authenticate` (the server moves to a blocking thread only for that).
pub fn authenticate_at_once(
    store: &Store,
    access_token: Option<&str>,
) -> Option<CoreResult<Actor>> {
    match claims_of(store, access_token) {
        Ok(claims) => known_live(store, &claims),
        Err(e) => Some(Err(e)),
    }
}

fn claims_of(store: &Store, access_token: Option<&str>) -> CoreResult<tokens::AccessClaims> {
    let token = access_token
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| CoreError::Unauthenticated("sign in first".into()))?;
    tokens::verify(&store.tokens().secret, token, store.now())
}

fn known_live(store: &Store, claims: &tokens::AccessClaims) -> Option<CoreResult<Actor>> {
    let (user, role) = store.live_sessions().get(claims.sid)?;
    Some(if user == claims.sub {
        Ok(Actor::new(user, role))
    } else {
        Err(signed_out())
    })
}

/// Change one's own password; every session of the user ends, this one too.
pub fn change_password(store: &Store, actor: &Actor, current: &str, new: &str) -> CoreResult<()> {
    passwords::check_rules(new).map_err(|m| CoreError::invalid("new_password", m))?;
    let stored: Option<String> = store.read(|conn| {
        Ok(users::table
            .filter(users::id.eq(actor.user_id))
            .select(users::password_hash)
            .first::<Option<String>>(conn)
            .optional()?
            .flatten())
    })?;
    let right = stored
        .as_deref()
        .is_some_and(|s| matches!(passwords::verify(current, s), Verdict::Valid { .. }));
    if !right {
        return Err(CoreError::invalid(
            "current_password",
            "is not your current password",
        ));
    }
    let hash = passwords::hash(new)?;
    let now = store.now();
    store.write(|conn| {
        // Only over the hash just checked: a change that landed meanwhile wins.
        let changed = diesel::update(
            users::table
                .filter(users::id.eq(actor.user_id))
                .filter(users::password_hash.eq(stored.as_deref())),
        )
        .set((users::password_hash.eq(&hash), users::updated_at.eq(now)))
        .execute(conn)?;
        if changed == 0 {
            return Err(CoreError::Conflict(
                "your password was changed meanwhile; sign in again".into(),
            ));
        }
        revoke_all(conn, actor.user_id, Revocation::PasswordChanged, now)?;
        Ok(())
    })
}

/// True while the database has no account: the app then shows first-run
/// (create the Admin) instead of sign-in. Public: it reveals nothing else.
pub fn needs_first_account(store: &Store) -> CoreResult<bool> {
    store.read(|conn| Ok(users::table.count().get_result::<i64>(conn)? == 0))
}

/// For the core's own unit tests: register the first account of `store`
/// (so its Admin) and act as it.
#[cfg(test)]
pub(crate) fn first_admin(store: &Store) -> crate::Actor {
    let user = register(
        store,
        Registration {
            name: "Ada Admin".into(),
            email: "ada@example.com".into(),
            password: "correct horse battery".into(),
        },
    )
    .expect("the first account registers");
    crate::Actor::new(user.id, user.role)
}
