//! A section of work only one writer at a time may be in — across the threads of a
//! process, the processes sharing a SQLite file (the service and a `mishu command` run
//! beside it) and, on PostgreSQL, every server using the database. Used where a check
//! and the write it decides must not interleave with another's.

use std::fs::{File, OpenOptions};
use std::path::PathBuf;

use sqlx::Any;

use super::{Backend, Result, Store, StoreError};

/// Held while in the section; dropping it lets the next writer in.
pub struct Exclusive {
    // Both are held only for their drop: the file's lock is released when it closes,
    // an advisory transaction lock when its transaction ends (dropped: rolled back).
    _file: Option<File>,
    _transaction: Option<sqlx::Transaction<'static, Any>>,
    _local: Option<tokio::sync::MutexGuard<'static, ()>>,
}

/// For a database with no file (in memory): nobody outside this process can reach it.
static IN_MEMORY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

impl Store {
    /// Waits until no one else is in the section called `name` (a few lowercase
    /// letters), then enters it.
    pub async fn exclusive(&self, name: &'static str) -> Result<Exclusive> {
        match (self.backend, self.sqlite_file()) {
            (Backend::Postgres, _) => {
                let mut transaction = self.pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(section_key(name))
                    .execute(&mut *transaction)
                    .await?;
                Ok(Exclusive {
                    _file: None,
                    _transaction: Some(transaction),
                    _local: None,
                })
            }
            (Backend::Sqlite, Some(db)) => {
                let mut path = db.into_os_string();
                path.push(format!(".{name}.lock"));
                let path = PathBuf::from(path);
                let shown = path.display().to_string();
                let file = tokio::task::spawn_blocking(move || {
                    // Each entry opens the file anew: locks of separate opens exclude
                    // each other, within one process as between processes.
                    let file = OpenOptions::new()
                        .create(true)
                        .truncate(false)
                        .write(true)
                        .open(&path)?;
                    file.lock()?;
                    Ok::<_, std::io::Error>(file)
                })
                .await
                .unwrap_or_else(|e| Err(std::io::Error::other(e)))
                .map_err(|source| StoreError::Lock {
                    path: shown,
                    source,
                })?;
                Ok(Exclusive {
                    _file: Some(file),
                    _transaction: None,
                    _local: None,
                })
            }
            (Backend::Sqlite, None) => Ok(Exclusive {
                _file: None,
                _transaction: None,
                _local: Some(IN_MEMORY.lock().await),
            }),
        }
    }
}

/// A stable 64-bit key for PostgreSQL's advisory locks (FNV-1a of the name).
fn section_key(name: &str) -> i64 {
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    hash as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn two_stores_on_one_file_never_share_the_section() {
        let dir = tempfile::tempdir().unwrap();
        let url = Store::default_url(dir.path());
        let stores = [
            Store::open(&url).await.unwrap(),
            Store::open(&url).await.unwrap(),
        ];
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let entries: Vec<_> = (0..8)
            .map(|i| {
                let store = stores[i % 2].clone();
                let (inside, most) = (inside.clone(), most.clone());
                tokio::spawn(async move {
                    let _section = store.exclusive("test").await.unwrap();
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    inside.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for entry in entries {
            entry.await.unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 1);
        assert!(dir.path().join("mishu.db.test.lock").exists());
    }

    #[tokio::test]
    async fn a_lock_that_cannot_be_made_is_named_and_is_not_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&Store::default_url(dir.path())).await.unwrap();
        // A directory where the lock file would go.
        std::fs::create_dir(dir.path().join("mishu.db.test.lock")).unwrap();
        let err = match store.exclusive("test").await {
            Ok(_) => panic!("a directory was locked as a file"),
            Err(e) => e,
        };
        assert!(matches!(err, StoreError::Lock { .. }), "{err:?}");
        assert!(err.to_string().contains("mishu.db.test.lock"), "{err}");
    }

    #[test]
    fn sections_have_distinct_stable_keys() {
        assert_eq!(section_key("save"), section_key("save"));
        assert_ne!(section_key("save"), section_key("sync"));
    }
}
