//! Roles through HTTP: an Agent sees only their own leads (another's is 404,
//! as if it did not exist), only an Admin manages users.

use crate::Server;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn an_agent_gets_404_for_another_agents_lead_and_403_on_users() {
    let server = Server::start();
    let (admin, alan, bea) = server.team().await;
    let manager = server
        .member(&admin, "Mia", "mia@example.com", "manager")
        .await;

    let alans = server
        .lead(
            &alan,
            json!({ "name": "Alan's lead", "email": "x@example.com" }),
        )
        .await;
    let path = format!("/api/leads/{}", alans["id"].as_str().unwrap());

    for (method, body) in [
        (Method::GET, None),
        (Method::PUT, Some(json!({ "company": "Mine now" }))),
        (Method::DELETE, None),
    ] {
        let (status, error) = server.call(method.clone(), &path, &bea, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {error}");
        assert_eq!(error["code"], "not_found");
    }
    let (status, _) = server
        .call(
            Method::PATCH,
            &format!("{path}/status"),
            &bea,
            Some(json!({ "status": "lost" })),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = server.call(Method::GET, "/api/leads", &bea, None).await;
    assert_eq!(list["total"], 0);

    // A Manager sees it; the owner still can.
    let (status, _) = server.call(Method::GET, &path, &manager, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, lead) = server.call(Method::GET, &path, &alan, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(lead["lead"]["name"], "Alan's lead");

    let (status, body) = server.call(Method::GET, "/api/users", &alan, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["code"], "forbidden");
    let (status, _) = server
        .call(
            Method::POST,
            "/api/users",
            &manager,
            Some(json!({ "name": "Eve", "email": "eve@example.com", "password": "long enough pass", "role": "admin" })),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, users) = server.call(Method::GET, "/api/users", &manager, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(users["total"], 4);
    assert_eq!(users["items"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn an_admin_manages_accounts() {
    let server = Server::start();
    let admin = server.account("Ada", "ada@example.com").await;
    let alan = server
        .member(&admin, "Alan", "alan@example.com", "agent")
        .await;
    let path = format!("/api/users/{}", alan.id);
    let (status, user) = server.call(Method::GET, &path, &admin, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(user["name"], "Alan");
    let (status, user) = server
        .call(
            Method::PUT,
            &path,
            &admin,
            Some(json!({ "role": "manager" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{user}");
    assert_eq!(user["role"], "manager");
    let (status, user) = server
        .call(Method::POST, &format!("{path}/deactivate"), &admin, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(user["deactivated_at"].is_string());
    let (status, _) = server.call(Method::GET, "/api/auth/me", &alan, None).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a deactivated account's session ends"
    );
    let (status, _) = server
        .call(Method::POST, &format!("{path}/reactivate"), &admin, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = server
        .call(
            Method::PUT,
            &format!("{path}/password"),
            &admin,
            Some(json!({ "password": "set by the admin" })),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    server.sign_in("alan@example.com", "set by the admin").await;
    let (status, _) = server.call(Method::DELETE, &path, &admin, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = server.call(Method::GET, &path, &admin, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = server
        .call(
            Method::DELETE,
            &format!("/api/users/{}", admin.id),
            &admin,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "never the last Admin: {body}");
}
