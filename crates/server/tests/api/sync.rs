//! A desktop's push through HTTP: the operations are what a desktop's
//! journal holds (docs/SYNC.md), written out here by hand.

use crate::{Server, json_of};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const CLIENT: &str = "0199b000-0000-7000-8000-0000000000c1";

/// A clock `ahead_ms` from now, as a desktop makes them.
fn clock(ahead_ms: i64) -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    (now + ahead_ms) << 16
}

fn op(seq: i64, kind: &str, lead: &str, fields: Value) -> Value {
    json!({ "seq": seq, "entity": "lead", "entity_id": lead, "op": kind,
            "fields": fields, "hlc": clock(0) + seq })
}

#[tokio::test]
async fn a_desktop_pushes_its_changes_once_and_only_what_it_may() {
    let server = Server::start();
    let (_admin, alan, bea) = server.team().await;
    let beas = server
        .lead(
            &bea,
            json!({ "name": "Bea's lead", "email": "b@example.com" }),
        )
        .await;
    let beas_id = beas["id"].as_str().unwrap();
    let offline = "0199b000-0000-7000-8000-000000000001";

    let batch = json!({ "client_id": CLIENT, "ops": [
        op(1, "insert", offline, json!({ "id": offline, "name": "Made on a plane",
            "email": "plane@example.com", "owner_id": alan.id, "source": "referral", "status": "new" })),
        op(2, "update", beas_id, json!({ "name": "Not yours" })),
        op(3, "update", offline, json!({ "company": "Window Seat Ltd" })),
    ]});
    let (status, answer) = server
        .call(Method::POST, "/api/sync/push", &alan, Some(batch.clone()))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["applied_through"], 3);
    let outcomes: Vec<&str> = answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["applied", "rejected", "applied"]);
    assert_eq!(answer["results"][1]["code"], "not_found");

    let (status, lead) = server
        .call(Method::GET, &format!("/api/leads/{offline}"), &alan, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(lead["lead"]["name"], "Made on a plane");
    assert_eq!(lead["lead"]["company"], "Window Seat Ltd");
    assert_eq!(lead["lead"]["source"], "referral");
    let (_, theirs) = server
        .call(Method::GET, &format!("/api/leads/{beas_id}"), &bea, None)
        .await;
    assert_eq!(theirs["lead"]["name"], "Bea's lead");

    // Bea's desktop pulls: the team (lead owners are named) and her own
    // lead, not Alan's.
    let (status, page) = server
        .call(Method::GET, "/api/sync/changes?since=0", &bea, None)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let names = |kind: &str| -> Vec<String> {
        page["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["type"] == kind)
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names("lead"), ["Bea's lead"]);
    assert_eq!(names("user"), ["Ada", "Alan", "Bea"]);
    assert!(
        page["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c.get("password_hash").is_none()),
        "{page}"
    );
    assert!(page["cursor"].as_i64().unwrap() > 0);
    let (status, error) = server
        // A snapshot's place past anything the journal holds: no page gave it.
        .call(
            Method::GET,
            "/api/sync/changes?since=-4611686018427387904",
            &bea,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(crate::field(&error), "since");

    // The answer was lost; the desktop sends the batch again.
    let (status, again) = server
        .call(Method::POST, "/api/sync/push", &alan, Some(batch))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        again["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["outcome"] == "already_applied"),
        "{again}"
    );

    // Another user with this desktop's client id, and a clock from the future.
    let stolen = json!({ "client_id": CLIENT, "ops": [] });
    let (status, _) = server
        .call(Method::POST, "/api/sync/push", &bea, Some(stolen))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut ahead = op(4, "update", offline, json!({ "name": "From the future" }));
    ahead["hlc"] = json!(clock(5 * 60_000));
    let response = server
        .send(
            Method::POST,
            "/api/sync/push",
            Some(&alan.token),
            Some(json!({ "client_id": CLIENT, "ops": [ahead] })),
        )
        .await;
    let (status, error) = json_of(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(crate::field(&error), "hlc");
    assert!(
        error["message"].as_str().unwrap().contains("ahead"),
        "{error}"
    );
}
