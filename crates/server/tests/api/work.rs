//! Reminders, tasks and notifications over HTTP, and the live stream.

use crate::{Server, User, field};
use futures_util::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

fn in_seconds(seconds: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    rfc3339(now.as_secs() as i64 + seconds)
}

/// An RFC 3339 UTC instant for `secs` since the epoch, without a date library.
pub fn rfc3339(secs: i64) -> String {
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Days since 1970-01-01 to a calendar date (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

async fn lead_of(server: &Server, user: &User) -> String {
    let lead = server
        .lead(user, json!({ "name": "Grace", "email": "g@example.com" }))
        .await;
    lead["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn reminders_today_snooze_done_and_delete() {
    let server = Server::start();
    let ada = server.account("Ada", "ada@example.com").await;
    let lead = lead_of(&server, &ada).await;
    let (status, reminder) = server
        .call(
            Method::POST,
            "/api/reminders",
            &ada,
            Some(json!({ "lead_id": lead, "due_at": in_seconds(2 * 86_400), "message": "Call Grace" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reminder}");
    let path = format!("/api/reminders/{}", reminder["id"].as_str().unwrap());
    let (status, error) = server
        .call(
            Method::POST,
            "/api/reminders",
            &ada,
            Some(json!({ "lead_id": lead, "due_at": "tomorrowish", "message": "x" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(field(&error), "due_at");

    let (_, upcoming) = server
        .call(Method::GET, "/api/reminders/upcoming", &ada, None)
        .await;
    assert_eq!(upcoming["total"], 1, "{upcoming}");
    let (status, all) = server
        .call(Method::GET, "/api/reminders?limit=10", &ada, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (all["total"].as_i64(), all["limit"].as_i64()),
        (Some(1), Some(10))
    );
    let (status, one) = server.call(Method::GET, &path, &ada, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["message"], "Call Grace");
    let (status, today) = server
        .call(Method::GET, "/api/reminders/today", &ada, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(today, json!([]), "due the day after tomorrow");
    let (status, overdue) = server
        .call(Method::GET, "/api/reminders/overdue", &ada, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(overdue, json!([]));

    let (status, edited) = server
        .call(
            Method::PUT,
            &path,
            &ada,
            Some(json!({ "message": "Call Grace about the demo" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(edited["message"], "Call Grace about the demo");
    let (status, snoozed) = server
        .call(
            Method::POST,
            &format!("{path}/snooze"),
            &ada,
            Some(json!({ "until": in_seconds(7200) })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{snoozed}");
    let (status, done) = server
        .call(Method::POST, &format!("{path}/complete"), &ada, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(done["done_at"].is_string(), "{done}");
    let (status, _) = server.call(Method::DELETE, &path, &ada, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = server.call(Method::DELETE, &path, &ada, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn tasks_for_agents() {
    let server = Server::start();
    let admin = server.account("Ada", "ada@example.com").await;
    let alan = server
        .member(&admin, "Alan", "alan@example.com", "agent")
        .await;
    let (status, task) = server
        .call(
            Method::POST,
            "/api/tasks",
            &admin,
            Some(json!({ "title": "Send the price list", "assignee_id": alan.id, "due_at": in_seconds(3600) })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    let path = format!("/api/tasks/{}", task["id"].as_str().unwrap());
    let (_, mine) = server
        .call(Method::GET, "/api/tasks?status=open", &alan, None)
        .await;
    assert_eq!(mine["total"], 1);
    let (status, task) = server.call(Method::GET, &path, &alan, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(task["title"], "Send the price list");
    let (status, edited) = server
        .call(
            Method::PUT,
            &path,
            &alan,
            Some(json!({ "title": "Send the 2027 price list" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(edited["title"], "Send the 2027 price list");
    let (status, done) = server
        .call(Method::POST, &format!("{path}/complete"), &alan, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(done["status"], "done");
    let (status, open) = server
        .call(Method::POST, &format!("{path}/reopen"), &alan, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(open["status"], "open");
    let (status, error) = server
        .call(
            Method::POST,
            "/api/tasks",
            &alan,
            Some(json!({ "title": "" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(field(&error), "title");
    let (status, _) = server.call(Method::DELETE, &path, &admin, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = server.call(Method::GET, &path, &alan, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Read server-sent events until `wanted` of them arrived (or time ran out).
async fn events(server: &Server, user: &User, wanted: usize) -> Vec<(String, Value)> {
    let response = server
        .http
        .get(server.at("/api/notifications/stream"))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut stream = response.bytes_stream();
    let mut text = String::new();
    let mut found = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while found.len() < wanted {
        let chunk = tokio::time::timeout_at(deadline, stream.next())
            .await
            .unwrap_or_else(|_| panic!("only {found:?} within 20 s"))
            .unwrap()
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            let mut event = String::new();
            let mut data = String::new();
            for line in block.lines() {
                if let Some(name) = line.strip_prefix("event:") {
                    event = name.trim().to_owned();
                } else if let Some(value) = line.strip_prefix("data:") {
                    data.push_str(value.trim());
                }
            }
            if !event.is_empty() {
                found.push((event, serde_json::from_str(&data).unwrap()));
            }
        }
    }
    found
}

#[tokio::test]
async fn the_stream_pushes_a_due_reminder_and_new_notifications() {
    let server = Server::start();
    let admin = server.account("Ada", "ada@example.com").await;
    let alan = server
        .member(&admin, "Alan", "alan@example.com", "agent")
        .await;
    let lead = lead_of(&server, &alan).await;
    let (status, _) = server
        .call(
            Method::POST,
            "/api/reminders",
            &alan,
            Some(json!({ "lead_id": lead, "due_at": in_seconds(2), "message": "Call Grace now" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let other = server
        .lead(&admin, json!({ "name": "Dorothy", "phone": "555 0199" }))
        .await;
    let assign = format!("/api/leads/{}/assign", other["id"].as_str().unwrap());

    let listening = events(&server, &alan, 3);
    let assigning = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (status, _) = server
            .call(
                Method::PUT,
                &assign,
                &admin,
                Some(json!({ "owner": alan.id })),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    };
    let (found, ()) = tokio::join!(listening, assigning);
    let reminder = found
        .iter()
        .find(|(e, _)| e == "reminder")
        .expect("a reminder event");
    assert_eq!(reminder.1["message"], "Call Grace now");
    let kinds: Vec<&str> = found
        .iter()
        .filter(|(e, _)| e == "notification")
        .map(|(_, n)| n["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"reminder_due"), "{found:?}");
    assert!(kinds.contains(&"lead_assigned"), "{found:?}");

    let (_, inbox) = server
        .call(Method::GET, "/api/notifications", &alan, None)
        .await;
    assert_eq!(inbox["unread"], 2);
    let id = inbox["items"][0]["id"].as_str().unwrap();
    let (status, _) = server
        .call(
            Method::PUT,
            &format!("/api/notifications/{id}/read"),
            &alan,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, count) = server
        .call(Method::GET, "/api/notifications/unread-count", &alan, None)
        .await;
    assert_eq!(count["unread"], 1);
    let (status, marked) = server
        .call(Method::PUT, "/api/notifications/read-all", &alan, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(marked["marked"], 1);
    let (status, _) = server
        .call(
            Method::PUT,
            &format!("/api/notifications/{id}/read"),
            &admin,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another user's notification");
}
