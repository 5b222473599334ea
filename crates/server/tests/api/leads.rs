//! Leads over HTTP: create, find, change, note, log, tag, assign, convert,
//! delete, with the status codes a client relies on.

use crate::{Server, field, json_of};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_lead_from_creation_to_customer() {
    let server = Server::start();
    let ada = server.account("Ada", "ada@example.com").await;
    let lead = server
        .lead(
            &ada,
            json!({ "name": "Grace Hopper", "email": "grace@navy.example.com",
                    "phone": "+1 (555) 010-2030", "company": "US Navy", "source": "referral" }),
        )
        .await;
    let id = lead["id"].as_str().unwrap();
    let path = format!("/api/leads/{id}");
    assert_eq!(lead["status"], "new");

    // Found by phone digits, with repeated status filters.
    let (status, found) = server
        .call(
            Method::GET,
            "/api/leads?q=5550102030&status=new&status=contacted",
            &ada,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["id"], id);
    assert_eq!(found["page"], 1);
    assert!(found["limit"].is_number());
    let (_, none) = server
        .call(Method::GET, "/api/leads?status=lost", &ada, None)
        .await;
    assert_eq!(none["total"], 0);

    let (status, updated) = server
        .call(
            Method::PUT,
            &path,
            &ada,
            Some(json!({ "company": "Harvard" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(updated["company"], "Harvard");
    let (status, moved) = server
        .call(
            Method::PATCH,
            &format!("{path}/status"),
            &ada,
            Some(json!({ "status": "qualified" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(moved["status"], "qualified");
    let (status, tagged) = server
        .call(
            Method::POST,
            &format!("{path}/tags"),
            &ada,
            Some(json!({ "tags": ["vip", "navy"] })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tagged["tags"].as_array().unwrap().len(), 2);
    let (status, untagged) = server
        .call(Method::DELETE, &format!("{path}/tags/navy"), &ada, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(untagged["tags"], json!(["vip"]));

    let (status, note) = server
        .call(
            Method::POST,
            &format!("{path}/notes"),
            &ada,
            Some(json!({ "body": "Wants a demo" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(note["body"], "Wants a demo");
    let (status, notes) = server
        .call(Method::GET, &format!("{path}/notes"), &ada, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(notes["total"], 1);
    let (status, call) = server
        .call(
            Method::POST,
            &format!("{path}/activities"),
            &ada,
            Some(json!({ "kind": "call", "summary": "Left a voicemail" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{call}");
    let (_, log) = server
        .call(Method::GET, &format!("{path}/activities"), &ada, None)
        .await;
    let kinds: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    for kind in ["created", "updated", "status_changed", "note_added", "call"] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }

    let (status, customer) = server
        .call(Method::POST, &format!("{path}/convert"), &ada, None)
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, again) = server
        .call(Method::POST, &format!("{path}/convert"), &ada, None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    let customer_path = format!("/api/customers/{}", customer["id"].as_str().unwrap());
    let (status, _) = server.call(Method::GET, &customer_path, &ada, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, changed) = server
        .call(
            Method::PUT,
            &customer_path,
            &ada,
            Some(json!({ "company": "Yale" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    let (_, customers) = server.call(Method::GET, "/api/customers", &ada, None).await;
    assert_eq!(customers["total"], 1);
    let (status, _) = server
        .call(Method::DELETE, &customer_path, &ada, None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = server.call(Method::GET, &customer_path, &ada, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, body) = server.call(Method::DELETE, &path, &ada, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(body.is_null());
    let (status, _) = server.call(Method::GET, &path, &ada, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_input_is_400_naming_the_field_and_writes_nothing() {
    let server = Server::start();
    let ada = server.account("Ada", "ada@example.com").await;
    for (body, named) in [
        (json!({ "email": "grace@example.com" }), "name"),
        (json!({ "name": 5 }), "name"),
        (json!({ "name": "Grace", "email": "not an email" }), "email"),
        (
            json!({ "name": "Grace", "source": "carrier pigeon" }),
            "source",
        ),
        (json!({ "name": "Grace", "tags": "vip" }), "tags"),
    ] {
        let (status, error) = server
            .call(Method::POST, "/api/leads", &ada, Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(field(&error), named, "{body} -> {error}");
    }
    let malformed = server
        .http
        .post(server.at("/api/leads"))
        .bearer_auth(&ada.token)
        .header("content-type", "application/json")
        .body("{\"name\": \"Grace\"")
        .send()
        .await
        .unwrap();
    let (status, error) = json_of(malformed).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(field(&error), "body");
    for (query, named) in [
        ("page=abc", "page"),
        ("limit=-3", "limit"),
        ("limit=100000", "limit"),
    ] {
        let (status, error) = server
            .call(Method::GET, &format!("/api/leads?{query}"), &ada, None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(field(&error), named, "{query} -> {error}");
    }
    let (status, error) = server
        .call(Method::GET, "/api/leads/not-an-id", &ada, None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(field(&error), "id");
    let (_, all) = server.call(Method::GET, "/api/leads", &ada, None).await;
    assert_eq!(all["total"], 0, "nothing was written");
    let (status, error) = server
        .call(Method::GET, "/api/no-such-thing", &ada, None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error["code"], "not_found");
}

#[tokio::test]
async fn assigning_moves_a_lead_to_an_agent() {
    let server = Server::start();
    let admin = server.account("Ada", "ada@example.com").await;
    let alan = server
        .member(&admin, "Alan", "alan@example.com", "agent")
        .await;
    let lead = server
        .lead(&admin, json!({ "name": "Grace", "phone": "555 0100" }))
        .await;
    let path = format!("/api/leads/{}", lead["id"].as_str().unwrap());
    let (status, before) = server.call(Method::GET, &path, &alan, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{before}");
    // A misspelt key is refused, not read as "back to the pool".
    for body in [json!({ "owner_id": alan.id }), json!({})] {
        let (status, error) = server
            .call(Method::PUT, &format!("{path}/assign"), &admin, Some(body))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
        assert!(
            error["message"].as_str().unwrap().contains("owner"),
            "{error}"
        );
    }
    let (status, kept) = server.call(Method::GET, &path, &admin, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kept["lead"]["owner_id"], admin.id.as_str());
    let (status, moved) = server
        .call(
            Method::PUT,
            &format!("{path}/assign"),
            &admin,
            Some(json!({ "owner": alan.id })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(moved["owner_id"], alan.id.as_str());
    let (status, _) = server.call(Method::GET, &path, &alan, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = server
        .call(
            Method::PUT,
            &format!("{path}/assign"),
            &alan,
            Some(json!({ "owner": admin.id })),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "an Agent cannot hand leads around"
    );
}
