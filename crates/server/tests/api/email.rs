//! Email of due reminders and assignments, received by an SMTP sink this test
//! runs on 127.0.0.1.

use crate::Server;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// One message as the sink received it.
#[derive(Debug, Clone)]
struct Received {
    to: Vec<String>,
    data: String,
}

/// A minimal SMTP server that accepts everything and keeps what it got.
async fn sink() -> (u16, Arc<Mutex<Vec<Received>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let inbox = Arc::new(Mutex::new(Vec::new()));
    let kept = inbox.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let inbox = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut to = Vec::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.to_ascii_uppercase();
                    let reply: &[u8] = if verb.starts_with("EHLO") || verb.starts_with("HELO") {
                        b"250-sink\r\n250 8BITMIME\r\n"
                    } else if verb.starts_with("RCPT TO:") {
                        to.push(line[8..].trim().trim_matches(['<', '>']).to_owned());
                        b"250 ok\r\n"
                    } else if verb.starts_with("DATA") {
                        write.write_all(b"354 go ahead\r\n").await.unwrap();
                        let mut data = String::new();
                        while let Ok(Some(line)) = lines.next_line().await {
                            if line == "." {
                                break;
                            }
                            data.push_str(&line);
                            data.push('\n');
                        }
                        inbox.lock().unwrap().push(Received {
                            to: std::mem::take(&mut to),
                            data,
                        });
                        b"250 queued\r\n"
                    } else if verb.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, inbox)
}

async fn wait_for(inbox: &Arc<Mutex<Vec<Received>>>, count: usize) -> Vec<Received> {
    for _ in 0..100 {
        let got = inbox.lock().unwrap().clone();
        if got.len() >= count {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("only {:?} arrived", inbox.lock().unwrap());
}

#[tokio::test]
async fn due_reminders_and_assignments_are_emailed_once_to_their_user() {
    let (port, inbox) = sink().await;
    let port = port.to_string();
    let server = Server::start_with(&[
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        &port,
        "--smtp-security",
        "none",
        "--smtp-from",
        "Leadlight <crm@example.com>",
    ]);
    let admin = server.account("Ada", "ada@example.com").await;
    let alan = server
        .member(&admin, "Alan Agent", "alan@example.com", "agent")
        .await;
    let grace = server
        .lead(
            &alan,
            json!({ "name": "Grace Hopper", "email": "g@navy.example.com" }),
        )
        .await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let soon = crate::work::rfc3339(now.as_secs() as i64 + 2);
    let (status, _) = server
        .call(
            Method::POST,
            "/api/reminders",
            &alan,
            Some(json!({ "lead_id": grace["id"], "due_at": soon, "message": "Call Grace about the demo" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let dorothy = server
        .lead(
            &admin,
            json!({ "name": "Dorothy Vaughan", "phone": "555 0101" }),
        )
        .await;
    let (status, _) = server
        .call(
            Method::PUT,
            &format!("/api/leads/{}/assign", dorothy["id"].as_str().unwrap()),
            &admin,
            Some(json!({ "owner": alan.id })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let mail = wait_for(&inbox, 2).await;
    for message in &mail {
        assert_eq!(message.to, ["alan@example.com"], "{message:?}");
        assert!(
            message.data.contains("From: Leadlight <crm@example.com>"),
            "{}",
            message.data
        );
    }
    let all: String = mail.iter().map(|m| m.data.as_str()).collect();
    assert!(all.contains("Subject: Follow up: Grace Hopper"), "{all}");
    assert!(all.contains("Call Grace about the demo"), "{all}");
    assert!(
        all.contains("Subject: Dorothy Vaughan is yours now"),
        "{all}"
    );

    // Later rounds send nothing again.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(inbox.lock().unwrap().len(), 2);
}
