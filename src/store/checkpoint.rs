//! Checkpoints on a thread of their own while a run writes.
//!
//! In WAL mode every page a transaction changes is appended to the log, and a checkpoint
//! later copies the log into the database file. SQLite checkpoints in the committing
//! connection, so the single writer spent about an eighth of a cold fetch copying pages.
//! During a run a second connection, on this thread, checkpoints (`PASSIVE`: it never waits
//! for, nor blocks, the writer or a reader) every [`INTERVAL`], using the core the writer
//! does not. The writer checkpoints only when the log has grown past 64 MiB, to let it start
//! over (see `write::BULK_LOG_RESTART_BYTES`). Whatever is left when the run ends is
//! checkpointed when the last connection closes, as usual.

use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

/// How often the log is copied into the database during a run.
///
/// What the thread has not copied when the log passes 64 MiB, the writer copies itself, on
/// the run's critical path: every 100 ms instead of every 250 took 4 % off a cold fetch of
/// 1000 feeds (6 pairs), and 1000 ms added 8 %; every 40 ms was no faster than 100.
const INTERVAL: Duration = Duration::from_millis(100);

/// The checkpointing thread; stops (after a last checkpoint) when dropped.
pub struct Checkpointer {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing the database at `path` on a new connection and thread; `None`
    /// when the system refuses a thread (the writer then keeps checkpointing itself).
    pub(super) fn start(path: &Path) -> rusqlite::Result<Option<Checkpointer>> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let signal = Arc::clone(&stop);
        let spawned = std::thread::Builder::new()
            .name("checkpoint".to_string())
            .spawn(move || checkpoint_until_stopped(&conn, &signal));
        match spawned {
            Ok(thread) => Ok(Some(Checkpointer {
                stop,
                thread: Some(thread),
            })),
            Err(error) => {
                tracing::debug!("no checkpoint thread: {error}");
                Ok(None)
            }
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let (stopped, wake) = &*self.stop;
        *stopped.lock().unwrap_or_else(PoisonError::into_inner) = true;
        wake.notify_all();
        if let Some(thread) = self.thread.take() {
            // A checkpoint that panicked only leaves pages in the log for the next one.
            let _ = thread.join();
        }
    }
}

fn checkpoint_until_stopped(conn: &Connection, stop: &(Mutex<bool>, Condvar)) {
    let (stopped, wake) = stop;
    let mut guard = stopped.lock().unwrap_or_else(PoisonError::into_inner);
    while !*guard {
        guard = wake
            .wait_timeout(guard, INTERVAL)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
        // Best effort: a checkpoint that cannot run now runs later, or when the writer's
        // connection closes.
        if let Err(error) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::debug!("background checkpoint failed: {error}");
        }
    }
}
