//! Native reminders: a background loop asks the core for reminders that are
//! due and not yet shown, marks each shown and pops it up. Every 5 seconds,
//! so a reminder is on time and a machine waking from sleep catches up within
//! seconds; reminders missed while the app was closed come at start, grouped
//! when there are many. Clicking one opens its lead (or, for a group, the
//! Reminders page) where the platform reports clicks: the freedesktop
//! notification servers of Linux and the BSDs.

use crate::state::AppState;
use leadlight_core::CoreResult;
use leadlight_core::reminders;
use std::time::Duration;
use tauri::{AppHandle, Runtime};

const TICK: Duration = Duration::from_secs(5);
/// More due at once than this become one notification.
const GROUP_ABOVE: usize = 3;

pub fn spawn<R: Runtime>(app: AppHandle<R>, state: AppState) {
    std::thread::Builder::new()
        .name("reminder-notifier".into())
        .spawn(move || {
            loop {
                if let Err(error) = check(&app, &state) {
                    tracing::warn!(%error, "reminder check failed");
                }
                std::thread::sleep(TICK);
            }
        })
        .map(drop)
        .unwrap_or_else(|e| tracing::error!(error = %e, "cannot start the reminder notifier"));
}

fn check<R: Runtime>(app: &AppHandle<R>, state: &AppState) -> CoreResult<()> {
    if !state.is_signed_in() {
        return Ok(());
    }
    let actor = state.actor()?;
    // Marked as taken, just before they are shown: a restart never shows one twice.
    let shown = reminders::take_due(&state.store, &actor)?;
    crate::tray::show_due_count(
        app,
        reminders::overdue(&state.store, &actor)?.len()
            + reminders::today(&state.store, &actor)?.len(),
    );
    if shown.is_empty() {
        return Ok(());
    }
    if shown.len() > GROUP_ABOVE {
        let names: Vec<&str> = shown.iter().take(3).map(|r| r.lead_name.as_str()).collect();
        pop_up(
            app,
            "#/reminders".to_owned(),
            &format!("{} reminders are due", shown.len()),
            &format!(
                "{} and {} more",
                names.join(", "),
                shown.len() - names.len()
            ),
        );
    } else {
        for reminder in shown {
            pop_up(
                app,
                format!("#/leads/{}", reminder.lead_id),
                &format!("Follow up: {}", reminder.lead_name),
                &reminder.message,
            );
        }
    }
    Ok(())
}

/// Bring the window forward on `page` (a route of the dashboard).
#[cfg(all(unix, not(target_os = "macos")))]
fn open<R: Runtime>(app: &AppHandle<R>, page: &str) {
    use tauri::Emitter;
    crate::tray::show_window(app);
    if let Err(error) = app.emit_to("main", "open-page", page) {
        tracing::warn!(%error, "could not open {page}");
    }
}

/// Show a notification; a click on it opens `page`. Waiting for the click
/// holds a thread until the notification is acted on or closed.
#[cfg(all(unix, not(target_os = "macos")))]
fn pop_up<R: Runtime>(app: &AppHandle<R>, page: String, title: &str, body: &str) {
    let shown = notify_rust::Notification::new()
        .appname("Leadlight")
        .summary(title)
        .body(body)
        .action("default", "Open")
        .show();
    match shown {
        Ok(handle) => {
            let app = app.clone();
            let waiting = std::thread::Builder::new()
                .name("notification-click".into())
                .spawn(move || {
                    handle.wait_for_action(|action| {
                        if action == "default" {
                            open(&app, &page);
                        }
                    })
                });
            if let Err(error) = waiting {
                tracing::warn!(%error, "cannot wait for a notification click");
            }
        }
        Err(error) => tracing::warn!(%error, "could not show a notification"),
    }
}

/// Show a notification (the plugin reports no clicks on these platforms).
#[cfg(not(all(unix, not(target_os = "macos"))))]
fn pop_up<R: Runtime>(app: &AppHandle<R>, _page: String, title: &str, body: &str) {
    use tauri_plugin_notification::NotificationExt;
    if let Err(error) = app.notification().builder().title(title).body(body).show() {
        tracing::warn!(%error, "could not show a notification");
    }
}
