//! To-do lists: tasks with an assignee and a due date, from voice commands and from
//! meetings' action items. A task written with an `origin_key` already stored updates
//! that task instead of adding a second one, so processing a meeting again is safe.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{ids, now, Result, Store, StoreError};

/// Where a task came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Command,
    Meeting,
    Api,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Command => "command",
            Origin::Meeting => "meeting",
            Origin::Api => "api",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Origin> {
        match s {
            "command" => Ok(Origin::Command),
            "meeting" => Ok(Origin::Meeting),
            "api" => Ok(Origin::Api),
            other => Err(StoreError::Corrupt(format!("origin {other:?}"))),
        }
    }
}

/// `open` or `done`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Open,
    Done,
}

impl TaskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Open => "open",
            TaskStatus::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<TaskStatus> {
        match s {
            "open" => Some(TaskStatus::Open),
            "done" => Some(TaskStatus::Done),
            _ => None,
        }
    }
}

/// A task as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Task {
    pub id: String,
    pub title: String,
    /// Directory person id; `None` while nobody is assigned.
    pub assignee: Option<String>,
    pub assignee_name: Option<String>,
    /// `YYYY-MM-DD`, or RFC 3339 when a time was said.
    pub due: Option<String>,
    pub status: TaskStatus,
    pub origin: Origin,
    /// The meeting or command it came from.
    pub origin_id: Option<String>,
    #[serde(skip)]
    pub origin_key: Option<String>,
    pub notes: Option<String>,
    pub created_by: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// What a caller supplies to write a task.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTask {
    pub title: String,
    pub assignee: Option<String>,
    pub assignee_name: Option<String>,
    pub due: Option<String>,
    pub origin: Origin,
    pub origin_id: Option<String>,
    /// Identifies the task within its origin (e.g. `meeting:<id>:<item>`): writing a
    /// task with a stored key updates that task (title, assignee, due, notes) and keeps
    /// its id, status and creation time.
    pub origin_key: Option<String>,
    pub notes: Option<String>,
    pub created_by: Option<String>,
}

/// Which tasks a listing returns.
#[derive(Debug, Clone, Default)]
pub struct TaskQuery<'a> {
    pub assignee: Option<&'a str>,
    pub status: Option<TaskStatus>,
    pub origin_id: Option<&'a str>,
    pub limit: i64,
}

/// A change to a stored task; `None` fields are left as they are. `Some(None)` clears.
#[derive(Debug, Clone, Default)]
pub struct TaskPatch {
    pub title: Option<String>,
    pub assignee: Option<Option<(String, String)>>,
    pub due: Option<Option<String>>,
    pub status: Option<TaskStatus>,
    pub notes: Option<Option<String>>,
}

const COLUMNS: &str = "id, title, assignee, assignee_name, due, status, origin, origin_id, \
                       origin_key, notes, created_by, created_at, updated_at";

