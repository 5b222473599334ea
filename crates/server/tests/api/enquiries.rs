//! The public enquiry form and the claim race, over HTTP.

use crate::{Server, field, json_of};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn an_enquiry_becomes_an_unclaimed_lead_that_one_agent_claims() {
    let server = Server::start();
    let (_admin, alan, bea) = server.team().await;

    let (status, receipt) = json_of(
        server
            .send(
                Method::POST,
                "/api/enquiries",
                None,
                Some(
                    json!({ "name": "Katherine Johnson", "email": "kj@nasa.example.gov",
                             "message": "Pricing for 20 seats?" }),
                ),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = receipt["lead_id"].as_str().unwrap().to_owned();
    let (status, error) = json_of(
        server
            .send(
                Method::POST,
                "/api/enquiries",
                None,
                Some(json!({ "name": "No way to reply" })),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(["email", "phone"].contains(&field(&error)), "{error}");

    let (status, pool) = server
        .call(Method::GET, "/api/enquiries/unclaimed", &alan, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(pool["total"], 1);
    assert_eq!(pool["items"][0]["id"], id.as_str());

    // Two agents claim at the same moment: exactly one wins.
    let claim = format!("/api/enquiries/{id}/claim");
    let (first, second) = tokio::join!(
        server.call(Method::POST, &claim, &alan, None),
        server.call(Method::POST, &claim, &bea, None)
    );
    let mut statuses = [first.0, second.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{first:?} {second:?}"
    );
    let (winner, loser) = if first.0 == StatusCode::OK {
        (&alan, &bea)
    } else {
        (&bea, &alan)
    };
    let loser_error = if first.0 == StatusCode::OK {
        &second.1
    } else {
        &first.1
    };
    assert_eq!(loser_error["code"], "conflict");

    let (_, mine) = server
        .call(Method::GET, "/api/enquiries/mine", winner, None)
        .await;
    assert_eq!(mine["total"], 1);
    let (_, theirs) = server
        .call(Method::GET, "/api/enquiries/mine", loser, None)
        .await;
    assert_eq!(theirs["total"], 0);
    let (_, pool) = server
        .call(Method::GET, "/api/enquiries/unclaimed", &alan, None)
        .await;
    assert_eq!(pool["total"], 0);
    let (status, _) = server.call(Method::POST, &claim, loser, None).await;
    assert_eq!(status, StatusCode::CONFLICT, "a later claim fails too");
    let (_, inbox) = server
        .call(Method::GET, "/api/notifications", loser, None)
        .await;
    assert!(
        inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "claim_lost"),
        "the loser hears about it: {inbox}"
    );
}
