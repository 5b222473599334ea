//! What every handler shares: the store, and the rate limiters.

use crate::error::ApiError;
use crate::limits::Limits;
use leadlight_core::{CoreError, CoreResult, Store};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub limits: Arc<Limits>,
}

impl AppState {
    /// Run a core service off the async threads (the core is synchronous:
    /// SQLite and argon2 block).
    pub async fn run<T, F>(&self, service: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> CoreResult<T> + Send + 'static,
    {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || service(&store))
            .await
            .map_err(CoreError::internal)?
            .map_err(ApiError::from)
    }
}
