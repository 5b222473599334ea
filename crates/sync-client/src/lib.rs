//! How a desktop reaches its team server over HTTP: signing in (and
//! refreshing the access token when it runs out), and the two sync
//! endpoints, as the [`Transport`] that `core::replica` runs its rounds
//! over. Everything else about sync (what to send, what to do with the
//! answers) lives in the core; this crate only carries it.

use leadlight_core::ErrorCode;
use leadlight_core::Store;
use leadlight_core::accounts::{Credentials, SignedIn};
use leadlight_core::replica::{
    self, Progress, Round, SyncError, SyncStatus, Transport, TransportError,
};
use leadlight_core::sync::{ChangesPage, PushAnswer, PushBatch};
use reqwest::StatusCode;
use reqwest::blocking::{Client, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde_json::json;
use std::time::Duration;

/// A request that gets no answer in this long counts as offline.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A signed-in connection to one team server.
pub struct HttpTransport {
    http: Client,
    base: String,
    access_token: String,
    refresh_token: String,
}

impl std::fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the tokens.
        f.debug_struct("HttpTransport")
            .field("base", &self.base)
            .finish()
    }
}

fn client() -> Result<Client, TransportError> {
    Client::builder()
        .timeout(TIMEOUT)
        .build()
        .map_err(|e| TransportError::Offline(e.to_string()))
}

fn base(server_url: &str) -> String {
    server_url.trim().trim_end_matches('/').to_owned()
}

impl HttpTransport {
    /// Sign in to the server at `server_url` with the user's email and
    /// password. The answer names the server's user (who this desktop will
    /// sync as) and holds the refresh token to keep for next time.
    pub fn sign_in(
        server_url: &str,
        email: &str,
        password: &str,
    ) -> Result<(Self, SignedIn), TransportError> {
        let http = client()?;
        let base = base(server_url);
        let credentials = Credentials {
            email: email.to_owned(),
            password: password.to_owned(),
        };
        let signed_in: SignedIn = decode(send(
            http.post(format!("{base}/api/auth/login"))
                .json(&credentials),
        )?)?;
        Ok((Self::from_signed_in(http, base, &signed_in), signed_in))
    }

    /// A transport for a kept sign-in that asks the server for nothing yet:
    /// its first request renews the access token with `refresh_token`.
    pub fn kept(server_url: &str, refresh_token: &str) -> Result<Self, TransportError> {
        Ok(Self {
            http: client()?,
            base: base(server_url),
            access_token: String::new(),
            refresh_token: refresh_token.to_owned(),
        })
    }

    fn from_signed_in(http: Client, base: String, signed_in: &SignedIn) -> Self {
        Self {
            http,
            base,
            access_token: signed_in.access_token.clone(),
            refresh_token: signed_in.refresh_token.clone(),
        }
    }

    /// The refresh token to keep: it changes every time the access token is
    /// renewed, and only the latest one works.
    pub fn refresh_token(&self) -> &str {
        &self.refresh_token
    }

    /// Send a request with the access token; if the server says the token
    /// has run out, renew it once and send again.
    fn authorized<T: DeserializeOwned>(
        &mut self,
        request: impl Fn(&Client, &str) -> RequestBuilder,
    ) -> Result<T, TransportError> {
        let response = send(request(&self.http, &self.base).bearer_auth(&self.access_token))?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return decode(response);
        }
        let renewed = refresh(&self.http, &self.base, &self.refresh_token)?;
        self.access_token = renewed.access_token;
        self.refresh_token = renewed.refresh_token;
        decode(send(
            request(&self.http, &self.base).bearer_auth(&self.access_token),
        )?)
    }
}

fn refresh(http: &Client, base: &str, refresh_token: &str) -> Result<SignedIn, TransportError> {
    decode(send(
        http.post(format!("{base}/api/auth/refresh"))
            .json(&json!({ "refresh_token": refresh_token })),
    )?)
}

/// No answer at all: the network, a server that is down, a timeout.
fn send(request: RequestBuilder) -> Result<Response, TransportError> {
    request
        .send()
        .map_err(|e| TransportError::Offline(e.without_url().to_string()))
}

/// The server's error body, as every endpoint writes it.
#[derive(serde::Deserialize)]
struct ErrorBody {
    code: ErrorCode,
    message: String,
}

fn decode<T: DeserializeOwned>(response: Response) -> Result<T, TransportError> {
    let status = response.status();
    if status.is_success() {
        return response.json().map_err(|e| TransportError::Refused {
            code: ErrorCode::Internal,
            message: format!("the server's answer could not be read: {e}"),
        });
    }
    let body = response.text().unwrap_or_default();
    Err(match serde_json::from_str::<ErrorBody>(&body) {
        Ok(error) => TransportError::Refused {
            code: error.code,
            message: error.message,
        },
        // A proxy's page, a server too old to have sync, ...
        Err(_) if status.is_server_error() => {
            TransportError::Offline(format!("the server answered {status}"))
        }
        Err(_) => TransportError::Refused {
            code: ErrorCode::Internal,
            message: format!("the server answered {status}; is this a Leadlight server?"),
        },
    })
}

impl Transport for HttpTransport {
    fn push(&mut self, batch: &PushBatch) -> Result<PushAnswer, TransportError> {
        self.authorized(|http, base| http.post(format!("{base}/api/sync/push")).json(batch))
    }

    fn changes(
        &mut self,
        client_id: &str,
        since: i64,
        limit: i64,
    ) -> Result<ChangesPage, TransportError> {
        self.authorized(|http, base| {
            // The client id is a UUID this desktop made: nothing to escape.
            http.get(format!(
                "{base}/api/sync/changes?since={since}&limit={limit}&client_id={client_id}"
            ))
        })
    }
}

/// Sign this desktop in to the team server at `server_url` and set it up to
/// sync as the user signed in (see `replica::connect`); the sign-in is kept.
pub fn connect(
    store: &Store,
    server_url: &str,
    email: &str,
    password: &str,
) -> Result<SyncStatus, SyncError> {
    let (transport, signed_in) = HttpTransport::sign_in(server_url, email, password)?;
    let status = replica::connect(store, server_url, &signed_in.user, Some(password))?;
    replica::keep_token(store, transport.refresh_token())?;
    Ok(status)
}

/// A desktop's sync over HTTP with its kept sign-in: one transport reused
/// from round to round (its access token renewed as it runs out).
#[derive(Debug, Default)]
pub struct SyncClient {
    transport: Option<HttpTransport>,
}

impl SyncClient {
    /// One round (see `replica::sync_once`). The refresh token is kept
    /// afterwards, as the round may have renewed it.
    pub fn sync_now(
        &mut self,
        store: &Store,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Round, SyncError> {
        let Some((url, token)) = replica::kept_sign_in(store)? else {
            self.transport = None;
            return Err(SyncError::NotConnected);
        };
        // Another server (signed in again elsewhere): start afresh.
        if self.transport.as_ref().is_none_or(|t| t.base != base(&url)) {
            self.transport = Some(HttpTransport::kept(&url, &token)?);
        }
        let transport = self.transport.as_mut().ok_or(SyncError::NotConnected)?;
        let outcome = replica::sync_once(store, transport, progress);
        replica::keep_token(store, transport.refresh_token())?;
        outcome
    }
}
