//! Protection: rate limits, body limits, headers, CORS.

use crate::{Server, field, json_of};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn sign_in_attempts_past_the_budget_get_429_with_retry_after() {
    let server = Server::start_with(&["--rate-burst", "3", "--rate-period-seconds", "60"]);
    let attempt = || {
        server.send(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({ "email": "who@example.com", "password": "guessing guessing" })),
        )
    };
    for _ in 0..3 {
        assert_eq!(attempt().await.status(), StatusCode::UNAUTHORIZED);
    }
    let refused = attempt().await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let (_, body) = json_of(refused).await;
    assert_eq!(body["code"], "rate_limited");
    // Registration shares the budget; other routes do not.
    let register = server
        .send(
            Method::POST,
            "/api/auth/register",
            None,
            Some(json!({ "name": "A", "email": "a@example.com", "password": "correct horse battery" })),
        )
        .await;
    assert_eq!(register.status(), StatusCode::TOO_MANY_REQUESTS);
    let health = server.send(Method::GET, "/api/health", None, None).await;
    assert_eq!(health.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_enquiry_form_is_rate_limited() {
    let server = Server::start_with(&["--rate-burst", "2", "--rate-period-seconds", "60"]);
    let mut statuses = Vec::new();
    for n in 0..3 {
        let response = server
            .send(
                Method::POST,
                "/api/enquiries",
                None,
                Some(json!({ "name": format!("Spam {n}"), "email": "spam@example.com" })),
            )
            .await;
        statuses.push(response.status());
    }
    assert_eq!(
        statuses,
        [
            StatusCode::CREATED,
            StatusCode::CREATED,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
}

#[tokio::test]
async fn a_10_mb_body_is_refused_with_413_and_a_wrong_content_type_with_415() {
    let server = Server::start();
    let ada = server.account("Ada", "ada@example.com").await;
    // As curl sends a large body: headers first, the body only after the
    // server's "100 Continue", which a refusal never sends.
    let length = 10 * 1024 * 1024;
    let address = server.url.trim_start_matches("http://").to_owned();
    let token = ada.token.clone();
    let answer = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut tcp = std::net::TcpStream::connect(&address).unwrap();
        write!(
            tcp,
            "POST /api/leads HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {length}\r\n\
             Expect: 100-continue\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        tcp.read_to_string(&mut answer).unwrap();
        answer
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    let body: serde_json::Value =
        serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(field(&body), "body");
    let (_, all) = server.call(Method::GET, "/api/leads", &ada, None).await;
    assert_eq!(all["total"], 0);
    let response = server
        .http
        .post(server.at("/api/leads"))
        .bearer_auth(&ada.token)
        .header("content-type", "text/plain")
        .body("{\"name\": \"Grace\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn responses_carry_security_headers_and_cors_is_off_unless_configured() {
    let server = Server::start();
    for path in ["/", "/api/health"] {
        let response = server
            .http
            .get(server.at(path))
            .header("origin", "https://evil.example")
            .send()
            .await
            .unwrap();
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["x-frame-options"], "DENY");
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("default-src 'self'")
        );
        assert!(
            headers.get("access-control-allow-origin").is_none(),
            "{path}"
        );
    }
    let page = server.http.get(server.at("/")).send().await.unwrap();
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.text().await.unwrap().contains("<div id=\"app\""));

    let open = Server::start_with(&["--cors-origin", "https://crm.example.com"]);
    let allowed = open
        .http
        .get(open.at("/api/health"))
        .header("origin", "https://crm.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://crm.example.com"
    );
    let other = open
        .http
        .get(open.at("/api/health"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}
