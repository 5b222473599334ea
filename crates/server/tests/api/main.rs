//! The real `leadlight-server` binary on 127.0.0.1 (port 0) with a temporary
//! data folder, driven over HTTP as a client would.

// A panic is how a scenario reports failure, helpers included.
#![allow(clippy::unwrap_used)]

mod accounts;
mod email;
mod enquiries;
mod files;
mod leads;
mod limits;
mod openapi;
mod roles;
mod sync;
mod sync_e2e;
mod work;

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A running server and the folder it keeps its data in.
#[derive(Debug)]
pub struct Server {
    pub url: String,
    child: Child,
    _data: tempfile::TempDir,
    pub http: reqwest::Client,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// A server with default settings.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// A server with extra command-line flags.
    pub fn start_with(flags: &[&str]) -> Self {
        let data = tempfile::tempdir().unwrap();
        let (child, url) = spawn(data.path(), "127.0.0.1:0", flags);
        Self {
            url,
            child,
            _data: data,
            http: reqwest::Client::new(),
        }
    }

    /// Stop the server and start it again on the same data and address,
    /// with `flags`.
    pub fn restart_with(&mut self, flags: &[&str]) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let bind = self.url.trim_start_matches("http://").to_owned();
        let (child, url) = spawn(self._data.path(), &bind, flags);
        assert_eq!(url, self.url);
        self.child = child;
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// Send `body` (JSON, if any) with `token` (if any).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut request = self.http.request(method, self.at(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    /// Register an account and sign it in.
    pub async fn account(&self, name: &str, email: &str) -> User {
        let password = "correct horse battery";
        let made = self
            .send(
                Method::POST,
                "/api/auth/register",
                None,
                Some(json!({ "name": name, "email": email, "password": password })),
            )
            .await;
        assert_eq!(made.status(), StatusCode::CREATED);
        self.sign_in(email, password).await
    }

    /// The team most tests need: Ada, who registered first (the Admin), and
    /// two Agents she added, Alan and Bea; all signed in.
    pub async fn team(&self) -> (User, User, User) {
        let admin = self.account("Ada", "ada@example.com").await;
        let alan = self
            .member(&admin, "Alan", "alan@example.com", "agent")
            .await;
        let bea = self.member(&admin, "Bea", "bea@example.com", "agent").await;
        (admin, alan, bea)
    }

    /// An account made by `admin` with `role`, signed in.
    pub async fn member(&self, admin: &User, name: &str, email: &str, role: &str) -> User {
        let password = "another long password";
        let made = self
            .send(
                Method::POST,
                "/api/users",
                Some(&admin.token),
                Some(json!({ "name": name, "email": email, "password": password, "role": role })),
            )
            .await;
        assert_eq!(
            made.status(),
            StatusCode::CREATED,
            "{}",
            made.text().await.unwrap()
        );
        self.sign_in(email, password).await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> User {
        let response = self
            .send(
                Method::POST,
                "/api/auth/login",
                None,
                Some(json!({ "email": email, "password": password })),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        User {
            id: body["user"]["id"].as_str().unwrap().to_owned(),
            token: body["access_token"].as_str().unwrap().to_owned(),
            refresh: body["refresh_token"].as_str().unwrap().to_owned(),
        }
    }

    /// A lead made by `user`.
    pub async fn lead(&self, user: &User, body: Value) -> Value {
        let (status, lead) = self
            .call(Method::POST, "/api/leads", user, Some(body))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{lead}");
        lead
    }

    /// Call as `user`: the status and the JSON body (null when empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        user: &User,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        json_of(self.send(method, path, Some(&user.token), body).await).await
    }
}

/// A signed-in account.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub token: String,
    pub refresh: String,
}

pub async fn json_of(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"))
    };
    (status, body)
}

/// The field a validation error names first.
/// Start the server binary on `data`, bound to `bind`; its address.
fn spawn(data: &std::path::Path, bind: &str, flags: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leadlight-server"))
        .args(["--bind", bind, "--data-dir"])
        .arg(data)
        .args(flags)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (child, url)
}

pub fn field(body: &Value) -> &str {
    assert_eq!(body["code"], "validation", "{body}");
    body["fields"][0]["field"].as_str().unwrap_or_default()
}
