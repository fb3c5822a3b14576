//! The run lock: a lock file next to the database, so that two `run`s or `fetch`es never
//! overlap (SPEC §5). Readers (`query`, `publish`, `serve`) do not take it.
//!
//! The lock is an advisory `flock`-style lock held on an open file, so it is released by the
//! operating system when the process dies, even by `kill -9`: a stale lock file never blocks a
//! later run.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds it.
    #[error("another frontpage run is in progress (lock file {} is held)", path.display())]
    Busy {
        /// The lock file.
        path: PathBuf,
    },
    /// The lock file could not be created or locked.
    #[error("cannot lock {}: {error}", path.display())]
    Io {
        /// The lock file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
}

/// A held run lock; released when dropped.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

impl RunLock {
    /// The lock file that belongs to `database`: the same path with `.lock` appended.
    pub fn path_for(database: &Path) -> PathBuf {
        let mut name = database.as_os_str().to_owned();
        name.push(".lock");
        PathBuf::from(name)
    }

    /// Takes the run lock of `database` without waiting.
    pub fn acquire(database: &Path) -> Result<RunLock, LockError> {
        let path = Self::path_for(database);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|error| LockError::Io {
                path: path.clone(),
                error,
            })?;
        match file.try_lock() {
            Ok(()) => Ok(RunLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(LockError::Busy { path }),
            Err(TryLockError::Error(error)) => Err(LockError::Io { path, error }),
        }
    }
}
