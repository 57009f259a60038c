//! `POST /v1/commands`: one typed or spoken instruction becomes an event, a task or a
//! reminder. The answer is the object of `mishu command --json` with `id`, `kind`,
//! `saved` and `conflicts`: 201 when something was stored, 200 when nothing was (an
//! `unknown` intent with its `reason`, `"save": false`, or a task or event that
//! `duplicate_of` says is already there, unless `"allow_duplicate": true`).

mod engine;
mod input;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use serde_json::{json, Value};

pub use engine::{remove_stale_uploads, CommandEngine, Heard};

use super::auth::Principal;
use super::errors::ApiError;
use super::AppState;
use crate::calendar::save::{self, SaveOptions};
use crate::instructions::{Duplicate, Intent, Understood};
use crate::store::tasks::Origin;
use input::Said;

/// `POST /v1/commands` (any role).
pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    request: Request,
) -> Result<Response, ApiError> {
    let input = input::read(request, &state).await?;
    let now = reference_time(input.now.as_deref())?;
    let tz_name = input
        .tz
        .clone()
        .unwrap_or_else(|| state.commands.default_tz().to_string());
    let tz = zone(&tz_name)?;
    let (text, heard) = match input.said {
        Said::Text(text) => (text, None),
        Said::Audio(upload) => {
            let heard = state
                .commands
                .hear(upload.path.clone(), "audio".into())
                .await?;
            drop(upload);
            if heard.text.is_empty() {
                return Err(ApiError::bad_request(
                    "no_speech",
                    "audio: no speech was heard in the recording",
                ));
            }
            (heard.text.clone(), Some(heard))
        }
    };
    let directory = state.directory.get();
    let (understood, trace) = state.commands.understand(text, now, tz, directory).await?;
    tracing::info!(
        "command understood by {} in {:.2} s: {}",
        trace.understood_by,
        trace.seconds,
        understood.intent.as_str()
    );
    let mut understood = understood;
    let stored = if input.save && understood.intent != Intent::Unknown {
        let (stored, duplicate_of) = persist(
            &state,
            &understood,
            &tz_name,
            &principal,
            input.allow_duplicate,
        )
        .await?;
        understood.duplicate_of = duplicate_of;
        stored
    } else {
        if understood.intent != Intent::Unknown {
            understood.duplicate_of =
                crate::calendar::duplicates::find(&state.store, &understood, &tz_name).await?;
        }
        None
    };
    let mut doc = serde_json::to_value(&understood).map_err(ApiError::internal)?;
    doc["understood_by"] = json!(trace.understood_by);
    if let Some(why) = &trace.model_error {
        // The rules answered instead of the model: say why.
        doc["model_error"] = json!(why);
    }
    if let Some(h) = &heard {
        doc["speech"] = json!({"language": h.language, "duration_s": h.duration_s,
                               "model": h.model, "seconds": round(h.seconds)});
    }
    let status = match &stored {
        Some(saved) => {
            doc["id"] = json!(saved.id);
            doc["kind"] = json!(saved.kind);
            doc["saved"] = json!(true);
            doc["conflicts"] = saved.conflicts.clone();
            StatusCode::CREATED
        }
        None => {
            if understood.intent != Intent::Unknown {
                // Not stored ("save": false): the clashes it would have.
                let clashes = save::preview_conflicts(&state.store, &understood, &tz_name).await?;
                doc["conflicts"] = serde_json::to_value(&clashes).map_err(ApiError::internal)?;
            }
            doc["id"] = Value::Null;
            doc["kind"] = Value::Null;
            doc["saved"] = json!(false);
            StatusCode::OK
        }
    };
    Ok((status, Json(doc)).into_response())
}

/// What was stored for a command.
struct Stored {
    kind: &'static str,
    id: String,
    conflicts: Value,
}

/// Stores the understood object in the calendar, to-do list or reminders — unless it
/// repeats a task or event already there and `allow_duplicate` is false: then nothing
/// is stored. Also answers the item it repeats.
async fn persist(
    state: &AppState,
    understood: &Understood,
    tz: &str,
    principal: &Principal,
    allow_duplicate: bool,
) -> Result<(Option<Stored>, Option<Duplicate>), ApiError> {
    let directory = state.directory.get();
    let outcome = save::save_unless_duplicate(
        &state.store,
        understood,
        &SaveOptions {
            created_by: Some(&principal.token_id),
            directory: Some(&directory),
            allow_duplicate,
            ..SaveOptions::new(tz, Origin::Command)
        },
    )
    .await?;
    let stored = match outcome.saved {
        Some(saved) => Some(Stored {
            kind: saved.kind,
            id: saved.id,
            conflicts: serde_json::to_value(&saved.conflicts).map_err(ApiError::internal)?,
        }),
        None => None,
    };
    Ok((stored, outcome.duplicate_of))
}

fn reference_time(now: Option<&str>) -> Result<DateTime<FixedOffset>, ApiError> {
    match now {
        None => Ok(chrono::Utc::now().fixed_offset()),
        Some(s) => DateTime::parse_from_rfc3339(s.trim()).map_err(|e| {
            ApiError::bad_request(
                "invalid_field",
                format!(
                    "now: {s:?} is not an RFC 3339 timestamp ({e}); write it like \
                     2026-11-25T10:00:00+08:00"
                ),
            )
        }),
    }
}

fn zone(name: &str) -> Result<Tz, ApiError> {
    name.trim().parse::<Tz>().map_err(|_| {
        ApiError::bad_request(
            "invalid_field",
            format!("tz: {name:?} is not an IANA time zone; try Asia/Hong_Kong or UTC"),
        )
    })
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_times_and_zones_name_their_field() {
        assert!(reference_time(Some("tomorrow"))
            .unwrap_err()
            .message
            .starts_with("now:"));
        assert!(zone("Mars/Base").unwrap_err().message.starts_with("tz:"));
        assert_eq!(zone("Asia/Hong_Kong").unwrap(), chrono_tz::Asia::Hong_Kong);
    }
}
