//! Replacing a file all at once: a reader sees the old text or the new,
//! never half of one.

use std::path::Path;

/// Writes `text` to `path` through a temporary file in the same directory
/// and a rename. The directory is created if missing; an existing file's
/// permissions are kept (a config holding a key stays private).
///
/// # Errors
/// Any I/O error; the file is then as it was.
pub fn write(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut file, text.as_bytes())?;
    match std::fs::metadata(path) {
        Ok(old) => file.as_file().set_permissions(old.permissions())?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// [`write`] for a file only its owner may read, whatever the mode of the
/// file it replaces (the temporary file is created 0600).
///
/// # Errors
/// Any I/O error; the file is then as it was.
pub(crate) fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut file, text.as_bytes())?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}
