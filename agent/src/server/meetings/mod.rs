//! The meeting routes: submit a recording or transcript (a `minutes` job), read the
//! meeting with its progress and minutes, follow the job's events, the minutes as
//! Markdown, edit an action item, list meetings.
//!
//! Who sees what: anyone with a token may submit a meeting; a meeting is seen and edited
//! by whoever submitted it (or queued its current job), by managers and by admin.

mod edit;
mod job;
pub mod submission;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, NaiveDate};
use serde::Deserialize;
use serde_json::{json, Value};

pub use job::{JobInput, MinutesHandler, MINUTES_JOB};

use super::auth::{Principal, Role};
use super::errors::{parse_json, read_json_bytes, ApiError};
use super::{jobs, AppState};
use crate::directory::Directory;
use crate::minutes::language::Language;
use crate::minutes::sync::task_key;
use crate::minutes::{output, Minutes};
use crate::store::jobs::JobState;
use crate::store::meetings::{Meeting, NewMeeting, Submitted};
use crate::store::tasks::TaskQuery;
use submission::SubmittedSource;

/// `POST /v1/meetings`: 202 `{"id", "job_id"}` once the meeting and its job are stored.
pub async fn submit(
    State(state): State<AppState>,
    principal: Principal,
    request: Request,
) -> Result<Response, ApiError> {
    let submission = submission::read(request, &state).await?;
    let new = NewMeeting {
        key: submission.key(),
        title: submission.provisional_title(),
        meeting_at: submission
            .now
            .with_timezone(&submission.tz)
            .fixed_offset()
            .to_rfc3339(),
        input: match submission.source {
            SubmittedSource::Transcript { .. } => "transcript",
            SubmittedSource::Audio(_) => "audio",
        }
        .into(),
        created_by: Some(principal.token_id.clone()),
    };
    let (transcript, upload) = match submission.source {
        SubmittedSource::Transcript { text, .. } => (Some(text), None),
        SubmittedSource::Audio(upload) => (None, Some(upload)),
    };
    let audio_name = upload.as_ref().and_then(|u| {
        u.path
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
    });
    let now = submission.now.to_rfc3339();
    let tz = submission.tz.name().to_string();
    let make_input = |meeting_id: &str| {
        serde_json::to_value(JobInput {
            meeting_id: meeting_id.to_string(),
            transcript,
            audio: audio_name,
            now,
            tz,
            title: submission.title,
            attendees: submission.attendees,
        })
        .unwrap_or(Value::Null)
    };
    // On any error or a busy meeting, `upload` is dropped here and its file removed.
    let submitted = state
        .store
        .submit_meeting(&new, MINUTES_JOB, make_input, Some(&principal.token_id))
        .await?;
    match submitted {
        Submitted::Busy { meeting_id, job_id } => Err(ApiError::conflict(format!(
            "this meeting ({meeting_id}) is already being processed by job {job_id}; \
             follow /v1/meetings/{meeting_id}/events"
        ))),
        Submitted::Queued { meeting, job } => {
            if let Some(upload) = upload {
                upload.keep();
            }
            state.jobs.wake();
            let location = format!("/v1/meetings/{}", meeting.id);
            Ok((
                StatusCode::ACCEPTED,
                [(header::LOCATION, location)],
                Json(json!({"id": meeting.id, "job_id": job.id, "state": meeting.state})),
            )
                .into_response())
        }
    }
}

/// Admin and managers see every meeting; others the meetings they submitted.
fn sees_all(principal: &Principal) -> bool {
    matches!(principal.role, Role::Admin | Role::Manager)
}

