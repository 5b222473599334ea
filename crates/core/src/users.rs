//! Users: the people who act. Sign-up, sign-in and sessions build on this.

use crate::Store;
use crate::actor::{Actor, Role};
use crate::error::{CoreError, CoreResult, Problems};
use crate::fields;
use crate::ids::UserId;
use crate::journal::{self, Entity, Op};
use crate::schema::users;
use crate::time::Timestamp;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

/// A user as others see them (never the password hash).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Queryable, Selectable)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[diesel(table_name = users)]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub time_zone: String,
    pub deactivated_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Input for creating a user. `role` and `time_zone` are text as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewUser {
    pub name: String,
    pub email: String,
    pub role: Option<String>,
    pub time_zone: Option<String>,
    /// An initial password (an Admin creating an account). Without one the
    /// account cannot sign in until an Admin sets it.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(format = Password))]
    pub password: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct UserRow<'a> {
    id: UserId,
    name: &'a str,
    email: &'a str,
    password_hash: Option<&'a str>,
    role: Role,
    time_zone: &'a str,
    created_at: Timestamp,
    updated_at: Timestamp,
}

#[derive(Serialize)]
struct UserJournal<'a> {
    name: &'a str,
    email: &'a str,
    role: Role,
    time_zone: &'a str,
}

struct ValidUser {
    name: String,
    email: String,
    role: Role,
    time_zone: String,
}

/// Check a new user's fields without writing (registration reports these
/// together with the password's).
pub(crate) fn validate_new(input: &NewUser, default_role: Role) -> CoreResult<()> {
    validate(input, default_role).map(|_| ())
}

fn validate(input: &NewUser, default_role: Role) -> CoreResult<ValidUser> {
    let mut problems = Problems::new();
    let name = problems.check("name", fields::required_text(&input.name, 100));
    let email = problems.check("email", fields::email(&input.email));
    let role = match &input.role {
        Some(text) => problems.check("role", text.parse::<Role>()),
        None => Some(default_role),
    };
    let time_zone = problems.check(
        "time_zone",
        parse_time_zone(input.time_zone.as_deref().unwrap_or("UTC")),
    );
    problems.finish()?;
    match (name, email, role, time_zone) {
        (Some(name), Some(email), Some(role), Some(time_zone)) => Ok(ValidUser {
            name,
            email,
            role,
            time_zone,
        }),
        _ => Err(CoreError::internal("validation passed without values")),
    }
}

/// An IANA time zone name such as "Europe/Berlin".
pub(crate) fn parse_time_zone(text: &str) -> Result<String, String> {
    text.trim()
        .parse::<chrono_tz::Tz>()
        .map(|tz| tz.name().to_owned())
        .map_err(|_| format!("'{text}' is not a time zone name such as Europe/Berlin"))
}

/// Insert a user in an open transaction (registration reuses this).
pub(crate) fn insert(
    conn: &mut SqliteConnection,
    input: &NewUser,
    default_role: Role,
    password_hash: Option<&str>,
    acting: Option<UserId>,
    now: Timestamp,
) -> CoreResult<User> {
    let valid = validate(input, default_role)?;
    let taken = users::table
        .filter(users::email.eq(&valid.email))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if taken {
        return Err(CoreError::Conflict(format!(
            "an account with the email {} already exists",
            valid.email
        )));
    }
    let id = UserId::new();
    diesel::insert_into(users::table)
        .values(UserRow {
            id,
            name: &valid.name,
            email: &valid.email,
            password_hash,
            role: valid.role,
            time_zone: &valid.time_zone,
            created_at: now,
            updated_at: now,
        })
        .execute(conn)?;
    journal::record(
        conn,
        Entity::User,
        &id.to_string(),
        Op::Insert,
        &UserJournal {
            name: &valid.name,
            email: &valid.email,
            role: valid.role,
            time_zone: &valid.time_zone,
        },
        acting,
        now,
    )?;
    load(conn, id)
}

pub(crate) fn load(conn: &mut SqliteConnection, id: UserId) -> CoreResult<User> {
    users::table
        .filter(users::id.eq(id))
        .filter(users::deleted_at.is_null())
        .select(User::as_select())
        .first(conn)
        .optional()?
        .ok_or(CoreError::not_found("user"))
}