fn task_from_row(row: &AnyRow) -> Result<Task> {
    let status: String = row.try_get("status")?;
    let origin: String = row.try_get("origin")?;
    Ok(Task {
        id: row.try_get("id")?,
        title: row.try_get("title")?,
        assignee: row.try_get("assignee")?,
        assignee_name: row.try_get("assignee_name")?,
        due: row.try_get("due")?,
        status: TaskStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("task status {status:?}")))?,
        origin: Origin::parse(&origin)?,
        origin_id: row.try_get("origin_id")?,
        origin_key: row.try_get("origin_key")?,
        notes: row.try_get("notes")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

impl Store {
    /// Writes a task: a new one, or — when its `origin_key` is already stored — an
    /// update of that one. Returns the stored task.
    pub async fn upsert_task(&self, task: &NewTask) -> Result<Task> {
        let mut tx = self.begin_write().await?;
        let existing: Option<String> = match &task.origin_key {
            None => None,
            Some(key) => sqlx::query("SELECT id FROM tasks WHERE origin_key = $1")
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?
                .map(|row| row.try_get("id"))
                .transpose()?,
        };
        let stamp = now();
        let id = match existing {
            Some(id) => {
                sqlx::query(
                    "UPDATE tasks SET title = $1, assignee = $2, assignee_name = $3, due = $4, \
                     notes = $5, updated_at = $6 WHERE id = $7",
                )
                .bind(&task.title)
                .bind(task.assignee.clone())
                .bind(task.assignee_name.clone())
                .bind(task.due.clone())
                .bind(task.notes.clone())
                .bind(&stamp)
                .bind(&id)
                .execute(&mut *tx)
                .await?;
                id
            }
            None => {
                let id = ids::new_id("task");
                sqlx::query(&format!(
                    "INSERT INTO tasks ({COLUMNS}) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
                ))
                .bind(&id)
                .bind(&task.title)
                .bind(task.assignee.clone())
                .bind(task.assignee_name.clone())
                .bind(task.due.clone())
                .bind(TaskStatus::Open.as_str())
                .bind(task.origin.as_str())
                .bind(task.origin_id.clone())
                .bind(task.origin_key.clone())
                .bind(task.notes.clone())
                .bind(task.created_by.clone())
                .bind(&stamp)
                .bind(&stamp)
                .execute(&mut *tx)
                .await?;
                id
            }
        };
        tx.commit().await?;
        self.task(&id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("task {id} vanished after writing")))
    }

    /// One task by id.
    pub async fn task(&self, id: &str) -> Result<Option<Task>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM tasks WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(task_from_row).transpose()
    }

    /// Tasks, oldest first, filtered by assignee, status and origin.
    pub async fn tasks(&self, query: &TaskQuery<'_>) -> Result<Vec<Task>> {
        let mut sql = format!("SELECT {COLUMNS} FROM tasks WHERE 1 = 1");
        let mut binds: Vec<&str> = Vec::new();
        let status = query.status.map(TaskStatus::as_str);
        for (clause, value) in [
            ("assignee =", query.assignee),
            ("status =", status),
            ("origin_id =", query.origin_id),
        ] {
            if let Some(value) = value {
                binds.push(value);
                sql.push_str(&format!(" AND {clause} ${}", binds.len()));
            }
        }
        let limit = if query.limit <= 0 { 1000 } else { query.limit };
        sql.push_str(&format!(
            " ORDER BY id ASC LIMIT {}",
            limit.clamp(1, 10_000)
        ));
        let mut q = sqlx::query(&sql);
        for value in binds {
            q = q.bind(value);
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter().map(task_from_row).collect()
    }

    /// Applies a patch; `None` when there is no such task.
    pub async fn patch_task(&self, id: &str, patch: &TaskPatch) -> Result<Option<Task>> {
        let Some(mut task) = self.task(id).await? else {
            return Ok(None);
        };
        if let Some(title) = &patch.title {
            task.title = title.clone();
        }
        if let Some(assignee) = &patch.assignee {
            (task.assignee, task.assignee_name) = match assignee {
                Some((id, name)) => (Some(id.clone()), Some(name.clone())),
                None => (None, None),
            };
        }
        if let Some(due) = &patch.due {
            task.due = due.clone();
        }
        if let Some(status) = patch.status {
            task.status = status;
        }
        if let Some(notes) = &patch.notes {
            task.notes = notes.clone();
        }
        sqlx::query(
            "UPDATE tasks SET title = $1, assignee = $2, assignee_name = $3, due = $4, \
             status = $5, notes = $6, updated_at = $7 WHERE id = $8",
        )
        .bind(&task.title)
        .bind(task.assignee.clone())
        .bind(task.assignee_name.clone())
        .bind(task.due.clone())
        .bind(task.status.as_str())
        .bind(task.notes.clone())
        .bind(now())
        .bind(id)
        .execute(self.pool())
        .await?;
        self.task(id).await
    }

    /// Deletes the tasks of one origin whose keys are not in `keep` (an action item
    /// withdrawn when a meeting is processed again). Returns how many went.
    pub async fn delete_tasks_of_origin_except(
        &self,
        origin_id: &str,
        keep: &[String],
    ) -> Result<u64> {
        let rows = sqlx::query("SELECT id, origin_key FROM tasks WHERE origin_id = $1")
            .bind(origin_id)
            .fetch_all(self.pool())
            .await?;
        let mut gone = 0;
        for row in rows {
            let key: Option<String> = row.try_get("origin_key")?;
            if key.as_ref().is_some_and(|k| keep.contains(k)) {
                continue;
            }
            let id: String = row.try_get("id")?;
            gone += sqlx::query("DELETE FROM tasks WHERE id = $1")
                .bind(id)
                .execute(self.pool())
                .await?
                .rows_affected();
        }
        Ok(gone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&Store::default_url(dir.path())).await.unwrap();
        (dir, store)
    }

    fn item(key: &str, title: &str) -> NewTask {
        NewTask {
            title: title.into(),
            assignee: Some("p001".into()),
            assignee_name: Some("Chan Tai Man".into()),
            due: Some("2026-11-27".into()),
            origin: Origin::Meeting,
            origin_id: Some("mtg_1".into()),
            origin_key: Some(key.into()),
            notes: None,
            created_by: None,
        }
    }

    #[tokio::test]
    async fn the_same_origin_key_updates_instead_of_duplicating() {
        let (_dir, store) = store().await;
        let first = store
            .upsert_task(&item("mtg_1:a", "Draft budget"))
            .await
            .unwrap();
        store
            .patch_task(
                &first.id,
                &TaskPatch {
                    status: Some(TaskStatus::Done),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let again = store
            .upsert_task(&item("mtg_1:a", "Draft the budget"))
            .await
            .unwrap();
        assert_eq!(again.id, first.id);
        assert_eq!(again.title, "Draft the budget");
        assert_eq!(again.status, TaskStatus::Done, "an update keeps the status");
        let all = store.tasks(&TaskQuery::default()).await.unwrap();
        assert_eq!(all.len(), 1);
    }

    #[tokio::test]
    async fn lists_by_assignee_and_status_and_prunes_withdrawn_items() {
        let (_dir, store) = store().await;
        store.upsert_task(&item("mtg_1:a", "A")).await.unwrap();
        let mut b = item("mtg_1:b", "B");
        b.assignee = None;
        b.assignee_name = None;
        store.upsert_task(&b).await.unwrap();
        let mine = TaskQuery {
            assignee: Some("p001"),
            status: Some(TaskStatus::Open),
            ..Default::default()
        };
        assert_eq!(store.tasks(&mine).await.unwrap().len(), 1);
        let gone = store
            .delete_tasks_of_origin_except("mtg_1", &["mtg_1:a".to_string()])
            .await
            .unwrap();
        assert_eq!(gone, 1);
        let left = store.tasks(&TaskQuery::default()).await.unwrap();
        assert_eq!(
            left.iter().map(|t| t.title.as_str()).collect::<Vec<_>>(),
            ["A"]
        );
    }
}
