//! Registration, sign-in, tokens and sessions, on a real database with a
//! clock the test moves.

use crate::helpers::{code, fields};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use diesel::connection::SimpleConnection;
use leadlight_core::accounts::{self, Credentials, Registration};
use leadlight_core::clock::ManualClock;
use leadlight_core::{ErrorCode, Role, Store, StoreOptions, Timestamp, leads, users};
use std::sync::Arc;

const SECRET: &[u8] = b"a test secret that is long enough for HS256";

struct Accounts {
    _dir: tempfile::TempDir,
    store: Store,
    clock: Arc<ManualClock>,
}

fn accounts() -> Accounts {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(
        Timestamp::parse("2026-11-24T09:00:00Z").unwrap(),
    ));
    let store = Store::open_with(
        dir.path().join("accounts.sqlite3"),
        StoreOptions {
            clock: clock.clone(),
            token_secret: Some(SECRET.to_vec()),
            ..StoreOptions::default()
        },
    )
    .unwrap();
    Accounts {
        _dir: dir,
        store,
        clock,
    }
}

fn register(a: &Accounts, name: &str, email: &str) -> users::User {
    accounts::register(
        &a.store,
        Registration {
            name: name.into(),
            email: email.into(),
            password: "correct horse battery".into(),
        },
    )
    .unwrap()
}

fn login(a: &Accounts, email: &str) -> accounts::SignedIn {
    accounts::login(
        &a.store,
        Credentials {
            email: email.into(),
            password: "correct horse battery".into(),
        },
    )
    .unwrap()
}

#[test]
fn the_first_account_is_admin_and_later_ones_are_agents() {
    let a = accounts();
    assert_eq!(register(&a, "Ada", "ada@example.com").role, Role::Admin);
    assert_eq!(register(&a, "Bob", "bob@example.com").role, Role::Agent);
}

#[test]
fn registration_names_every_broken_rule_and_refuses_a_taken_email_in_any_case() {
    let a = accounts();
    let bad = Registration {
        name: " ".into(),
        email: "nope".into(),
        password: "short".into(),
    };
    let error = accounts::register(&a.store, bad).unwrap_err();
    let named: Vec<&str> = error.fields().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(named, vec!["name", "email", "password"]);
    assert!(
        error
            .to_string()
            .contains("password: must be at least 8 characters"),
        "{error}"
    );

    register(&a, "Ada", "ada@example.com");
    let again = Registration {
        name: "Ada 2".into(),
        email: "ADA@Example.COM".into(),
        password: "another password".into(),
    };
    assert_eq!(
        code(accounts::register(&a.store, again)),
        ErrorCode::Conflict
    );
}

#[test]
fn wrong_password_and_unknown_email_give_the_same_error() {
    let a = accounts();
    register(&a, "Ada", "ada@example.com");
    let wrong = accounts::login(
        &a.store,
        Credentials {
            email: "ada@example.com".into(),
            password: "wrong password".into(),
        },
    )
    .unwrap_err();
    let unknown = accounts::login(
        &a.store,
        Credentials {
            email: "nobody@example.com".into(),
            password: "correct horse battery".into(),
        },
    )
    .unwrap_err();
    assert_eq!(wrong.code(), ErrorCode::Unauthenticated);
    assert_eq!(
        serde_json::to_value(&wrong).unwrap(),
        serde_json::to_value(&unknown).unwrap()
    );
    // Email matches in any case.
    let signed_in = login(&a, "  ADA@example.COM ");
    assert_eq!(signed_in.user.email, "ada@example.com");
}

