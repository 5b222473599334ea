//! Registration, sign-in, tokens and sign-out over HTTP.

use crate::{Server, field, json_of};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn the_first_account_is_the_admin_and_signs_in_with_tokens() {
    let server = Server::start();
    let (status, setup) = json_of(server.send(Method::GET, "/api/setup", None, None).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(setup["needs_first_account"], true);

    let ada = server.account("Ada", "ada@example.com").await;
    let (status, me) = server.call(Method::GET, "/api/auth/me", &ada, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["role"], "admin");
    assert_eq!(me["email"], "ada@example.com");
    assert!(me.get("password_hash").is_none(), "{me}");

    let (_, setup) = json_of(server.send(Method::GET, "/api/setup", None, None).await).await;
    assert_eq!(setup["needs_first_account"], false);
    let health = server.send(Method::GET, "/api/health", None, None).await;
    assert_eq!(health.status(), StatusCode::OK);
}

#[tokio::test]
async fn bad_credentials_and_missing_tokens_are_401() {
    let server = Server::start();
    server.account("Ada", "ada@example.com").await;
    let wrong = server
        .send(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({ "email": "ada@example.com", "password": "not the password" })),
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.headers()["www-authenticate"], "Bearer");

    for token in [None, Some("garbage"), Some("eyJhbGciOiJub25lIn0.e30.")] {
        let (status, body) =
            json_of(server.send(Method::GET, "/api/leads", token, None).await).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token:?}");
        assert_eq!(body["code"], "unauthenticated");
    }
}

#[tokio::test]
async fn refresh_rotates_and_logout_ends_the_session() {
    let server = Server::start();
    let ada = server.account("Ada", "ada@example.com").await;
    let (status, renewed) = json_of(
        server
            .send(
                Method::POST,
                "/api/auth/refresh",
                None,
                Some(json!({ "refresh_token": ada.refresh })),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let fresh = renewed["refresh_token"].as_str().unwrap();
    assert_ne!(fresh, ada.refresh);
    let access = renewed["access_token"].as_str().unwrap();
    let me = server
        .send(Method::GET, "/api/auth/me", Some(access), None)
        .await;
    assert_eq!(me.status(), StatusCode::OK);

    let gone = server
        .send(
            Method::POST,
            "/api/auth/logout",
            None,
            Some(json!({ "refresh_token": fresh })),
        )
        .await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    let after = server
        .send(
            Method::POST,
            "/api/auth/refresh",
            None,
            Some(json!({ "refresh_token": fresh })),
        )
        .await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    let me = server
        .send(Method::GET, "/api/auth/me", Some(access), None)
        .await;
    assert_eq!(
        me.status(),
        StatusCode::UNAUTHORIZED,
        "a signed-out session's access token"
    );
}

#[tokio::test]
async fn registration_names_the_fields_it_refuses() {
    let server = Server::start();
    let (status, body) = json_of(
        server
            .send(
                Method::POST,
                "/api/auth/register",
                None,
                Some(json!({ "name": "Ada", "email": "not an email", "password": "correct horse battery" })),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(field(&body), "email");
    let (status, body) = json_of(
        server
            .send(
                Method::POST,
                "/api/auth/register",
                None,
                Some(json!({ "name": "Ada", "email": "ada@example.com" })),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(field(&body), "password");
    let (_, setup) = json_of(server.send(Method::GET, "/api/setup", None, None).await).await;
    assert_eq!(setup["needs_first_account"], true, "nothing was written");
}

#[tokio::test]
async fn time_zone_and_password_of_the_signed_in_user() {
    let server = Server::start();
    let ada = server.account("Ada", "ada@example.com").await;
    let (status, me) = server
        .call(
            Method::PUT,
            "/api/auth/me/time-zone",
            &ada,
            Some(json!({ "time_zone": "Asia/Kolkata" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["time_zone"], "Asia/Kolkata");
    let (status, body) = server
        .call(
            Method::PUT,
            "/api/auth/me/time-zone",
            &ada,
            Some(json!({ "time_zone": "Mars/Olympus" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(field(&body), "time_zone");
    let (status, _) = server
        .call(
            Method::PUT,
            "/api/auth/me/password",
            &ada,
            Some(json!({ "current_password": "correct horse battery", "new_password": "a brand new passphrase" })),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    server
        .sign_in("ada@example.com", "a brand new passphrase")
        .await;
}
