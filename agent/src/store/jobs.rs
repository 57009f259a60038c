//! The job queue: long work is a row that goes queued → running → done | failed, with
//! its progress. A worker takes the oldest queued job atomically (`UPDATE … WHERE id =
//! (SELECT … LIMIT 1) AND state = 'queued' RETURNING …`; on PostgreSQL the inner select
//! also says `FOR UPDATE SKIP LOCKED`, so several nodes can share one queue).
//!
//! The restart rule: jobs this node was running when it stopped are put back in the queue
//! when it starts again ([`Store::requeue_interrupted`]); a job interrupted
//! `max_attempts` times is failed instead, so a job that crashes the process cannot
//! crash it forever.

use serde::Serialize;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use sqlx::Row;

use super::{ids, now, Backend, Result, Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<JobState> {
        Ok(match s {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "done" => JobState::Done,
            "failed" => JobState::Failed,
            other => return Err(StoreError::Corrupt(format!("job state {other:?}"))),
        })
    }

    /// Done or failed: nothing more will happen to the job.
    pub fn is_finished(self) -> bool {
        matches!(self, JobState::Done | JobState::Failed)
    }
}

/// A job as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub state: JobState,
    /// From 0 to 1.
    pub progress: f64,
    /// What the job is doing now, or why it was requeued.
    pub message: Option<String>,
    pub input: Value,
    pub result: Option<Value>,
    pub error: Option<String>,
    /// How many times a worker has started it.
    pub attempts: i64,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub updated_at: String,
    #[serde(skip)]
    pub created_by: Option<String>,
    #[serde(skip)]
    pub worker: Option<String>,
}

const COLUMNS: &str = "id, kind, state, progress, message, input, result, error, attempts, \
                       created_at, started_at, finished_at, updated_at, created_by, worker";

fn job_from_row(row: &AnyRow) -> Result<Job> {
    let json = |text: Option<String>| -> Result<Option<Value>> {
        text.map(|t| serde_json::from_str(&t).map_err(|e| StoreError::Corrupt(e.to_string())))
            .transpose()
    };
    let state: String = row.try_get("state")?;
    let input: String = row.try_get("input")?;
    Ok(Job {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        state: JobState::parse(&state)?,
        progress: row.try_get("progress")?,
        message: row.try_get("message")?,
        input: json(Some(input))?.unwrap_or(Value::Null),
        result: json(row.try_get("result")?)?,
        error: row.try_get("error")?,
        attempts: row.try_get("attempts")?,
        created_at: row.try_get("created_at")?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
        updated_at: row.try_get("updated_at")?,
        created_by: row.try_get("created_by")?,
        worker: row.try_get("worker")?,
    })
}

/// Inserts a queued job on `conn` (a transaction's, when the job must be stored together
/// with something else) and returns its id.
pub(super) async fn insert_job(
    conn: &mut AnyConnection,
    kind: &str,
    input: &Value,
    created_by: Option<&str>,
) -> Result<String> {
    let id = ids::new_id("job");
    let at = now();
    sqlx::query(
        "INSERT INTO jobs (id, kind, state, input, progress, attempts, created_by, \
         created_at, updated_at) VALUES ($1, $2, 'queued', $3, 0, 0, $4, $5, $6)",
    )
    .bind(&id)
    .bind(kind)
    .bind(input.to_string())
    .bind(created_by.map(str::to_string))
    .bind(&at)
    .bind(&at)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

impl Store {
    /// Queues a job and returns it.
    pub async fn enqueue_job(
        &self,
        kind: &str,
        input: &Value,
        created_by: Option<&str>,
    ) -> Result<Job> {
        let mut conn = self.pool().acquire().await?;
        let id = insert_job(&mut conn, kind, input, created_by).await?;
        drop(conn);
        self.job(&id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("job {id} vanished after insert")))
    }

    pub async fn job(&self, id: &str) -> Result<Option<Job>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM jobs WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(job_from_row).transpose()
    }

    /// Takes the oldest queued job for `worker`, marking it running; `None` when the
    /// queue is empty.
    pub async fn claim_next_job(&self, worker: &str) -> Result<Option<Job>> {
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let at = now();
        let sql = format!(
            "UPDATE jobs SET state = 'running', worker = $1, attempts = attempts + 1, \
             progress = 0, message = NULL, started_at = $2, updated_at = $3 \
             WHERE id = (SELECT id FROM jobs WHERE state = 'queued' \
                         ORDER BY created_at, id LIMIT 1{lock}) \
             AND state = 'queued' RETURNING {COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(worker)
            .bind(&at)
            .bind(&at)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(job_from_row).transpose()
    }

    /// Records progress (clamped to [0, 1]) of a running job.
    pub async fn set_job_progress(&self, id: &str, progress: f64, message: &str) -> Result<()> {
        sqlx::query(
            "UPDATE jobs SET progress = $1, message = $2, updated_at = $3 \
             WHERE id = $4 AND state = 'running'",
        )
        .bind(progress.clamp(0.0, 1.0))
        .bind(message)
        .bind(now())
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Marks a running job done with its result.
    pub async fn finish_job(&self, id: &str, result: &Value) -> Result<()> {
        let at = now();
        sqlx::query(
            "UPDATE jobs SET state = 'done', progress = 1, message = NULL, result = $1, \
             finished_at = $2, updated_at = $3 WHERE id = $4 AND state = 'running'",
        )
        .bind(result.to_string())
        .bind(&at)
        .bind(&at)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Marks a running job failed with a message for the user.
    pub async fn fail_job(&self, id: &str, error: &str) -> Result<()> {
        let at = now();
        sqlx::query(
            "UPDATE jobs SET state = 'failed', error = $1, finished_at = $2, updated_at = $3 \
             WHERE id = $4 AND state = 'running'",
        )
        .bind(error)
        .bind(&at)
        .bind(&at)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The restart rule: puts the jobs `worker` was running back in the queue, and fails
    /// those already started `max_attempts` times. Returns (requeued, failed).
    pub async fn requeue_interrupted(&self, worker: &str, max_attempts: i64) -> Result<(u64, u64)> {
        let at = now();
        let failed = sqlx::query(
            "UPDATE jobs SET state = 'failed', \
             error = 'interrupted by restarts too many times; not retried', \
             finished_at = $1, updated_at = $2 \
             WHERE state = 'running' AND worker = $3 AND attempts >= $4",
        )
        .bind(&at)
        .bind(&at)
        .bind(worker)
        .bind(max_attempts)
        .execute(self.pool())
        .await?
        .rows_affected();
        let requeued = sqlx::query(
            "UPDATE jobs SET state = 'queued', worker = NULL, started_at = NULL, progress = 0, \
             message = 'requeued after a restart', updated_at = $1 \
             WHERE state = 'running' AND worker = $2",
        )
        .bind(&at)
        .bind(worker)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok((requeued, failed))
    }
}