async fn visible_meeting(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<Meeting, ApiError> {
    let meeting = state
        .store
        .meeting(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no meeting {id:?}")))?;
    if sees_all(principal) || meeting.created_by.as_deref() == Some(&principal.token_id) {
        return Ok(meeting);
    }
    if let Some(job_id) = &meeting.job_id {
        if let Some(job) = state.store.job(job_id).await? {
            if job.created_by.as_deref() == Some(&principal.token_id) {
                return Ok(meeting);
            }
        }
    }
    Err(ApiError::forbidden(
        "only whoever submitted a meeting, managers and admin may see it",
    ))
}

/// `GET /v1/meetings/{id}`: the meeting, its job's progress, and its minutes when done.
pub async fn get(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let meeting = visible_meeting(&state, &principal, &id).await?;
    let job = match &meeting.job_id {
        Some(job_id) => state.store.job(job_id).await?,
        None => None,
    };
    let mut body = serde_json::to_value(&meeting).map_err(ApiError::internal)?;
    // A job failed by the restart rule (interrupted too often) never ran its handler:
    // the meeting says what the job says.
    if let Some(job) = job.as_ref().filter(|j| j.state == JobState::Failed) {
        if meeting.state == "processing" {
            body["state"] = json!("failed");
            body["error"] = json!(job.error);
        }
    }
    let (progress, message) = match (&job, meeting.state.as_str()) {
        (_, "done") => (json!(1.0), Value::Null),
        (Some(job), _) => (json!(job.progress), json!(job.message)),
        (None, _) => (json!(0.0), Value::Null),
    };
    body["progress"] = progress;
    body["message"] = message;
    Ok(Json(body))
}

/// `GET /v1/meetings/{id}/events`: the events of the meeting's current job
/// (`event: job`), until it is done or failed.
pub async fn events(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let live = jobs::subscribe(&state);
    let meeting = visible_meeting(&state, &principal, &id).await?;
    let job_id = meeting.job_id.ok_or_else(|| {
        ApiError::not_found(format!(
            "meeting {id} has no job (it was stored from the command line)"
        ))
    })?;
    let job = state
        .store
        .job(&job_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no job {job_id:?}")))?;
    Ok(jobs::job_stream(state.store.clone(), job, live).into_response())
}

/// `GET /v1/meetings/{id}/minutes.md`: the minutes as Markdown, headings in the
/// meeting's language.
pub async fn markdown(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let meeting = visible_meeting(&state, &principal, &id).await?;
    let minutes = stored_minutes(&meeting)?;
    let text = format!(
        "{} {} {}",
        minutes.summary,
        minutes.decisions.join(" "),
        minutes
            .action_items
            .iter()
            .map(|a| a.task.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let script = output::heading_script(Language::detect(&text));
    Ok((
        [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
        minutes.to_markdown(script),
    )
        .into_response())
}

fn stored_minutes(meeting: &Meeting) -> Result<Minutes, ApiError> {
    let doc = meeting.minutes.clone().ok_or_else(|| {
        let why = match (meeting.state.as_str(), &meeting.error) {
            ("failed", Some(e)) => format!("it failed: {e}"),
            (state, _) => format!("it is {state}"),
        };
        ApiError::new(
            StatusCode::CONFLICT,
            "not_ready",
            format!("meeting {} has no minutes yet: {why}", meeting.id),
        )
    })?;
    serde_json::from_value(doc).map_err(ApiError::internal)
}

/// `PATCH /v1/meetings/{id}/action-items/{item}`: owner, due, task, confirmed. The owner's
/// to-do list follows (the task is written, moved or removed).
pub async fn patch_item(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, item_id)): Path<(String, String)>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    let bytes = read_json_bytes(request, &state).await?;
    let body: Value = parse_json(&bytes)?;
    let meeting = visible_meeting(&state, &principal, &id).await?;
    let directory = match state.store.directory().await? {
        Some(v) => Some(Directory::from_json(&v.document).map_err(ApiError::internal)?),
        None => None,
    };
    let edit = edit::ItemEdit::parse(&body, directory.as_ref())?;
    if meeting.state != "done" {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_ready",
            format!(
                "meeting {id} is {}: its items can be edited once its minutes are written",
                meeting.state
            ),
        ));
    }
    let mut minutes = stored_minutes(&meeting)?;
    let item = minutes
        .action_items
        .iter_mut()
        .find(|a| a.id == item_id)
        .ok_or_else(|| {
            ApiError::not_found(format!("meeting {id} has no action item {item_id:?}"))
        })?;
    edit.apply(item);
    let item = item.clone();
    let doc = serde_json::to_value(&minutes).map_err(ApiError::internal)?;
    // Only over the minutes that were read: a concurrent edit or a new run is not lost.
    if !state
        .store
        .update_meeting_minutes_if_unchanged(&id, &doc, &meeting.updated_at)
        .await?
    {
        return Err(ApiError::conflict(format!(
            "meeting {id} changed while this edit was made; read it again and retry"
        )));
    }
    // The tasks are derived from the minutes just stored; writing them again is safe.
    crate::minutes::sync::sync_tasks(&state.store, &id, &minutes, Some(&principal.token_id))
        .await?;
    let key = task_key(&id, &item.id);
    let task = state
        .store
        .tasks(&TaskQuery {
            origin_id: Some(&id),
            ..Default::default()
        })
        .await?
        .into_iter()
        .find(|t| t.origin_key.as_deref() == Some(key.as_str()));
    Ok(Json(json!({"item": item, "task": task})))
}

#[derive(Debug, Deserialize)]
pub struct ListParams {
    /// Meetings at or after this time (RFC 3339 or YYYY-MM-DD).
    pub from: Option<String>,
    /// Meetings before this time.
    pub to: Option<String>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<i64>,
}

/// `GET /v1/meetings?from=&to=`: newest first, without the minutes' text (read one
/// meeting for that).
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(params) =
        params.map_err(|e| ApiError::bad_request("invalid_field", e.body_text()))?;
    let from = params
        .from
        .as_deref()
        .map(|s| bound("from", s))
        .transpose()?;
    let to = params.to.as_deref().map(|s| bound("to", s)).transpose()?;
    let own = (!sees_all(&principal)).then_some(principal.token_id.as_str());
    let meetings = state
        .store
        .meetings(
            from.as_deref(),
            to.as_deref(),
            own,
            params.limit.unwrap_or(100),
        )
        .await?;
    let listed: Vec<Value> = meetings.iter().map(summary).collect();
    Ok(Json(json!({"meetings": listed})))
}

/// A range bound: RFC 3339, or a date (its midnight, compared as stored text).
fn bound(name: &str, s: &str) -> Result<String, ApiError> {
    let s = s.trim();
    if DateTime::parse_from_rfc3339(s).is_ok() || NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() {
        Ok(s.to_string())
    } else {
        Err(ApiError::bad_request(
            "invalid_field",
            format!("{name}: {s:?} is not a date (YYYY-MM-DD) or an RFC 3339 time"),
        ))
    }
}

/// A meeting in a listing: its fields and item counts, not its minutes.
fn summary(meeting: &Meeting) -> Value {
    let mut v = serde_json::to_value(meeting).unwrap_or(Value::Null);
    let items = meeting
        .minutes
        .as_ref()
        .and_then(|m| m["action_items"].as_array());
    v["action_items"] = json!(items.map_or(0, Vec::len));
    v["unassigned_items"] =
        json!(items.map_or(0, |a| a.iter().filter(|i| i["owner"].is_null()).count()));
    if let Some(obj) = v.as_object_mut() {
        obj.remove("minutes");
    }
    v
}
