//! Meetings and their minutes: a row per meeting (`processing → done | failed`), the
//! minutes as their JSON document. A meeting's `meeting_key` (its content) makes
//! submitting the same meeting again reuse its row.

use serde::Serialize;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{ids, now, Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Meeting {
    pub id: String,
    pub title: String,
    pub meeting_at: String,
    pub language: Option<String>,
    /// `processing`, `done` or `failed`.
    pub state: String,
    /// `audio`, `transcript` or `cli`.
    pub input: String,
    pub job_id: Option<String>,
    pub error: Option<String>,
    pub minutes: Option<Value>,
    #[serde(skip)]
    pub meeting_key: String,
    #[serde(skip)]
    pub created_by: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone)]
pub struct NewMeeting {
    pub key: String,
    pub title: String,
    pub meeting_at: String,
    pub input: String,
    pub created_by: Option<String>,
}

const COLUMNS: &str = "id, meeting_key, title, meeting_at, language, state, input, job_id, \
                       error, minutes, created_by, created_at, updated_at";

fn meeting_from_row(row: &AnyRow) -> Result<Meeting> {
    let minutes: Option<String> = row.try_get("minutes")?;
    Ok(Meeting {
        id: row.try_get("id")?,
        meeting_key: row.try_get("meeting_key")?,
        title: row.try_get("title")?,
        meeting_at: row.try_get("meeting_at")?,
        language: row.try_get("language")?,
        state: row.try_get("state")?,
        input: row.try_get("input")?,
        job_id: row.try_get("job_id")?,
        error: row.try_get("error")?,
        minutes: minutes
            .map(|m| serde_json::from_str(&m).map_err(|e| StoreError::Corrupt(e.to_string())))
            .transpose()?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

impl Store {
    /// A new meeting in state `processing`, or — when one with the same key exists —
    /// that one, back in `processing` (its minutes stay until new ones replace them).
    pub async fn create_meeting(&self, m: &NewMeeting) -> Result<Meeting> {
        let at = now();
        let existing = sqlx::query("SELECT id FROM meetings WHERE meeting_key = $1")
            .bind(&m.key)
            .fetch_optional(self.pool())
            .await?;
        let id = match existing {
            Some(row) => {
                let id: String = row.try_get("id")?;
                sqlx::query(
                    "UPDATE meetings SET state = 'processing', error = NULL, title = $1, \
                     input = $2, updated_at = $3 WHERE id = $4",
                )
                .bind(&m.title)
                .bind(&m.input)
                .bind(&at)
                .bind(&id)
                .execute(self.pool())
                .await?;
                id
            }
            None => {
                let id = ids::new_id("mtg");
                sqlx::query(&format!(
                    "INSERT INTO meetings ({COLUMNS}) VALUES \
                     ($1, $2, $3, $4, NULL, 'processing', $5, NULL, NULL, NULL, $6, $7, $8)"
                ))
                .bind(&id)
                .bind(&m.key)
                .bind(&m.title)
                .bind(&m.meeting_at)
                .bind(&m.input)
                .bind(m.created_by.clone())
                .bind(&at)
                .bind(&at)
                .execute(self.pool())
                .await?;
                id
            }
        };
        self.meeting(&id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("meeting {id} vanished after writing")))
    }

    pub async fn set_meeting_job(&self, id: &str, job_id: &str) -> Result<()> {
        sqlx::query("UPDATE meetings SET job_id = $1, updated_at = $2 WHERE id = $3")
            .bind(job_id)
            .bind(now())
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Stores the minutes and marks the meeting done.
    pub async fn finish_meeting(&self, id: &str, language: &str, minutes: &Value) -> Result<()> {
        sqlx::query(
            "UPDATE meetings SET state = 'done', error = NULL, language = $1, minutes = $2, \
             updated_at = $3 WHERE id = $4",
        )
        .bind(language)
        .bind(minutes.to_string())
        .bind(now())
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Replaces the stored minutes (an edited action item).
    pub async fn update_meeting_minutes(&self, id: &str, minutes: &Value) -> Result<()> {
        sqlx::query("UPDATE meetings SET minutes = $1, updated_at = $2 WHERE id = $3")
            .bind(minutes.to_string())
            .bind(now())
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Marks the meeting failed with the reason; minutes stored before stay.
    pub async fn fail_meeting(&self, id: &str, error: &str) -> Result<()> {
        sqlx::query(
            "UPDATE meetings SET state = 'failed', error = $1, updated_at = $2 WHERE id = $3",
        )
        .bind(error)
        .bind(now())
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn meeting(&self, id: &str) -> Result<Option<Meeting>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM meetings WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(meeting_from_row).transpose()
    }

    /// Meetings whose time is in [`from`, `to`) (RFC 3339 text compared as stored),
    /// newest first.
    pub async fn meetings(
        &self,
        from: Option<&str>,
        to: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Meeting>> {
        let mut sql = format!("SELECT {COLUMNS} FROM meetings WHERE 1 = 1");
        let mut binds = Vec::new();
        if let Some(f) = from {
            binds.push(f);
            sql.push_str(&format!(" AND meeting_at >= ${}", binds.len()));
        }
        if let Some(t) = to {
            binds.push(t);
            sql.push_str(&format!(" AND meeting_at < ${}", binds.len()));
        }
        sql.push_str(&format!(
            " ORDER BY meeting_at DESC LIMIT {}",
            limit.clamp(1, 1000)
        ));
        let mut q = sqlx::query(&sql);
        for b in binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter().map(meeting_from_row).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_same_key_reuses_the_meeting() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&Store::default_url(dir.path())).await.unwrap();
        let new = NewMeeting {
            key: "k1".into(),
            title: "Sales".into(),
            meeting_at: "2026-11-24T09:30:00+08:00".into(),
            input: "transcript".into(),
            created_by: None,
        };
        let a = store.create_meeting(&new).await.unwrap();
        store
            .finish_meeting(&a.id, "en", &serde_json::json!({"action_items": []}))
            .await
            .unwrap();
        let b = store.create_meeting(&new).await.unwrap();
        assert_eq!(a.id, b.id);
        assert_eq!(b.state, "processing");
        assert!(b.minutes.is_some(), "old minutes stay until replaced");
        let listed = store
            .meetings(
                Some("2026-11-24T00:00:00+08:00"),
                Some("2026-11-25T00:00:00+08:00"),
                50,
            )
            .await
            .unwrap();
        assert_eq!(listed.len(), 1);
        assert!(store
            .meetings(Some("2026-11-25"), None, 50)
            .await
            .unwrap()
            .is_empty());
    }
}
