//! Leadlight desktop: a Tauri shell over leadlight-core. Commands are one-line
//! adapters (commands.rs); the session lives on the Rust side (state.rs); a
//! background loop pops up due reminders (notifier.rs); the tray keeps the app
//! alive when its window closes (tray.rs).

pub mod commands;
mod notifier;
pub mod prefs;
pub mod state;
pub mod syncer;
mod tray;

use leadlight_core::{Store, data_dir};
use prefs::Prefs;
use state::AppState;
use std::path::PathBuf;
use tauri::{Manager, Runtime, WindowEvent};

/// The data folder: `--data-dir DIR` if given, else `LEADLIGHT_DATA_DIR`, else
/// the platform's app-data folder.
pub fn data_dir_from_args(args: impl IntoIterator<Item = String>) -> Option<PathBuf> {
    let mut args = args.into_iter();
    let mut explicit = None;
    while let Some(arg) = args.next() {
        if arg == "--data-dir" {
            explicit = args.next().map(PathBuf::from);
        } else if let Some(value) = arg.strip_prefix("--data-dir=") {
            explicit = Some(PathBuf::from(value));
        }
    }
    data_dir::resolve(explicit)
}

/// Register every command on a builder (the real app and the mock-runtime
/// tests share this list).
pub fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::app_status,
        commands::register,
        commands::sign_in,
        commands::sign_out,
        commands::set_time_zone,
        commands::dashboard,
        commands::leads_list,
        commands::lead_create,
        commands::lead_open,
        commands::lead_update,
        commands::lead_status,
        commands::lead_add_tags,
        commands::lead_remove_tag,
        commands::lead_convert,
        commands::lead_delete,
        commands::lead_assign,
        commands::note_add,
        commands::activity_log,
        commands::reminder_create,
        commands::reminders_today,
        commands::reminders_overdue,
        commands::reminders_upcoming,
        commands::reminder_complete,
        commands::reminder_snooze,
        commands::tasks_list,
        commands::task_create,
        commands::task_complete,
        commands::customers_list,
        commands::users_list,
        commands::enquiries_unclaimed,
        commands::enquiry_claim,
        commands::export_leads_csv,
        commands::export_leads_xlsx,
        commands::notifications_inbox,
        commands::notifications_unread,
        commands::notification_read,
        commands::notifications_read_all,
        commands::import_preview,
        commands::import_run,
        commands::import_undo,
        commands::imports_list,
        commands::export_analytics_xlsx,
        commands::export_analytics_csv,
        commands::report_pdf,
        commands::user_create,
        commands::user_update,
        commands::user_deactivate,
        commands::user_reactivate,
        commands::user_set_password,
        commands::desktop_prefs,
        commands::desktop_prefs_set,
        commands::sync_status,
        commands::sync_connect,
        commands::sync_now,
        commands::sync_disconnect,
        commands::sync_conflicts,
        commands::sync_review,
    ])
}

/// The main window. Its web storage (the theme choice) lives in the data
/// folder too, so another data folder (a test, the demo) never shares it.
fn main_window<R: Runtime>(
    app: &tauri::AppHandle<R>,
    data_dir: &std::path::Path,
) -> tauri::Result<()> {
    tauri::WebviewWindowBuilder::new(app, "main", tauri::WebviewUrl::default())
        .title("Leadlight")
        .inner_size(1280.0, 820.0)
        .min_inner_size(1024.0, 640.0)
        .center()
        .data_directory(data_dir.join("webview"))
        .build()?;
    Ok(())
}

/// Build and run the app on `store`, whose folder is `data_dir`.
pub fn run_app<R: Runtime>(
    builder: tauri::Builder<R>,
    store: Store,
    data_dir: PathBuf,
) -> tauri::Result<()> {
    let state = AppState::remembering(store, data_dir.join("session"));
    let for_setup = state.clone();
    let prefs = Prefs::load(data_dir.join("desktop.json"));
    let syncer = std::sync::Arc::new(syncer::Syncer::default());
    with_commands(builder)
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .manage(state)
        .manage(prefs)
        .manage(syncer.clone())
        .setup(move |app| {
            main_window(app.handle(), &data_dir)?;
            tray::create(app.handle())?;
            notifier::spawn(app.handle().clone(), for_setup.clone());
            syncer::spawn(app.handle().clone(), for_setup.store.clone(), syncer);
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing hides to the tray, so reminders keep coming, unless
            // the user turned that off in Settings.
            if let WindowEvent::CloseRequested { api, .. } = event
                && window.app_handle().tray_by_id("leadlight").is_some()
                && window.state::<Prefs>().get().close_to_tray
            {
                api.prevent_close();
                let _ = window.hide();
            }
        })
        .run(tauri::generate_context!())
}
