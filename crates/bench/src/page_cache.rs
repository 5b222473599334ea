//! The OS's cache of the database file: emptied before a line measured as
//! after a restart (a file nobody has read since boot), filled again after
//! it so the lines that follow find the file as before.

use std::path::Path;

/// Drop the file's pages from the OS's cache; false where that cannot be
/// asked (not Linux), so the line says the file was in memory.
#[cfg(target_os = "linux")]
pub fn evict(file: &Path) -> Result<bool, String> {
    let open = std::fs::File::open(file).map_err(|e| format!("{}: {e}", file.display()))?;
    // Dirty pages are not dropped: written out first.
    open.sync_all()
        .map_err(|e| format!("{}: {e}", file.display()))?;
    rustix::fs::fadvise(&open, 0, None, rustix::fs::Advice::DontNeed)
        .map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(true)
}

#[cfg(not(target_os = "linux"))]
pub fn evict(_file: &Path) -> Result<bool, String> {
    Ok(false)
}

/// Read the whole file once, front to back, into the OS's cache.
pub fn fill(file: &Path) -> Result<(), String> {
    let mut open = std::fs::File::open(file).map_err(|e| format!("{}: {e}", file.display()))?;
    std::io::copy(&mut open, &mut std::io::sink())
        .map(|_| ())
        .map_err(|e| format!("{}: {e}", file.display()))
}
