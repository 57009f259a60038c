//! Meetings and their minutes: a row per meeting (`processing → done | failed`), the
//! minutes as their JSON document. A meeting's `meeting_key` (its content) makes
//! submitting the same meeting again reuse its row.

use serde::Serialize;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::jobs::{insert_job, Job};
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

/// What submitting a meeting for processing did.
#[derive(Debug, Clone)]
pub enum Submitted {
    /// The meeting (new, or the stored one with the same key) and its queued job.
    Queued {
        meeting: Box<Meeting>,
        job: Box<Job>,
    },
    /// The same meeting is already being processed by this job: nothing was changed.
    Busy { meeting_id: String, job_id: String },
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

    /// Stores a meeting in state `processing` (new, or the one with the same key) and
    /// queues its job, in one transaction: either both are stored or neither. The job's
    /// input is made from the meeting's id. A meeting whose job is still queued or
    /// running is left alone ([`Submitted::Busy`]).
    pub async fn submit_meeting(
        &self,
        m: &NewMeeting,
        job_kind: &str,
        job_input: impl FnOnce(&str) -> Value,
        created_by: Option<&str>,
    ) -> Result<Submitted> {
        let at = now();
        let mut tx = self.begin_write().await?;
        let existing = sqlx::query("SELECT id, job_id FROM meetings WHERE meeting_key = $1")
            .bind(&m.key)
            .fetch_optional(&mut *tx)
            .await?;
        let existing: Option<(String, Option<String>)> = existing
            .map(|row| Ok::<_, StoreError>((row.try_get("id")?, row.try_get("job_id")?)))
            .transpose()?;
        if let Some((id, Some(job_id))) = &existing {
            let running =
                sqlx::query("SELECT id FROM jobs WHERE id = $1 AND state IN ('queued', 'running')")
                    .bind(job_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if running.is_some() {
                tx.rollback().await?;
                return Ok(Submitted::Busy {
                    meeting_id: id.clone(),
                    job_id: job_id.clone(),
                });
            }
        }
        let id = existing
            .as_ref()
            .map_or_else(|| ids::new_id("mtg"), |(id, _)| id.clone());
        let job_id = insert_job(&mut tx, job_kind, &job_input(&id), created_by).await?;
        if existing.is_some() {
            sqlx::query(
                "UPDATE meetings SET state = 'processing', error = NULL, title = $1, \
                 input = $2, job_id = $3, updated_at = $4 WHERE id = $5",
            )
            .bind(&m.title)
            .bind(&m.input)
            .bind(&job_id)
            .bind(&at)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        } else {
            sqlx::query(&format!(
                "INSERT INTO meetings ({COLUMNS}) VALUES \
                 ($1, $2, $3, $4, NULL, 'processing', $5, $6, NULL, NULL, $7, $8, $9)"
            ))
            .bind(&id)
            .bind(&m.key)
            .bind(&m.title)
            .bind(&m.meeting_at)
            .bind(&m.input)
            .bind(&job_id)
            .bind(m.created_by.clone())
            .bind(&at)
            .bind(&at)
            .execute(&mut *tx)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(db) if db.is_unique_violation() => {
                    StoreError::Conflict(format!("meeting {}", m.key))
                }
                _ => StoreError::Sql(e),
            })?;
        }
        tx.commit().await?;
        let meeting = self
            .meeting(&id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("meeting {id} vanished after writing")))?;
        let job = self
            .job(&job_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("job {job_id} vanished after insert")))?;
        Ok(Submitted::Queued {
            meeting: Box::new(meeting),
            job: Box::new(job),
        })
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

    /// Stores the minutes and marks the meeting done; the meeting takes the minutes'
    /// title when they have one.
    pub async fn finish_meeting(&self, id: &str, language: &str, minutes: &Value) -> Result<()> {
        sqlx::query(
            "UPDATE meetings SET state = 'done', error = NULL, language = $1, minutes = $2, \
             title = COALESCE($3, title), updated_at = $4 WHERE id = $5",
        )
        .bind(language)
        .bind(minutes.to_string())
        .bind(minutes["title"].as_str().map(str::to_string))
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

    /// Replaces the stored minutes of a meeting that is `done` and unchanged since it was
    /// read (its `updated_at` is still `read_at`). `false`: someone else changed it first,
    /// or it is being processed again; nothing was written.
    pub async fn update_meeting_minutes_if_unchanged(
        &self,
        id: &str,
        minutes: &Value,
        read_at: &str,
    ) -> Result<bool> {
        let written = sqlx::query(
            "UPDATE meetings SET minutes = $1, updated_at = $2 \
             WHERE id = $3 AND updated_at = $4 AND state = 'done'",
        )
        .bind(minutes.to_string())
        .bind(now())
        .bind(id)
        .bind(read_at)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(written == 1)
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
    /// newest first; only those `created_by` submitted when it is given.
    pub async fn meetings(
        &self,
        from: Option<&str>,
        to: Option<&str>,
        created_by: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Meeting>> {
        let mut sql = format!("SELECT {COLUMNS} FROM meetings WHERE 1 = 1");
        let mut binds = Vec::new();
        for (clause, value) in [
            ("meeting_at >=", from),
            ("meeting_at <", to),
            ("created_by =", created_by),
        ] {
            if let Some(value) = value {
                binds.push(value);
                sql.push_str(&format!(" AND {clause} ${}", binds.len()));
            }
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
                None,
                50,
            )
            .await
            .unwrap();
        assert_eq!(listed.len(), 1);
        assert!(store
            .meetings(Some("2026-11-25"), None, None, 50)
            .await
            .unwrap()
            .is_empty());
    }

    #[tokio::test]
    async fn a_meeting_and_its_job_are_stored_together_and_a_busy_one_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&Store::default_url(dir.path())).await.unwrap();
        let new = NewMeeting {
            key: "k2".into(),
            title: "Ops".into(),
            meeting_at: "2026-11-24T09:30:00+08:00".into(),
            input: "transcript".into(),
            created_by: Some("tok_1".into()),
        };
        let input = |id: &str| serde_json::json!({"meeting_id": id});
        let Submitted::Queued { meeting, job } = store
            .submit_meeting(&new, "minutes", input, Some("tok_1"))
            .await
            .unwrap()
        else {
            panic!("a new meeting is queued");
        };
        assert_eq!(meeting.job_id.as_deref(), Some(job.id.as_str()));
        assert_eq!(job.input["meeting_id"], meeting.id.as_str());
        match store
            .submit_meeting(&new, "minutes", input, Some("tok_1"))
            .await
            .unwrap()
        {
            Submitted::Busy { meeting_id, job_id } => {
                assert_eq!((meeting_id, job_id), (meeting.id.clone(), job.id.clone()));
            }
            other => panic!("{other:?}"),
        }
        let claimed = store.claim_next_job("w").await.unwrap().unwrap();
        store.fail_job(&claimed.id, "boom").await.unwrap();
        let Submitted::Queued {
            meeting: again,
            job: second,
        } = store
            .submit_meeting(&new, "minutes", input, Some("tok_1"))
            .await
            .unwrap()
        else {
            panic!("a finished meeting is queued again");
        };
        assert_eq!(again.id, meeting.id);
        assert_ne!(second.id, job.id);
        store
            .finish_meeting(&again.id, "en", &serde_json::json!({"title": "Ops weekly"}))
            .await
            .unwrap();
        let done = store.meeting(&again.id).await.unwrap().unwrap();
        assert_eq!(done.title, "Ops weekly");
        assert!(store
            .update_meeting_minutes_if_unchanged(&done.id, &serde_json::json!({}), &done.updated_at)
            .await
            .unwrap());
        assert!(
            !store
                .update_meeting_minutes_if_unchanged(
                    &done.id,
                    &serde_json::json!({}),
                    &done.updated_at
                )
                .await
                .unwrap(),
            "a stale read does not overwrite"
        );
    }
}
