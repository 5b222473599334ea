//! The API's own description: the OpenAPI document names every route the
//! server answers (and nothing else), and the docs page loads from the
//! server alone.

use crate::{Server, json_of};
use reqwest::{Method, StatusCode, header};
use serde_json::Value;
use std::collections::BTreeSet;

/// Every route the router serves, as written in `routes/*.rs`.
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/health"),
    ("GET", "/api/setup"),
    ("GET", "/api/openapi.json"),
    ("GET", "/api/docs"),
    ("POST", "/api/auth/register"),
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/refresh"),
    ("POST", "/api/auth/logout"),
    ("GET", "/api/auth/me"),
    ("PUT", "/api/auth/me/time-zone"),
    ("PUT", "/api/auth/me/password"),
    ("GET", "/api/users"),
    ("POST", "/api/users"),
    ("GET", "/api/users/{id}"),
    ("PUT", "/api/users/{id}"),
    ("DELETE", "/api/users/{id}"),
    ("POST", "/api/users/{id}/deactivate"),
    ("POST", "/api/users/{id}/reactivate"),
    ("PUT", "/api/users/{id}/password"),
    ("GET", "/api/leads"),
    ("POST", "/api/leads"),
    ("GET", "/api/leads/{id}"),
    ("PUT", "/api/leads/{id}"),
    ("DELETE", "/api/leads/{id}"),
    ("PATCH", "/api/leads/{id}/status"),
    ("PUT", "/api/leads/{id}/assign"),
    ("POST", "/api/leads/{id}/convert"),
    ("POST", "/api/leads/{id}/tags"),
    ("DELETE", "/api/leads/{id}/tags/{tag}"),
    ("GET", "/api/leads/{id}/notes"),
    ("POST", "/api/leads/{id}/notes"),
    ("GET", "/api/leads/{id}/activities"),
    ("POST", "/api/leads/{id}/activities"),
    ("GET", "/api/customers"),
    ("GET", "/api/customers/{id}"),
    ("PUT", "/api/customers/{id}"),
    ("DELETE", "/api/customers/{id}"),
    ("POST", "/api/enquiries"),
    ("GET", "/api/enquiries/unclaimed"),
    ("GET", "/api/enquiries/mine"),
    ("POST", "/api/enquiries/{id}/claim"),
    ("GET", "/api/reminders"),
    ("POST", "/api/reminders"),
    ("GET", "/api/reminders/today"),
    ("GET", "/api/reminders/overdue"),
    ("GET", "/api/reminders/upcoming"),
    ("GET", "/api/reminders/{id}"),
    ("PUT", "/api/reminders/{id}"),
    ("DELETE", "/api/reminders/{id}"),
    ("POST", "/api/reminders/{id}/complete"),
    ("POST", "/api/reminders/{id}/snooze"),
    ("GET", "/api/tasks"),
    ("POST", "/api/tasks"),
    ("GET", "/api/tasks/{id}"),
    ("PUT", "/api/tasks/{id}"),
    ("DELETE", "/api/tasks/{id}"),
    ("POST", "/api/tasks/{id}/complete"),
    ("POST", "/api/tasks/{id}/reopen"),
    ("POST", "/api/sync/push"),
    ("GET", "/api/sync/changes"),
    ("GET", "/api/notifications"),
    ("GET", "/api/notifications/unread-count"),
    ("PUT", "/api/notifications/read-all"),
    ("GET", "/api/notifications/stream"),
    ("PUT", "/api/notifications/{id}/read"),
    ("GET", "/api/dashboard"),
    ("GET", "/api/dashboard/cards"),
    ("GET", "/api/dashboard/by-status"),
    ("GET", "/api/dashboard/by-source"),
    ("GET", "/api/dashboard/over-time"),
    ("GET", "/api/dashboard/conversion"),
    ("GET", "/api/activity"),
    ("POST", "/api/import/preview"),
    ("POST", "/api/import/leads"),
    ("GET", "/api/import/batches"),
    ("DELETE", "/api/import/batches/{id}"),
    ("GET", "/api/export/leads.csv"),
    ("GET", "/api/export/leads.xlsx"),
    ("GET", "/api/export/analytics.csv"),
    ("GET", "/api/export/analytics.xlsx"),
    ("GET", "/api/reports/monthly.pdf"),
];

/// The operations that need no bearer token.
const PUBLIC: &[(&str, &str)] = &[
    ("GET", "/api/health"),
    ("GET", "/api/setup"),
    ("GET", "/api/openapi.json"),
    ("GET", "/api/docs"),
    ("POST", "/api/auth/register"),
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/refresh"),
    ("POST", "/api/auth/logout"),
    ("POST", "/api/enquiries"),
];

/// Each operation of the document: method, path and the operation object.
fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            found.push((method.to_uppercase(), path.clone(), op));
        }
    }
    found
}

