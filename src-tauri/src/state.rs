//! What the app holds between commands: the store and the signed-in session.
//! Tokens never reach the web view; the Rust side refreshes them when the
//! access token expires.

use leadlight_core::accounts::{self, SignedIn};
use leadlight_core::users::User;
use leadlight_core::{Actor, CoreError, CoreResult, ErrorCode, Store};
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
}

impl AppState {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            session: Arc::new(Mutex::new(None)),
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
