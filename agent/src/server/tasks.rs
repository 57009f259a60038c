//! `GET /v1/tasks` and `PATCH /v1/tasks/{id}`: the to-do lists that commands and
//! meetings fill. Every role reads them; a task is changed by admin, a manager, or the
//! token that created it.

use axum::extract::{Path, Query, State};
use axum::Json;
use chrono::{DateTime, NaiveDate};
use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};

use super::auth::{Principal, Role};
use super::errors::{ApiError, JsonBody};
use super::AppState;
use crate::store::tasks::{Task, TaskPatch, TaskQuery, TaskStatus};

#[derive(Debug, Deserialize)]
pub struct ListParams {
    pub assignee: Option<String>,
    /// `open` or `done`.
    pub status: Option<String>,
    /// At most this many (default 1000).
    pub limit: Option<i64>,
}

/// `GET /v1/tasks?assignee=&status=` (any role): oldest first.
pub async fn list(
    State(state): State<AppState>,
    _principal: Principal,
    Query(params): Query<ListParams>,
) -> Result<Json<Value>, ApiError> {
    let status = params.status.as_deref().map(parse_status).transpose()?;
    let limit = params.limit.unwrap_or(1000);
    if !(1..=10_000).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_field",
            "limit: must be between 1 and 10000",
        ));
    }
    let tasks = state
        .store
        .tasks(&TaskQuery {
            assignee: params.assignee.as_deref(),
            status,
            origin_id: None,
            limit,
        })
        .await?;
    Ok(Json(json!({ "tasks": tasks })))
}

fn parse_status(s: &str) -> Result<TaskStatus, ApiError> {
    TaskStatus::parse(s).ok_or_else(|| {
        ApiError::bad_request(
            "invalid_field",
            format!("status: {s:?} is not `open` or `done`"),
        )
    })
}

/// A change to a task; absent fields stay, `null` clears (assignee, due, notes).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchBody {
    #[serde(default)]
    title: Option<String>,
    /// `open` or `done`.
    #[serde(default)]
    status: Option<String>,
    /// Shorthand for `status`: `true` is done, `false` open.
    #[serde(default)]
    done: Option<bool>,
    /// A directory person id, or `null` for nobody.
    #[serde(default, deserialize_with = "present")]
    assignee: Option<Option<String>>,
    /// `YYYY-MM-DD` or RFC 3339, or `null`.
    #[serde(default, deserialize_with = "present")]
    due: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    notes: Option<Option<String>>,
}

/// Tells a field sent as `null` (`Some(None)`) from one left out (`None`).
pub fn present<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}

/// `PATCH /v1/tasks/{id}` (admin, manager, or the task's creator): mark done or open,
/// reassign to a directory person, move the due date, retitle.
pub async fn patch(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<PatchBody>,
) -> Result<Json<Task>, ApiError> {
    let task = state
        .store
        .task(&id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no task {id:?}")))?;
    let own = task.created_by.as_deref() == Some(principal.token_id.as_str());
    if !(own || matches!(principal.role, Role::Admin | Role::Manager)) {
        return Err(ApiError::forbidden(
            "a task is changed by admin, a manager, or the token that created it",
        ));
    }
    let patch = task_patch(&state, body)?;
    let patched = state
        .store
        .patch_task(&id, &patch)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no task {id:?}")))?;
    Ok(Json(patched))
}

fn task_patch(state: &AppState, body: PatchBody) -> Result<TaskPatch, ApiError> {
    let bad = |message: String| ApiError::bad_request("invalid_field", message);
    let mut patch = TaskPatch::default();
    if let Some(title) = body.title {
        let title = title.trim();
        if title.is_empty() {
            return Err(bad("title: must not be empty".into()));
        }
        if title.chars().count() > 500 {
            return Err(bad("title: at most 500 characters".into()));
        }
        patch.title = Some(title.to_string());
    }
    patch.status = match (body.status.as_deref(), body.done) {
        (Some(_), Some(_)) => return Err(bad("done: give `status` or `done`, not both".into())),
        (Some(s), None) => Some(parse_status(s)?),
        (None, Some(done)) => Some(if done {
            TaskStatus::Done
        } else {
            TaskStatus::Open
        }),
        (None, None) => None,
    };
    if let Some(assignee) = body.assignee {
        patch.assignee = Some(match assignee {
            None => None,
            Some(id) => {
                let directory = state.directory.get();
                let person = directory.person(id.trim()).ok_or_else(|| {
                    bad(format!("assignee: {id:?} is not a person in the directory"))
                })?;
                Some((person.id.clone(), person.name.clone()))
            }
        });
    }
    if let Some(due) = body.due {
        patch.due = Some(due.map(|d| check_due(&d)).transpose()?);
    }
    if let Some(notes) = body.notes {
        patch.notes = Some(notes);
    }
    Ok(patch)
}

/// A due date as tasks store it: `YYYY-MM-DD`, or RFC 3339 when a time matters.
fn check_due(due: &str) -> Result<String, ApiError> {
    let due = due.trim();
    if NaiveDate::parse_from_str(due, "%Y-%m-%d").is_ok()
        || DateTime::parse_from_rfc3339(due).is_ok()
    {
        Ok(due.to_string())
    } else {
        Err(ApiError::bad_request(
            "invalid_field",
            format!("due: {due:?} is neither YYYY-MM-DD nor an RFC 3339 time"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_dates_and_times_are_checked() {
        assert_eq!(check_due("2026-12-01").unwrap(), "2026-12-01");
        assert!(check_due("2026-12-01T17:00:00+08:00").is_ok());
        let err = check_due("2026-02-30").unwrap_err();
        assert!(err.message.starts_with("due:"), "{}", err.message);
    }

    #[test]
    fn null_and_absent_differ() {
        let body: PatchBody = serde_json::from_str(r#"{"assignee": null}"#).unwrap();
        assert_eq!(body.assignee, Some(None));
        assert_eq!(body.due, None);
    }
}
