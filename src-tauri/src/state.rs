//! What the app holds between commands: the store and the signed-in session.
//! Tokens never reach the web view; the Rust side refreshes them when the
//! access token expires.

use leadlight_core::accounts::{self, SignedIn};
use leadlight_core::users::User;
use leadlight_core::{Actor, CoreError, CoreResult, ErrorCode, Store};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
struct Tokens {
    access: String,
    refresh: String,
}

/// Shared by every command (cheap to clone).
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    session: Arc<Mutex<Option<Tokens>>>,
    /// Where the refresh token is kept between runs (None: nowhere, tests).
    saved_session: Option<PathBuf>,
}

impl AppState {
    /// A state whose sign-in lasts only while the process runs.
    pub fn new(store: Store) -> Self {
        Self {
            store,
            session: Arc::new(Mutex::new(None)),
            saved_session: None,
        }
    }

    /// A state that keeps the sign-in in `file` (in the data folder, readable
    /// by its owner only), so the app opens signed in. The refresh token there
    /// is rotated on every use, so a stale copy is useless.
    pub fn remembering(store: Store, file: PathBuf) -> Self {
        let state = Self {
            saved_session: Some(file),
            ..Self::new(store)
        };
        state.restore();
        state
    }

    fn restore(&self) {
        let Some(file) = &self.saved_session else {
            return;
        };
        let Ok(refresh) = std::fs::read_to_string(file) else {
            return;
        };
        match accounts::refresh(&self.store, refresh.trim()) {
            Ok(signed_in) => self.keep(&signed_in),
            Err(_) => {
                let _ = std::fs::remove_file(file);
            }
        }
    }

    fn save(&self, refresh: Option<&str>) {
        let Some(file) = &self.saved_session else {
            return;
        };
        let result = match refresh {
            Some(token) => write_private(file, token),
            None => std::fs::remove_file(file).or_else(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    Ok(())
                } else {
                    Err(e)
                }
            }),
        };
        if let Err(error) = result {
            tracing::warn!(%error, "could not keep the sign-in");
        }
    }

    fn tokens(&self) -> Option<Tokens> {
        self.session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn keep(&self, signed_in: &SignedIn) {
        *self.session.lock().unwrap_or_else(|p| p.into_inner()) = Some(Tokens {
            access: signed_in.access_token.clone(),
            refresh: signed_in.refresh_token.clone(),
        });
        self.save(Some(&signed_in.refresh_token));
    }

    pub fn sign_in(&self, credentials: accounts::Credentials) -> CoreResult<User> {
        let signed_in = accounts::login(&self.store, credentials)?;
        self.keep(&signed_in);
        Ok(signed_in.user)
    }

    pub fn sign_out(&self) -> CoreResult<()> {
        let tokens = self
            .session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        self.save(None);
        match tokens {
            Some(tokens) => accounts::logout(&self.store, &tokens.refresh),
            None => Ok(()),
        }
    }

    /// The signed-in actor, refreshing an expired access token on the way.
    pub fn actor(&self) -> CoreResult<Actor> {
        let tokens = self
            .tokens()
            .ok_or_else(|| CoreError::Unauthenticated("sign in first".into()))?;
        match accounts::authenticate(&self.store, Some(&tokens.access)) {
            Err(e) if e.code() == ErrorCode::Unauthenticated => {
                let renewed =
                    accounts::refresh(&self.store, &tokens.refresh).inspect_err(|_| {
                        *self.session.lock().unwrap_or_else(|p| p.into_inner()) = None;
                    })?;
                self.keep(&renewed);
                accounts::authenticate(&self.store, Some(&renewed.access_token))
            }
            other => other,
        }
    }

    pub fn is_signed_in(&self) -> bool {
        self.tokens().is_some()
    }
}

/// Write `text` to `file` readable and writable by its owner only.
fn write_private(file: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(file)?.write_all(text.as_bytes())
}