/// Every `$ref` in `value`.
fn refs<'v>(value: &'v Value, out: &mut Vec<&'v str>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                out.push(target);
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_openapi_document_describes_every_route_and_only_those() {
    let server = Server::start();
    let response = server
        .send(Method::GET, "/api/openapi.json", None, None)
        .await;
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "application/json",
        "{:?}",
        response.headers()
    );
    let (status, doc) = json_of(response).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["title"], "Leadlight");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    let bearer = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(
        (&bearer["type"], &bearer["scheme"]),
        (&"http".into(), &"bearer".into())
    );

    // The same routes as the router: none missing, none made up.
    let ops = operations(&doc);
    let documented: BTreeSet<(String, String)> =
        ops.iter().map(|(m, p, _)| (m.clone(), p.clone())).collect();
    let served: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(ROUTES.len(), served.len(), "a route is listed twice");
    assert_eq!(
        served.difference(&documented).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "served but not documented"
    );
    assert_eq!(
        documented.difference(&served).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "documented but not in ROUTES"
    );

    let tags: BTreeSet<&str> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    let mut operation_ids = BTreeSet::new();
    for (method, path, op) in &ops {
        let name = format!("{method} {path}");
        let id = op["operationId"].as_str().unwrap();
        assert!(
            operation_ids.insert(id.to_owned()),
            "{name}: operationId {id} repeats"
        );
        let tag = op["tags"][0].as_str().unwrap_or_default();
        assert!(tags.contains(tag), "{name}: tag {tag:?} is not declared");
        let responses = op["responses"].as_object().unwrap();
        assert!(
            responses
                .keys()
                .any(|s| s.starts_with('2') || s.starts_with('3')),
            "{name}: no success response"
        );
        assert!(responses.contains_key("500"), "{name}");
        let public = PUBLIC.contains(&(method.as_str(), path.as_str()));
        if public {
            assert_eq!(
                op["security"],
                serde_json::json!([{}]),
                "{name} should be public"
            );
        } else {
            assert!(
                op.get("security").is_none(),
                "{name} should need the bearer token"
            );
            assert!(responses.contains_key("401"), "{name}: no 401");
        }
        if op["requestBody"]["content"]
            .get("application/json")
            .is_some()
        {
            for status in ["400", "413", "415"] {
                assert!(responses.contains_key(status), "{name}: no {status}");
            }
        }
        if path.contains('{') {
            assert!(
                responses.contains_key("400"),
                "{name}: a malformed id is a 400"
            );
        }
    }
    assert_eq!(doc["security"], serde_json::json!([{ "bearer": [] }]));

    // Every reference resolves.
    let mut targets = Vec::new();
    refs(&doc, &mut targets);
    for target in targets {
        let pointer = target.strip_prefix('#').unwrap();
        assert!(doc.pointer(pointer).is_some(), "dangling $ref {target}");
    }
    let error = &doc["components"]["schemas"]["ErrorBody"];
    assert_eq!(
        error["required"],
        serde_json::json!(["code", "message", "fields"])
    );
}

#[tokio::test]
async fn every_documented_operation_is_answered_by_its_route() {
    let server = Server::start();
    let (_, doc) = json_of(
        server
            .send(Method::GET, "/api/openapi.json", None, None)
            .await,
    )
    .await;
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (method, path, _) in operations(&doc) {
        let url = path
            .replace("{id}", "0193f0a0-0000-7000-8000-000000000000")
            .replace("{tag}", "vip");
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        // No token, no body: the route answers (401, 400, 415, ...), not the
        // fallback's 404 or a 405 for a method it does not have.
        let response = no_redirects
            .request(method.clone(), server.at(&url))
            .send()
            .await
            .unwrap();
        let status = response.status();
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        if status == StatusCode::NOT_FOUND {
            let (_, body) = json_of(response).await;
            assert_ne!(body["message"], "route not found", "{method} {path}");
        }
    }
    // And the fallback does say so for a route that does not exist.
    let (status, body) = json_of(
        server
            .send(Method::GET, "/api/no-such-route", None, None)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["message"], "route not found");
}

#[tokio::test]
async fn the_docs_page_and_its_assets_load_from_the_server() {
    let server = Server::start();
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let redirect = no_redirects
        .get(server.at("/api/docs"))
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), StatusCode::SEE_OTHER);
    let location = redirect.headers()[header::LOCATION].to_str().unwrap();
    let page_url = reqwest::Url::parse(&server.at("/api/docs"))
        .unwrap()
        .join(location)
        .unwrap();
    assert_eq!(page_url.path(), "/api-docs/index.html");

    let page = server.http.get(page_url.clone()).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "{:?}",
        page.headers()
    );
    // The page runs under the same CSP as the rest of the UI: scripts are files.
    let csp = page.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let html = page.text().await.unwrap();
    assert_eq!(
        html.matches("<script").count(),
        html.matches("<script src=").count(),
        "an inline script: {html}"
    );

    // Every file the page names loads, with its type.
    let mut assets: Vec<&str> = Vec::new();
    for attribute in [" src=\"", " href=\""] {
        for (at, _) in html.match_indices(attribute) {
            let rest = &html[at + attribute.len()..];
            assets.push(&rest[..rest.find('"').unwrap()]);
        }
    }
    assert!(assets.contains(&"swagger-ui-bundle.js"), "{assets:?}");
    assert!(assets.contains(&"swagger-ui.css"), "{assets:?}");
    for asset in &assets {
        let url = page_url.join(asset).unwrap();
        let response = server.http.get(url.clone()).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{url}");
        let content_type = response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        let expected = match asset.rsplit('.').next().unwrap() {
            "js" => "javascript",
            "css" => "text/css",
            "png" => "image/png",
            other => panic!("unexpected asset type {other}: {asset}"),
        };
        assert!(content_type.contains(expected), "{url}: {content_type}");
        let body = response.bytes().await.unwrap();
        assert!(
            !body.starts_with(b"<!doctype"),
            "{url} is the SPA's index.html"
        );
    }

    // The initialiser points Swagger UI at the document, which is there.
    let init = server
        .http
        .get(page_url.join("init.js").unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(init.contains("\"../api/openapi.json\""), "{init}");
    let document = server
        .http
        .get(page_url.join("../api/openapi.json").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(document.status(), StatusCode::OK);
}