#[test]
fn access_tokens_expire_after_fifteen_minutes_and_refresh_gets_a_new_pair() {
    let a = accounts();
    let ada = register(&a, "Ada", "ada@example.com");
    let session = login(&a, "ada@example.com");
    assert_eq!(
        session.access_expires_at.to_string(),
        "2026-11-24T09:15:00.000Z"
    );
    assert_eq!(
        session.refresh_expires_at.to_string(),
        "2026-12-24T09:00:00.000Z"
    );
    let actor = accounts::authenticate(&a.store, Some(&session.access_token)).unwrap();
    assert_eq!((actor.user_id, actor.role), (ada.id, Role::Admin));

    a.clock.advance(chrono::Duration::minutes(14));
    accounts::authenticate(&a.store, Some(&session.access_token)).unwrap();
    a.clock.advance(chrono::Duration::minutes(1));
    assert_eq!(
        code(accounts::authenticate(
            &a.store,
            Some(&session.access_token)
        )),
        ErrorCode::Unauthenticated
    );

    let renewed = accounts::refresh(&a.store, &session.refresh_token).unwrap();
    assert_ne!(
        renewed.refresh_token, session.refresh_token,
        "refresh tokens rotate"
    );
    accounts::authenticate(&a.store, Some(&renewed.access_token)).unwrap();
    assert_eq!(
        code(accounts::authenticate(&a.store, None)),
        ErrorCode::Unauthenticated
    );

    // A refresh token unused for 30 days is dead.
    a.clock.advance(chrono::Duration::days(31));
    assert_eq!(
        code(accounts::refresh(&a.store, &renewed.refresh_token)),
        ErrorCode::Unauthenticated
    );
}

#[test]
fn reusing_a_rotated_refresh_token_ends_the_whole_session() {
    let a = accounts();
    register(&a, "Ada", "ada@example.com");
    let first = login(&a, "ada@example.com");
    let other_device = login(&a, "ada@example.com");
    let second = accounts::refresh(&a.store, &first.refresh_token).unwrap();
    let third = accounts::refresh(&a.store, &second.refresh_token).unwrap();

    // Someone replays the first token: the family is revoked, the legitimate
    // holder's newest tokens stop working too.
    let replay = accounts::refresh(&a.store, &first.refresh_token).unwrap_err();
    assert_eq!(replay.code(), ErrorCode::Unauthenticated);
    assert_eq!(
        code(accounts::refresh(&a.store, &third.refresh_token)),
        ErrorCode::Unauthenticated
    );
    assert_eq!(
        code(accounts::authenticate(&a.store, Some(&third.access_token))),
        ErrorCode::Unauthenticated
    );
    // Another sign-in (another device) is another family and carries on.
    accounts::refresh(&a.store, &other_device.refresh_token).unwrap();
}

/// A session checked once is remembered (the server then authenticates
/// without the database), but only until the next write: signing out ends
/// it for the very next request, as if nothing were remembered.
#[test]
fn a_remembered_session_ends_with_the_next_write() {
    let a = accounts();
    register(&a, "Ada", "ada@example.com");
    let laptop = login(&a, "ada@example.com");
    assert!(
        accounts::authenticate_at_once(&a.store, Some(&laptop.access_token)).is_none(),
        "not yet read live: the database decides"
    );
    let actor = accounts::authenticate(&a.store, Some(&laptop.access_token)).unwrap();
    let at_once = accounts::authenticate_at_once(&a.store, Some(&laptop.access_token))
        .expect("read live since the last write")
        .unwrap();
    assert_eq!((at_once.user_id, at_once.role), (actor.user_id, actor.role));
    assert_eq!(
        code(accounts::authenticate_at_once(&a.store, Some("not-a-token")).unwrap()),
        ErrorCode::Unauthenticated,
        "a bad token needs no database either"
    );

    accounts::logout(&a.store, &laptop.refresh_token).unwrap();
    assert!(accounts::authenticate_at_once(&a.store, Some(&laptop.access_token)).is_none());
    assert_eq!(
        code(accounts::authenticate(&a.store, Some(&laptop.access_token))),
        ErrorCode::Unauthenticated
    );
}

