//! The desktop's sync loop: once a team server is set up (Settings), a
//! thread of its own runs a round on start, within a few seconds of a local
//! change, every few minutes to pull, and on "Sync now"; while the server
//! cannot be reached it backs off (15 s, doubling, up to 5 minutes). It
//! never holds up the UI, and a failed round loses nothing (see
//! `core::replica`). While a round runs the window hears how far it got
//! ("sync-progress": a first sync of a large team takes a while), and after
//! it the outcome ("sync-status"), so the indicator follows.

use leadlight_core::replica::{self, Progress, Round, SyncError, TransportError};
use leadlight_core::{CoreResult, Store};
use leadlight_sync_client::SyncClient;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tauri::{AppHandle, Emitter, Runtime};

/// How often the loop looks for local changes waiting.
const TICK: Duration = Duration::from_secs(2);
/// How often it pulls when nothing happens here.
const EVERY: Duration = Duration::from_secs(5 * 60);
const FIRST_BACKOFF: Duration = Duration::from_secs(15);

/// Shared by the loop and the commands: one round at a time.
#[derive(Debug, Default)]
pub struct Syncer {
    client: Mutex<SyncClient>,
    woken: Mutex<bool>,
    wake: Condvar,
}

impl Syncer {
    /// Run a round now (the "Sync now" button), waiting for one under way.
    pub fn sync_now<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        store: &Store,
    ) -> Result<Round, SyncError> {
        let mut client = self.client.lock().unwrap_or_else(PoisonError::into_inner);
        client.sync_now(store, &mut tell(app))
    }

    /// Ask the loop for a round soon (after signing in).
    pub fn nudge(&self) {
        *self.woken.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.wake.notify_one();
    }

    /// Wait up to `timeout` for a nudge; whether one came.
    fn wait(&self, timeout: Duration) -> bool {
        let woken = self.woken.lock().unwrap_or_else(PoisonError::into_inner);
        let (mut woken, _) = self
            .wake
            .wait_timeout_while(woken, timeout, |w| !*w)
            .unwrap_or_else(PoisonError::into_inner);
        std::mem::take(&mut *woken)
    }
}

pub fn spawn<R: Runtime>(app: AppHandle<R>, store: Store, syncer: Arc<Syncer>) {
    std::thread::Builder::new()
        .name("sync".into())
        .spawn(move || run(&app, &store, &syncer))
        .map(drop)
        .unwrap_or_else(|e| tracing::error!(error = %e, "cannot start the sync loop"));
}

fn run<R: Runtime>(app: &AppHandle<R>, store: &Store, syncer: &Syncer) {
    let mut last_round: Option<Instant> = None;
    let mut backoff: Option<(Duration, Instant)> = None;
    loop {
        let nudged = syncer.wait(TICK);
        let due = match due(store, last_round) {
            Ok(due) => due,
            Err(error) => {
                tracing::warn!(%error, "sync status");
                false
            }
        };
        let waiting = backoff.is_some_and(|(_, until)| Instant::now() < until);
        if !(nudged || due && !waiting) {
            continue;
        }
        // The command's round goes first; this one comes at the next tick.
        let Ok(mut client) = syncer.client.try_lock() else {
            continue;
        };
        let outcome = client.sync_now(store, &mut tell(app));
        drop(client);
        last_round = Some(Instant::now());
        backoff = match outcome {
            Ok(_) => None,
            Err(SyncError::NotConnected) => None,
            Err(SyncError::Transport(TransportError::Offline(_))) => {
                let next = backoff.map_or(FIRST_BACKOFF, |(d, _)| (d * 2).min(EVERY));
                Some((next, Instant::now() + next))
            }
            // Refused or failed here: the reason is shown; try now and then.
            Err(error) => {
                tracing::warn!(%error, "sync round");
                Some((EVERY, Instant::now() + EVERY))
            }
        };
        if let Ok(status) = replica::status(store) {
            let _ = app.emit("sync-status", status);
        }
    }
}

/// Tell the window how far a round has got.
fn tell<R: Runtime>(app: &AppHandle<R>) -> impl FnMut(Progress) + '_ {
    move |progress| {
        let _ = app.emit("sync-progress", progress);
    }
}

/// A round is due when a server is set up and there are changes waiting
/// here, or it is time to pull.
fn due(store: &Store, last_round: Option<Instant>) -> CoreResult<bool> {
    Ok(match replica::status(store)? {
        None => false,
        Some(status) => status.pending > 0 || last_round.is_none_or(|at| at.elapsed() >= EVERY),
    })
}
