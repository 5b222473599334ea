//! The sync journal's purge (docs/SYNC.md, "purge horizon"): at start and
//! every six hours, the server drops journal entries older than the
//! retention that every desktop seen within it has pulled past. A desktop
//! away for longer resyncs from a snapshot on its next round.

use leadlight_core::Store;
use std::time::Duration;

const EVERY: Duration = Duration::from_secs(6 * 60 * 60);

/// Start purging with `retention_days` of journal kept (0: as soon as
/// every recent desktop has pulled past it).
pub fn spawn(store: Store, retention_days: u32) {
    let retention = chrono::Duration::days(i64::from(retention_days));
    tokio::spawn(async move {
        loop {
            let st = store.clone();
            match tokio::task::spawn_blocking(move || leadlight_core::sync::purge(&st, retention))
                .await
            {
                Ok(Ok(purged)) if purged.entries > 0 => tracing::info!(
                    entries = purged.entries,
                    tombstones = purged.tombstones,
                    through = purged.through,
                    "sync journal purged"
                ),
                Ok(Ok(_)) => {}
                Ok(Err(error)) => tracing::warn!(%error, "sync journal purge failed"),
                Err(error) => tracing::warn!(%error, "sync journal purge stopped"),
            }
            tokio::time::sleep(EVERY).await;
        }
    });
}