#[test]
fn logout_ends_the_session_and_a_password_change_ends_them_all() {
    let a = accounts();
    register(&a, "Ada", "ada@example.com");
    let laptop = login(&a, "ada@example.com");
    let phone = login(&a, "ada@example.com");
    accounts::logout(&a.store, &laptop.refresh_token).unwrap();
    assert_eq!(
        code(accounts::refresh(&a.store, &laptop.refresh_token)),
        ErrorCode::Unauthenticated
    );
    assert_eq!(
        code(accounts::authenticate(&a.store, Some(&laptop.access_token))),
        ErrorCode::Unauthenticated
    );
    let actor = accounts::authenticate(&a.store, Some(&phone.access_token)).unwrap();

    assert_eq!(
        fields(accounts::change_password(
            &a.store,
            &actor,
            "wrong current",
            "a new password"
        )),
        vec!["current_password"]
    );
    assert_eq!(
        fields(accounts::change_password(
            &a.store,
            &actor,
            "correct horse battery",
            "short"
        )),
        vec!["new_password"]
    );
    let tablet = login(&a, "ada@example.com");
    accounts::change_password(&a.store, &actor, "correct horse battery", "a new password").unwrap();
    for session in [&phone, &tablet] {
        assert_eq!(
            code(accounts::authenticate(
                &a.store,
                Some(&session.access_token)
            )),
            ErrorCode::Unauthenticated
        );
        assert_eq!(
            code(accounts::refresh(&a.store, &session.refresh_token)),
            ErrorCode::Unauthenticated
        );
    }
    assert_eq!(
        code(accounts::login(
            &a.store,
            Credentials {
                email: "ada@example.com".into(),
                password: "correct horse battery".into()
            }
        )),
        ErrorCode::Unauthenticated
    );
    accounts::login(
        &a.store,
        Credentials {
            email: "ada@example.com".into(),
            password: "a new password".into(),
        },
    )
    .unwrap();
}

fn part(json: serde_json::Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&json).unwrap())
}

#[test]
fn tampered_unsigned_and_foreign_tokens_are_refused() {
    let a = accounts();
    register(&a, "Ada", "ada@example.com");
    let good = login(&a, "ada@example.com").access_token;
    let pieces: Vec<&str> = good.split('.').collect();
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(pieces[1]).unwrap()).unwrap();

    // Payload changed (expiry pushed out a day), signature kept.
    let mut raised = claims.clone();
    raised["role"] = "admin".into();
    raised["exp"] = (claims["exp"].as_i64().unwrap() + 86_400).into();
    let tampered = format!("{}.{}.{}", pieces[0], part(raised), pieces[2]);
    // alg "none" with no signature.
    let unsigned = format!(
        "{}.{}.",
        part(serde_json::json!({"alg": "none", "typ": "JWT"})),
        pieces[1]
    );
    // Same secret, another algorithm.
    let hs512 = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET),
    )
    .unwrap();
    // Right algorithm, another secret.
    let foreign = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"somebody else's secret, also long"),
    )
    .unwrap();
    for (what, token) in [
        ("tampered", tampered),
        ("alg none", unsigned),
        ("HS512", hs512),
        ("foreign key", foreign),
        ("garbage", "not.a.jwt".into()),
    ] {
        assert_eq!(
            code(accounts::authenticate(&a.store, Some(&token))),
            ErrorCode::Unauthenticated,
            "{what}"
        );
    }
    accounts::authenticate(&a.store, Some(&good)).unwrap();
}

#[test]
fn an_old_hash_is_upgraded_at_the_next_sign_in() {
    use argon2::{Algorithm, Argon2, Params, PasswordHasher, Version};
    let a = accounts();
    let ada = register(&a, "Ada", "ada@example.com");
    let weak = Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(8 * 1024, 1, 1, None).unwrap(),
    )
    .hash_password(b"correct horse battery")
    .unwrap()
    .to_string();
    a.store
        .connection()
        .unwrap()
        .batch_execute(&format!(
            "UPDATE users SET password_hash = '{weak}' WHERE id = '{}'",
            ada.id
        ))
        .unwrap();
    login(&a, "ada@example.com");
    let stored = stored_hash(&a.store, &ada.id.to_string());
    assert!(
        stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{stored}"
    );
    login(&a, "ada@example.com");
}

fn stored_hash(store: &Store, id: &str) -> String {
    use diesel::prelude::*;
    use leadlight_core::schema::users as t;
    t::table
        .filter(t::id.eq(id))
        .select(t::password_hash)
        .first::<Option<String>>(&mut store.connection().unwrap())
        .unwrap()
        .unwrap()
}

#[test]
fn the_installation_secret_is_made_once_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secret.sqlite3");
    let store = Store::open(&path).unwrap();
    register_in(&store);
    let token = accounts::login(
        &store,
        Credentials {
            email: "ada@example.com".into(),
            password: "correct horse battery".into(),
        },
    )
    .unwrap()
    .access_token;
    drop(store);
    let reopened = Store::open(&path).unwrap();
    accounts::authenticate(&reopened, Some(&token)).unwrap();
    let elsewhere = Store::open(dir.path().join("other.sqlite3")).unwrap();
    assert_eq!(
        code(accounts::authenticate(&elsewhere, Some(&token))),
        ErrorCode::Unauthenticated
    );
}

