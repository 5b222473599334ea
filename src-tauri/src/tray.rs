//! The tray icon: Open and Quit, and the count of due reminders. Closing the
//! window keeps Leadlight running here so reminders still pop up.

use tauri::menu::{Menu, MenuItem};
use tauri::tray::{TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Runtime};

const TRAY_ID: &str = "leadlight";

pub fn create<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, "open", "Open Leadlight", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&open, &quit])?;
    let mut builder = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("Leadlight")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id.as_ref() {
            "open" => show_window(app),
            "quit" => app.exit(0),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::DoubleClick { .. } = event {
                show_window(tray.app_handle());
            }
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app)?;
    Ok(())
}

pub fn show_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

/// Show how many reminders are due today or overdue.
pub fn show_due_count<R: Runtime>(app: &AppHandle<R>, due: usize) {
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let text = match due {
            0 => "Leadlight: nothing due".to_owned(),
            1 => "Leadlight: 1 reminder due".to_owned(),
            n => format!("Leadlight: {n} reminders due"),
        };
        let _ = tray.set_tooltip(Some(&text));
    }
}
