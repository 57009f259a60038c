//! The schema's versions, embedded in the binary and applied in order by sqlx's
//! migrator (which records them in `_sqlx_migrations` and refuses edited ones).

use std::borrow::Cow;

use futures_util::future::BoxFuture;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use sqlx::AnyPool;

/// (version, description, SQL). Append only: never edit a released migration.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("migrations/0001_init.sql")),
    (
        2,
        "tasks and directory",
        include_str!("migrations/0002_tasks.sql"),
    ),
    (4, "meetings", include_str!("migrations/0004_meetings.sql")),
    (
        5,
        "calendar and reminders",
        include_str!("migrations/0005_calendar.sql"),
    ),
    (
        6,
        "calendar feed tokens",
        include_str!("migrations/0006_feed_tokens.sql"),
    ),
    (
        7,
        "voiceprints and their consent record",
        include_str!("migrations/0007_voiceprints.sql"),
    ),
];

#[derive(Debug)]
struct Embedded;

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(self) -> BoxFuture<'s, Result<Vec<Migration>, BoxDynError>> {
        Box::pin(async {
            Ok(MIGRATIONS
                .iter()
                .map(|&(version, description, sql)| {
                    Migration::new(
                        version,
                        Cow::Borrowed(description),
                        MigrationType::Simple,
                        Cow::Borrowed(sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

pub(super) async fn run(pool: &AnyPool) -> Result<(), sqlx::migrate::MigrateError> {
    Migrator::new(Embedded).await?.run(pool).await
}

/// The latest schema version this binary knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map(|m| m.0).unwrap_or(0)
}