/// An Admin creates an account (default role Agent).
pub fn create(store: &Store, actor: &Actor, input: NewUser) -> CoreResult<User> {
    if !actor.is_admin() {
        return Err(CoreError::Forbidden(
            "only an Admin can create users".into(),
        ));
    }
    let hash = match &input.password {
        Some(password) => {
            let mut problems = Problems::new();
            if let Err(error) = validate(&input, Role::Agent) {
                for field in error.fields() {
                    problems.add(&field.field, field.message.clone());
                }
            }
            problems.check("password", crate::passwords::check_rules(password));
            problems.finish()?;
            Some(crate::passwords::hash(password)?)
        }
        None => None,
    };
    let now = store.now();
    store.write(|conn| {
        insert(
            conn,
            &input,
            Role::Agent,
            hash.as_deref(),
            Some(actor.user_id),
            now,
        )
    })
}

/// An Admin sets someone's password (a new account, a forgotten password).
/// Every session of that user ends.
pub fn set_password(store: &Store, actor: &Actor, id: UserId, password: &str) -> CoreResult<()> {
    require_admin(actor)?;
    crate::passwords::check_rules(password).map_err(|m| CoreError::invalid("password", m))?;
    let hash = crate::passwords::hash(password)?;
    let now = store.now();
    store.write(|conn| {
        load(conn, id)?;
        diesel::update(users::table.filter(users::id.eq(id)))
            .set((users::password_hash.eq(&hash), users::updated_at.eq(now)))
            .execute(conn)?;
        crate::accounts::revoke_all(conn, id, crate::accounts::Revocation::PasswordChanged, now)?;
        Ok(())
    })
}

/// A user's public details; anyone signed in may look a colleague up.
pub fn get(store: &Store, _actor: &Actor, id: UserId) -> CoreResult<User> {
    store.read(|conn| load(conn, id))
}

/// The time zone "today" is computed in for this user.
pub(crate) fn time_zone_of(conn: &mut SqliteConnection, id: UserId) -> CoreResult<chrono_tz::Tz> {
    let name: String = users::table
        .filter(users::id.eq(id))
        .select(users::time_zone)
        .first(conn)
        .optional()?
        .ok_or(CoreError::not_found("user"))?;
    Ok(name.parse().unwrap_or(chrono_tz::UTC))
}

/// Names for a set of user ids (list views show who owns what).
pub(crate) fn names(
    conn: &mut SqliteConnection,
    ids: impl IntoIterator<Item = UserId>,
) -> CoreResult<std::collections::HashMap<UserId, String>> {
    let mut ids: Vec<UserId> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    // A few ids (a lead's owner, the authors of its notes) is the common case:
    // `=` is a statement SQLite prepares once per connection, while an `IN`
    // list of varying length is parsed and planned again on every call,
    // which costs more than several prepared lookups.
    if ids.len() <= 16 {
        let mut names = std::collections::HashMap::with_capacity(ids.len());
        for id in ids {
            if let Some(name) = users::table
                .filter(users::id.eq(id))
                .select(users::name)
                .first::<String>(conn)
                .optional()?
            {
                names.insert(id, name);
            }
        }
        return Ok(names);
    }
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::name))
        .load::<(UserId, String)>(conn)?
        .into_iter()
        .collect())
}

/// Set the time zone the actor's "today", "this week" and date filters use.
pub fn set_time_zone(store: &Store, actor: &Actor, time_zone: &str) -> CoreResult<User> {
    let time_zone = parse_time_zone(time_zone).map_err(|m| CoreError::invalid("time_zone", m))?;
    let now = store.now();
    store.write(|conn| {
        let current = load(conn, actor.user_id)?;
        if current.time_zone == time_zone {
            return Ok(current);
        }
        diesel::update(users::table.filter(users::id.eq(actor.user_id)))
            .set((users::time_zone.eq(&time_zone), users::updated_at.eq(now)))
            .execute(conn)?;
        journal::record(
            conn,
            Entity::User,
            &actor.user_id.to_string(),
            Op::Update,
            &serde_json::json!({ "time_zone": time_zone }),
            Some(actor.user_id),
            now,
        )?;
        load(conn, actor.user_id)
    })
}

/// Admins manage accounts; Managers may list them (to assign work).
fn require_admin(actor: &Actor) -> CoreResult<()> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(CoreError::Forbidden(
            "only an Admin can manage users".into(),
        ))
    }
}

