//! The service's copy of the company directory, versioned: each upload adds a version
//! and the newest is in force, so replacing the directory never loses the old one.

use sqlx::Row;

use super::{now, Result, Store, StoreError};

/// One stored version of the directory (the JSON text of INTERFACES.md §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryVersion {
    pub version: i64,
    pub document: String,
    pub created_by: Option<String>,
    pub created_at: String,
}

impl Store {
    /// Stores `document` (already checked by the caller) as the newest version.
    pub async fn put_directory(
        &self,
        document: &str,
        created_by: Option<&str>,
    ) -> Result<DirectoryVersion> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query("SELECT MAX(version) AS v FROM directory_versions")
            .fetch_one(&mut *tx)
            .await?;
        let latest: Option<i64> = row.try_get("v")?;
        let version = latest.unwrap_or(0) + 1;
        let created_at = now();
        sqlx::query(
            "INSERT INTO directory_versions (version, document, created_by, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(version)
        .bind(document)
        .bind(created_by.map(str::to_string))
        .bind(&created_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(format!("directory version {version}"))
            }
            _ => StoreError::Sql(e),
        })?;
        tx.commit().await?;
        Ok(DirectoryVersion {
            version,
            document: document.to_string(),
            created_by: created_by.map(str::to_string),
            created_at,
        })
    }

    /// The version in force, without its document (a cheap check for a newer one).
    pub async fn directory_version(&self) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT MAX(version) AS v FROM directory_versions")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("v")?)
    }

    /// The directory in force, if one was ever stored.
    pub async fn directory(&self) -> Result<Option<DirectoryVersion>> {
        let row = sqlx::query(
            "SELECT version, document, created_by, created_at FROM directory_versions \
             ORDER BY version DESC LIMIT 1",
        )
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| {
            Ok(DirectoryVersion {
                version: row.try_get("version")?,
                document: row.try_get("document")?,
                created_by: row.try_get("created_by")?,
                created_at: row.try_get("created_at")?,
            })
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_newest_version_is_in_force_and_old_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&Store::default_url(dir.path())).await.unwrap();
        assert!(store.directory().await.unwrap().is_none());
        let v1 = store
            .put_directory(r#"{"people":[]}"#, Some("admin"))
            .await
            .unwrap();
        let v2 = store
            .put_directory(r#"{"people":[],"departments":[]}"#, None)
            .await
            .unwrap();
        assert_eq!((v1.version, v2.version), (1, 2));
        let current = store.directory().await.unwrap().unwrap();
        assert_eq!(current.version, 2);
        assert_eq!(store.directory_version().await.unwrap(), Some(2));
        let count = sqlx::query("SELECT COUNT(*) AS n FROM directory_versions")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(count.try_get::<i64, _>("n").unwrap(), 2);
    }
}
