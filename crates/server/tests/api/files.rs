//! Exports, the monthly PDF and CSV import over HTTP.

use crate::{Server, field, json_of};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn leads_and_analytics_download_as_csv_xlsx_and_pdf() {
    let server = Server::start();
    let ada = server.account("Ada", "ada@example.com").await;
    server
        .lead(
            &ada,
            json!({ "name": "Grace Hopper", "company": "US Navy", "email": "g@navy.example.com" }),
        )
        .await;
    server
        .lead(&ada, json!({ "name": "Alan Turing", "company": "NPL", "email": "a@npl.example.com", "source": "referral" }))
        .await;

    let csv = server
        .send(
            Method::GET,
            "/api/export/leads.csv?source=referral",
            Some(&ada.token),
            None,
        )
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("leads.csv")
    );
    assert_eq!(csv.headers()["x-total-count"], "1");
    let text = csv.text().await.unwrap();
    assert!(
        text.contains("Alan Turing") && !text.contains("Grace Hopper"),
        "{text}"
    );

    let xlsx = server
        .send(
            Method::GET,
            "/api/export/leads.xlsx",
            Some(&ada.token),
            None,
        )
        .await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert_eq!(xlsx.headers()["x-total-count"], "2");
    assert!(
        xlsx.bytes().await.unwrap().starts_with(b"PK"),
        "an xlsx is a zip"
    );

    for path in ["/api/export/analytics.csv", "/api/export/analytics.xlsx"] {
        let response = server.send(Method::GET, path, Some(&ada.token), None).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(!response.bytes().await.unwrap().is_empty());
    }
    let pdf = server
        .send(
            Method::GET,
            "/api/reports/monthly.pdf",
            Some(&ada.token),
            None,
        )
        .await;
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
    let (status, error) = json_of(
        server
            .send(
                Method::GET,
                "/api/reports/monthly.pdf?month=2026-13",
                Some(&ada.token),
                None,
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(field(&error), "month");
    let anonymous = server
        .send(Method::GET, "/api/export/leads.csv", None, None)
        .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_csv_is_previewed_imported_with_duplicates_found_and_undone() {
    let server = Server::start();
    let ada = server.account("Ada", "ada@example.com").await;
    server
        .lead(
            &ada,
            json!({ "name": "Grace Hopper", "email": "grace@navy.example.com" }),
        )
        .await;
    let csv = "Full name,E-mail,Phone number\nKatherine Johnson,kj@nasa.example.gov,+1 757 555 0100\n\
               Dorothy Vaughan,dv@nasa.example.gov,\nGrace Again,GRACE@navy.example.com,\n";
    let upload = |mapping: Option<&str>| {
        let mut form = Form::new().part(
            "file",
            Part::bytes(csv.as_bytes().to_vec())
                .file_name("contacts.csv")
                .mime_str("text/csv")
                .unwrap(),
        );
        if let Some(mapping) = mapping {
            form = form.text("mapping", mapping.to_owned());
        }
        form
    };
    let preview = server
        .http
        .post(server.at("/api/import/preview"))
        .bearer_auth(&ada.token)
        .multipart(upload(None))
        .send()
        .await
        .unwrap();
    let (status, preview) = json_of(preview).await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(preview["rows"], 3);
    assert_eq!(preview["mapping"]["email"], "E-mail");

    let mapping = preview["mapping"].to_string();
    let report = server
        .http
        .post(server.at("/api/import/leads"))
        .bearer_auth(&ada.token)
        .multipart(upload(Some(&mapping)))
        .send()
        .await
        .unwrap();
    let (status, report) = json_of(report).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(
        (report["created"].as_u64(), report["duplicates"].as_u64()),
        (Some(2), Some(1))
    );
    let (_, all) = server.call(Method::GET, "/api/leads", &ada, None).await;
    assert_eq!(all["total"], 3);

    let (_, batches) = server
        .call(Method::GET, "/api/import/batches", &ada, None)
        .await;
    assert_eq!(batches["total"], 1);
    assert_eq!(batches["items"][0]["file_name"], "contacts.csv");
    let batch = report["batch_id"].as_str().unwrap();
    let (status, undone) = server
        .call(
            Method::DELETE,
            &format!("/api/import/batches/{batch}"),
            &ada,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(undone["removed"], 2);
    let (_, all) = server.call(Method::GET, "/api/leads", &ada, None).await;
    assert_eq!(all["total"], 1);

    let missing = server
        .http
        .post(server.at("/api/import/leads"))
        .bearer_auth(&ada.token)
        .multipart(upload(None))
        .send()
        .await
        .unwrap();
    let (status, error) = json_of(missing).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(field(&error), "mapping");
}