/// Everyone with an account, by name. Admins and Managers.
pub fn list(store: &Store, actor: &Actor) -> CoreResult<Vec<User>> {
    if !actor.sees_everything() {
        return Err(CoreError::Forbidden(
            "only a Manager or an Admin can list users".into(),
        ));
    }
    store.read(|conn| {
        Ok(users::table
            .filter(users::deleted_at.is_null())
            .order((users::name.asc(), users::id.asc()))
            .select(User::as_select())
            .load(conn)?)
    })
}

/// An edit to an account: name and email (the user themself or an Admin),
/// role (an Admin).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserPatch {
    pub name: Option<String>,
    pub email: Option<String>,
    pub role: Option<String>,
}

#[derive(AsChangeset, Default, Serialize)]
#[diesel(table_name = users)]
struct UserChanges {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<Role>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deactivated_at: Option<Option<Timestamp>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deleted_at: Option<Option<Timestamp>>,
    updated_at: Option<Timestamp>,
}

fn apply(
    conn: &mut SqliteConnection,
    actor: &Actor,
    id: UserId,
    mut changes: UserChanges,
    op: Op,
    now: Timestamp,
) -> CoreResult<User> {
    changes.updated_at = Some(now);
    diesel::update(users::table.filter(users::id.eq(id)))
        .set(&changes)
        .execute(conn)?;
    journal::record(
        conn,
        Entity::User,
        &id.to_string(),
        op,
        &changes,
        Some(actor.user_id),
        now,
    )?;
    load_any(conn, id)
}

/// A user, deleted ones included (for the journal's read-back).
fn load_any(conn: &mut SqliteConnection, id: UserId) -> CoreResult<User> {
    users::table
        .filter(users::id.eq(id))
        .select(User::as_select())
        .first(conn)
        .optional()?
        .ok_or(CoreError::not_found("user"))
}

/// A team keeps at least one active Admin: refuse the change that would
/// leave none.
fn keep_an_admin(conn: &mut SqliteConnection, target: &User) -> CoreResult<()> {
    if target.role != Role::Admin || target.deactivated_at.is_some() {
        return Ok(());
    }
    let other_admins: i64 = users::table
        .filter(users::role.eq(Role::Admin))
        .filter(users::deleted_at.is_null())
        .filter(users::deactivated_at.is_null())
        .filter(users::id.ne(target.id))
        .count()
        .get_result(conn)?;
    if other_admins == 0 {
        return Err(CoreError::Conflict(
            "this is the last Admin; make someone else an Admin first".into(),
        ));
    }
    Ok(())
}

pub fn update(store: &Store, actor: &Actor, id: UserId, patch: UserPatch) -> CoreResult<User> {
    if id != actor.user_id {
        require_admin(actor)?;
    }
    let mut problems = Problems::new();
    let name = patch
        .name
        .as_deref()
        .and_then(|n| problems.check("name", fields::required_text(n, 100)));
    let email = patch
        .email
        .as_deref()
        .and_then(|e| problems.check("email", fields::email(e)));
    let role = patch
        .role
        .as_deref()
        .and_then(|r| problems.check("role", r.parse::<Role>()));
    problems.finish()?;
    if role.is_some() {
        require_admin(actor)?;
    }
    let now = store.now();
    store.write(|conn| {
        let current = load(conn, id)?;
        let changes = UserChanges {
            name: name.filter(|n| *n != current.name),
            email: email.filter(|e| *e != current.email),
            role: role.filter(|r| *r != current.role),
            ..Default::default()
        };
        if let Some(email) = &changes.email {
            let taken: i64 = users::table
                .filter(users::email.eq(email))
                .filter(users::id.ne(id))
                .count()
                .get_result(conn)?;
            if taken > 0 && !email.eq_ignore_ascii_case(&current.email) {
                return Err(CoreError::Conflict(format!(
                    "an account with the email {email} already exists"
                )));
            }
        }
        if changes.role.is_some() {
            keep_an_admin(conn, &current)?;
        }
        if changes.name.is_none() && changes.email.is_none() && changes.role.is_none() {
            return Ok(current);
        }
        apply(conn, actor, id, changes, Op::Update, now)
    })
}

