//! Where the database lives: the platform's app-data folder unless a flag or
//! `LEADLIGHT_DATA_DIR` says otherwise (tests always say otherwise).

use std::path::PathBuf;

/// The app's identifier; also the folder name under the OS's data folder
/// (`~/.local/share/app.leadlight.desktop` on Linux).
pub const APP_IDENTIFIER: &str = "app.leadlight.desktop";

/// The environment variable that overrides the data folder.
pub const ENV_VAR: &str = "LEADLIGHT_DATA_DIR";

/// The database file's name inside the data folder.
pub const DATABASE_FILE: &str = "leadlight.sqlite3";

/// The data folder: `explicit` if given, else `LEADLIGHT_DATA_DIR`, else the
/// platform default. `None` only on a system with no home or data folder.
pub fn resolve(explicit: Option<PathBuf>) -> Option<PathBuf> {
    explicit
        .or_else(|| {
            std::env::var_os(ENV_VAR)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .or_else(|| dirs::data_dir().map(|d| d.join(APP_IDENTIFIER)))
}

/// The database file inside a data folder.
pub fn database_path(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join(DATABASE_FILE)
}
