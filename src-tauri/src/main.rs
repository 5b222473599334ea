// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use leadlight_core::{Store, data_dir};
use std::process::ExitCode;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let Some(dir) = leadlight_app::data_dir_from_args(std::env::args().skip(1)) else {
        eprintln!("leadlight: no data folder; pass --data-dir DIR or set LEADLIGHT_DATA_DIR");
        return ExitCode::FAILURE;
    };
    let store = match Store::open(data_dir::database_path(&dir)) {
        Ok(store) => store,
        Err(error) => {
            eprintln!("leadlight: {error}");
            return ExitCode::FAILURE;
        }
    };
    match leadlight_app::run_app(tauri::Builder::default(), store, dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("leadlight: {error}");
            ExitCode::FAILURE
        }
    }
}