/// Stop an account from signing in; its sessions end, its leads stay.
pub fn deactivate(store: &Store, actor: &Actor, id: UserId) -> CoreResult<User> {
    require_admin(actor)?;
    let now = store.now();
    store.write(|conn| {
        let current = load(conn, id)?;
        if current.deactivated_at.is_some() {
            return Ok(current);
        }
        keep_an_admin(conn, &current)?;
        crate::accounts::revoke_all(conn, id, crate::accounts::Revocation::Deactivated, now)?;
        let changes = UserChanges {
            deactivated_at: Some(Some(now)),
            ..Default::default()
        };
        apply(conn, actor, id, changes, Op::Update, now)
    })
}

pub fn reactivate(store: &Store, actor: &Actor, id: UserId) -> CoreResult<User> {
    require_admin(actor)?;
    let now = store.now();
    store.write(|conn| {
        let current = load(conn, id)?;
        if current.deactivated_at.is_none() {
            return Ok(current);
        }
        let changes = UserChanges {
            deactivated_at: Some(None),
            ..Default::default()
        };
        apply(conn, actor, id, changes, Op::Update, now)
    })
}

/// Delete an account (a tombstone). Its leads keep their owner until a
/// Manager reassigns them.
pub fn delete(store: &Store, actor: &Actor, id: UserId) -> CoreResult<()> {
    require_admin(actor)?;
    let now = store.now();
    store.write(|conn| {
        let current = load(conn, id)?;
        keep_an_admin(conn, &current)?;
        crate::accounts::revoke_all(conn, id, crate::accounts::Revocation::Deleted, now)?;
        let changes = UserChanges {
            deleted_at: Some(Some(now)),
            ..Default::default()
        };
        apply(conn, actor, id, changes, Op::Delete, now).map(|_| ())
    })
}

/// Every column that names a user, by table: what moving an account to
/// another id has to follow.
const USER_REFERENCES: &[(&str, &str)] = &[
    ("leads", "owner_id"),
    ("leads", "created_by"),
    ("notes", "author_id"),
    ("activities", "actor_id"),
    ("reminders", "owner_id"),
    ("tasks", "assignee_id"),
    ("tasks", "created_by"),
    ("customers", "owner_id"),
    ("sessions", "user_id"),
    ("import_batches", "created_by"),
    ("notifications", "user_id"),
    ("sync_clients", "user_id"),
    ("sync_held", "user_id"),
    ("change_journal", "actor_id"),
];

/// A local account with `user`'s email under another id: the same person,
/// known here before the team server's account came (a desktop's first
/// sign-in, a colleague's account on a desktop used alone).
pub(crate) fn local_twin(conn: &mut SqliteConnection, user: &User) -> CoreResult<Option<UserId>> {
    Ok(users::table
        .filter(users::email.eq(&user.email))
        .filter(users::id.ne(user.id))
        .select(users::id)
        .first(conn)
        .optional()?)
}

/// Make the local account `from` the account `to` a team server knows the
/// same person by (same email): the row takes the server's id, name and role
/// and keeps its password and time zone, and everything that named `from`
/// names `to`. For a desktop's first sign-in to a server.
pub(crate) fn rekey(conn: &mut SqliteConnection, from: UserId, to: &User) -> CoreResult<()> {
    use diesel::sql_types::{BigInt, Nullable, Text};
    // The email is unique: free it for the row that takes it over.
    diesel::update(users::table.filter(users::id.eq(from)))
        .set(users::email.eq(format!("{}#moving", to.email)))
        .execute(conn)?;
    diesel::sql_query(
        "INSERT INTO users (id, name, email, password_hash, role, time_zone, deactivated_at, \
                            created_at, updated_at) \
         SELECT ?2, ?3, ?4, password_hash, ?5, time_zone, ?6, created_at, ?7 \
         FROM users WHERE id = ?1",
    )
    .bind::<Text, _>(from.to_string())
    .bind::<Text, _>(to.id.to_string())
    .bind::<Text, _>(&to.name)
    .bind::<Text, _>(&to.email)
    .bind::<Text, _>(to.role.as_str())
    .bind::<Nullable<BigInt>, _>(to.deactivated_at.map(Timestamp::millis))
    .bind::<BigInt, _>(to.updated_at.millis())
    .execute(conn)?;
    for (table, column) in USER_REFERENCES {
        diesel::sql_query(format!(
            "UPDATE {table} SET {column} = ?2 WHERE {column} = ?1"
        ))
        .bind::<Text, _>(from.to_string())
        .bind::<Text, _>(to.id.to_string())
        .execute(conn)?;
    }
    diesel::delete(users::table.filter(users::id.eq(from))).execute(conn)?;
    Ok(())
}
