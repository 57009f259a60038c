//! The service's database: an embedded SQLite file in the data directory by default, or
//! PostgreSQL from a `postgres://` URL. One code path speaks both through sqlx's `Any`
//! driver; the SQL is kept portable (text ids and times, `$n` parameters in order,
//! `RETURNING`), and the schema is versioned migrations embedded in the binary.

pub mod alerts;
pub mod claims;
pub mod directory;
pub mod events;
mod exclusive;
pub mod feeds;
pub mod ids;
pub mod jobs;
pub mod meetings;
mod migrations;
pub mod reminders;
pub mod tasks;
pub mod tokens;
pub mod voices;

pub use exclusive::Exclusive;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

/// What went wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {url}: {source}")]
    Connect {
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("database holds a value it cannot read back: {0}")]
    Corrupt(String),
    #[error("{0} already exists")]
    Conflict(String),
    /// A value the caller gave that cannot be stored (a bad time, zone or rule).
    #[error("{0}")]
    Invalid(String),
    /// The lock file beside a SQLite database could not be made or taken.
    #[error("cannot lock {path}: {source}")]
    Lock {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Which database is behind the pool; a few statements differ (row locking).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool with the schema migrated to the latest version.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    url: String,
}

impl Store {
    /// The default database URL for a data directory: `sqlite://DIR/mishu.db`.
    pub fn default_url(data_dir: &Path) -> String {
        format!("sqlite://{}?mode=rwc", data_dir.join("mishu.db").display())
    }

    /// Connects and applies pending migrations.
    pub async fn open(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        let connect_err = |source| StoreError::Connect {
            url: redact(url),
            source,
        };
        let options = AnyConnectOptions::from_str(url).map_err(connect_err)?;
        let mut pool = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(10))
            .max_connections(match backend {
                // SQLite has one writer; a few readers are plenty.
                Backend::Sqlite => 4,
                Backend::Postgres => 16,
            });
        if backend == Backend::Sqlite {
            pool = pool.after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                         PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;",
                    )
                    .await?;
                    Ok(())
                })
            });
        }
        let pool = pool.connect_with(options).await.map_err(connect_err)?;
        migrations::run(&pool).await?;
        Ok(Store {
            pool,
            backend,
            url: url.to_string(),
        })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A transaction that writes. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`), waiting for another writer as long as the busy timeout allows: a
    /// plain `BEGIN` that reads first and writes later fails at once with "database is
    /// locked" when another connection wrote in between.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The SQLite database's file; `None` on PostgreSQL and for a database in memory.
    fn sqlite_file(&self) -> Option<PathBuf> {
        (self.backend == Backend::Sqlite)
            .then(|| sqlite_file(&self.url))
            .flatten()
    }

    /// Cheap round trip, for the health check.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection (waits for those in use).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The schema version this binary migrates databases to.
pub fn schema_version() -> i64 {
    migrations::latest_version()
}

/// The file a `sqlite:` URL names (`sqlite://PATH?options`, `sqlite:PATH`); `None` for
/// a database in memory.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The current time as fixed-width RFC 3339 UTC text (microseconds), so that times sort.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_the_password_only() {
        assert_eq!(
            redact("postgres://mishu:secret@db:5432/mishu"),
            "postgres://mishu:***@db:5432/mishu"
        );
        assert_eq!(redact("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
    }

    #[test]
    fn finds_the_sqlite_file_of_a_url() {
        let file = |url| sqlite_file(url).map(|p| p.display().to_string());
        assert_eq!(
            file("sqlite:///data/mishu.db?mode=rwc").as_deref(),
            Some("/data/mishu.db")
        );
        assert_eq!(file("sqlite:mishu.db").as_deref(), Some("mishu.db"));
        assert_eq!(file("sqlite::memory:"), None);
        assert_eq!(file("postgres://db/mishu"), None);
    }
}
