//! An exclusive advisory lock on an output directory (`DIR/.grassroots.lock`),
//! held for as long as a command writes there (`docs/reliability.md`).
//!
//! A second grassroots process that wants the same directory is refused at
//! once with a message naming the holder (process id, host, command, start
//! time), which the holder writes into the lock file. The lock is released
//! when the holder exits, however it exits (the operating system drops it), so
//! a killed run never leaves a directory locked. While a process holds the
//! lock, every partial file in the directory is a leftover of a dead process
//! and may be removed.

use super::{OutputError, io_err};
use fs4::{FileExt, TryLockError};
use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The name of the lock file inside an output directory.
pub const LOCK_FILE: &str = ".grassroots.lock";

/// A held lock on an output directory; released when dropped.
#[derive(Debug)]
pub struct DirLock {
    file: fs::File,
    dir: PathBuf,
}

/// The name of this host, for the holder line.
fn host() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "this host".into())
}

impl DirLock {
    /// Lock directory `dir` (created if missing) for `command` (a short
    /// description recorded for a second process to read).
    pub fn acquire(dir: &Path, command: &str) -> Result<DirLock, OutputError> {
        fs::create_dir_all(dir).map_err(|e| cannot_make(dir, e))?;
        let path = dir.join(LOCK_FILE);
        let mut file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_err(&path))?;
        match FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(busy(dir, &mut file)),
            Err(TryLockError::Error(e)) => return Err(io_err(&path)(e)),
        }
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let line = format!(
            "process {} on {}, `{command}`, started at unix time {started}\n",
            std::process::id(),
            host()
        );
        file.set_len(0).map_err(io_err(&path))?;
        file.seek(SeekFrom::Start(0)).map_err(io_err(&path))?;
        file.write_all(line.as_bytes()).map_err(io_err(&path))?;
        file.flush().map_err(io_err(&path))?;
        Ok(DirLock {
            file,
            dir: dir.to_path_buf(),
        })
    }

    /// Share the lock of a directory only read (a shard being merged): a
    /// process writing there is refused, readers are not. Needs no write
    /// access: a directory without a lock file, or whose lock file cannot be
    /// opened, is read without a lock (`None`).
    pub fn acquire_shared(dir: &Path) -> Result<Option<DirLock>, OutputError> {
        let Ok(mut file) = fs::File::open(dir.join(LOCK_FILE)) else {
            return Ok(None);
        };
        match FileExt::try_lock_shared(&file) {
            Ok(()) => Ok(Some(DirLock {
                file,
                dir: dir.to_path_buf(),
            })),
            Err(TryLockError::WouldBlock) => Err(busy(dir, &mut file)),
            Err(TryLockError::Error(_)) => Ok(None),
        }
    }

    /// The locked directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// An output folder that cannot be made (a path below `/proc`, a read-only
/// or forbidden place) is the user's to change, like any other unusable
/// `--out`: refused (exit 2), the OS error named once. A full disk stays an
/// I/O error, with its advice.
fn cannot_make(dir: &Path, e: std::io::Error) -> OutputError {
    let full = matches!(e.raw_os_error(), Some(28) | Some(122))
        || matches!(
            e.kind(),
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
        );
    if full {
        return io_err(dir)(e);
    }
    let hint = if e.kind() == std::io::ErrorKind::PermissionDenied {
        "this user cannot create it; choose another --out, or check the folder's permissions"
    } else {
        "choose another --out"
    };
    OutputError::Refused {
        path: dir.to_path_buf(),
        why: format!("cannot be made as an output folder ({e}); nothing was changed — {hint}"),
    }
}

/// The refusal naming the holder of `dir`'s lock. The holder writes its line
/// just after taking the lock, so give it a moment before reading.
fn busy(dir: &Path, file: &mut fs::File) -> OutputError {
    let mut holder = String::new();
    // A new holder rewrites the line just after taking the lock: wait a
    // moment, so a stale line of an earlier holder is not what is read.
    std::thread::sleep(std::time::Duration::from_millis(30));
    for _ in 0..20 {
        holder.clear();
        let _ = file.seek(SeekFrom::Start(0));
        let _ = file.read_to_string(&mut holder);
        if holder.ends_with('\n') && holder.contains(" started at ") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let holder = holder.trim();
    OutputError::Busy {
        path: dir.to_path_buf(),
        holder: if holder.is_empty() {
            "another grassroots process".into()
        } else {
            holder.to_string()
        },
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = FileExt::unlock(&self.file);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_naming_the_holder_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = DirLock::acquire(dir.path(), "grassroots sweep a.toml").unwrap();
        let err = DirLock::acquire(dir.path(), "grassroots sweep b.toml").unwrap_err();
        let message = err.to_string();
        assert!(message.contains("in use"), "{message}");
        assert!(message.contains("grassroots sweep a.toml"), "{message}");
        assert!(
            message.contains(&std::process::id().to_string()),
            "{message}"
        );
        drop(first);
        DirLock::acquire(dir.path(), "grassroots sweep b.toml").unwrap();
    }
}