fn register_in(store: &Store) {
    accounts::register(
        store,
        Registration {
            name: "Ada".into(),
            email: "ada@example.com".into(),
            password: "correct horse battery".into(),
        },
    )
    .unwrap();
}

#[test]
fn deactivated_users_cannot_sign_in_and_their_leads_stay_for_reassignment() {
    let a = accounts();
    register(&a, "Ada", "ada@example.com");
    register(&a, "Bob", "bob@example.com");
    let admin =
        accounts::authenticate(&a.store, Some(&login(&a, "ada@example.com").access_token)).unwrap();
    let bob_session = login(&a, "bob@example.com");
    let bob = accounts::authenticate(&a.store, Some(&bob_session.access_token)).unwrap();
    let lead = leads::create(
        &a.store,
        &bob,
        leads::NewLead {
            name: "Bob's lead".into(),
            ..Default::default()
        },
    )
    .unwrap();

    users::deactivate(&a.store, &admin, bob.user_id).unwrap();
    let refused = accounts::login(
        &a.store,
        Credentials {
            email: "bob@example.com".into(),
            password: "correct horse battery".into(),
        },
    )
    .unwrap_err();
    assert!(refused.to_string().contains("deactivated"), "{refused}");
    assert_eq!(
        code(accounts::refresh(&a.store, &bob_session.refresh_token)),
        ErrorCode::Unauthenticated
    );
    assert_eq!(
        code(accounts::authenticate(
            &a.store,
            Some(&bob_session.access_token)
        )),
        ErrorCode::Unauthenticated
    );

    let kept = leads::get(&a.store, &admin, lead.id).unwrap();
    assert_eq!(kept.owner_id, Some(bob.user_id));
    let moved = leads::assign(&a.store, &admin, lead.id, Some(admin.user_id)).unwrap();
    assert_eq!(moved.owner_id, Some(admin.user_id));
    assert_eq!(
        fields(leads::assign(&a.store, &admin, lead.id, Some(bob.user_id))),
        vec!["owner_id"],
        "nothing is assigned to a deactivated user"
    );
    users::reactivate(&a.store, &admin, bob.user_id).unwrap();
    login(&a, "bob@example.com");
}

#[test]
fn a_team_always_keeps_an_active_admin() {
    let a = accounts();
    let ada = register(&a, "Ada", "ada@example.com");
    let bob = register(&a, "Bob", "bob@example.com");
    let admin =
        accounts::authenticate(&a.store, Some(&login(&a, "ada@example.com").access_token)).unwrap();
    let demote = users::UserPatch {
        role: Some("manager".into()),
        ..Default::default()
    };
    assert_eq!(
        code(users::update(&a.store, &admin, ada.id, demote.clone())),
        ErrorCode::Conflict
    );
    assert_eq!(
        code(users::deactivate(&a.store, &admin, ada.id)),
        ErrorCode::Conflict
    );
    assert_eq!(
        code(users::delete(&a.store, &admin, ada.id)),
        ErrorCode::Conflict
    );

    let promote = users::UserPatch {
        role: Some("admin".into()),
        ..Default::default()
    };
    users::update(&a.store, &admin, bob.id, promote).unwrap();
    // The role change applies to Bob's very next request.
    let bob_token = login(&a, "bob@example.com").access_token;
    assert_eq!(
        accounts::authenticate(&a.store, Some(&bob_token))
            .unwrap()
            .role,
        Role::Admin
    );
    users::update(&a.store, &admin, ada.id, demote).unwrap();
    assert_eq!(
        accounts::authenticate(&a.store, Some(&bob_token))
            .unwrap()
            .role,
        Role::Admin
    );
    let listed: Vec<(String, Role)> = users::list(
        &a.store,
        &accounts::authenticate(&a.store, Some(&bob_token)).unwrap(),
    )
    .unwrap()
    .into_iter()
    .map(|u| (u.name, u.role))
    .collect();
    assert_eq!(
        listed,
        vec![
            ("Ada".to_owned(), Role::Manager),
            ("Bob".to_owned(), Role::Admin)
        ]
    );
}
