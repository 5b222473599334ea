//! Preferences of this desktop installation rather than of the CRM data:
//! whether closing the window keeps Leadlight running in the tray. They live in
//! `desktop.json` in the data folder, next to the database they go with.

use leadlight_core::{CoreError, CoreResult};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DesktopPrefs {
    /// Closing the window hides it to the tray, so reminders keep popping up.
    pub close_to_tray: bool,
}

impl Default for DesktopPrefs {
    fn default() -> Self {
        Self {
            close_to_tray: true,
        }
    }
}

/// The preferences and the file they are kept in (cheap to clone).
#[derive(Debug, Clone)]
pub struct Prefs {
    file: Option<PathBuf>,
    current: Arc<Mutex<DesktopPrefs>>,
}

impl Prefs {
    /// Preferences read from `file`; a missing or unreadable file means the
    /// defaults (a damaged file is replaced on the next change).
    pub fn load(file: PathBuf) -> Self {
        let current = std::fs::read(&file)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        Self {
            file: Some(file),
            current: Arc::new(Mutex::new(current)),
        }
    }

    /// Defaults kept in memory only (tests).
    pub fn in_memory() -> Self {
        Self {
            file: None,
            current: Arc::default(),
        }
    }

    pub fn get(&self) -> DesktopPrefs {
        *self.current.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keep `prefs`, written to a temporary file and renamed so a crash never
    /// leaves half a file.
    pub fn set(&self, prefs: DesktopPrefs) -> CoreResult<DesktopPrefs> {
        if let Some(file) = &self.file {
            let text = serde_json::to_vec_pretty(&prefs).map_err(CoreError::internal)?;
            let partial = file.with_extension("json.partial");
            std::fs::write(&partial, text).map_err(CoreError::internal)?;
            std::fs::rename(&partial, file).map_err(CoreError::internal)?;
        }
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = prefs;
        Ok(prefs)
    }
}
