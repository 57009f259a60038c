//! `/v1/voices` (admin only): enrolled voiceprints. `GET` lists them, `POST` enrols a
//! directory person from a multipart upload (`person`, `consent_by`, one or more
//! `audio` files), `DELETE /v1/voices/{person}` deletes a voiceprint. Every enrolment and
//! removal is added to the consent record with the caller's token.

use std::path::PathBuf;

use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use models::catalogue::SPEAKER_MODEL;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

use super::auth::Principal;
use super::errors::ApiError;
use super::AppState;
use crate::exit::BadInput;
use crate::voices;

/// `GET /v1/voices`: `{"voices": [{person, name, model, speech_s, enrolled_at,
/// consent_by, recorded_by, recordings}]}`.
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Value>, ApiError> {
    principal.require(&[], "see enrolled voices")?;
    let all = state.store.voiceprints().await?;
    Ok(Json(json!({ "voices": all })))
}

/// Uploaded recordings, removed from disk when dropped.
#[derive(Default)]
struct Uploads(Vec<(String, PathBuf)>);

impl Drop for Uploads {
    fn drop(&mut self) {
        for (_, path) in &self.0 {
            if let Err(e) = std::fs::remove_file(path) {
                tracing::warn!("cannot remove the upload {}: {e}", path.display());
            }
        }
    }
}

/// `POST /v1/voices`: 201 with the stored voiceprint (and `replaced`), 400 naming the
/// problem (unknown person, too little speech, two voices, not audio).
pub async fn enrol(
    State(state): State<AppState>,
    principal: Principal,
    request: Request,
) -> Result<Response, ApiError> {
    principal.require(&[], "enrol voices")?;
    let mut multipart = Multipart::from_request(request, &state)
        .await
        .map_err(|e| {
            ApiError::bad_request(
                "bad_body",
                format!(
                    "send an enrolment as multipart/form-data (`person`, `consent_by`, \
                     `audio` files): {}",
                    e.body_text()
                ),
            )
        })?;
    let bad = |m: String| ApiError::bad_request("invalid_field", m);
    let mut person: Option<String> = None;
    let mut consent_by: Option<String> = None;
    let mut uploads = Uploads::default();
    let dir = super::meetings::submission::uploads_dir(&state.config.data_dir);
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "audio" => {
                let shown = field
                    .file_name()
                    .map(str::to_string)
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| format!("audio-{}", uploads.0.len() + 1));
                tokio::fs::create_dir_all(&dir)
                    .await
                    .map_err(|e| ApiError::internal(format!("{}: {e}", dir.display())))?;
                let path = dir.join(crate::store::ids::new_id("voice"));
                let mut file = tokio::fs::File::create(&path)
                    .await
                    .map_err(|e| ApiError::internal(format!("{}: {e}", path.display())))?;
                uploads.0.push((shown, path.clone()));
                while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                    file.write_all(&chunk)
                        .await
                        .map_err(|e| ApiError::internal(format!("{}: {e}", path.display())))?;
                }
                file.flush()
                    .await
                    .map_err(|e| ApiError::internal(format!("{}: {e}", path.display())))?;
            }
            "person" | "consent_by" => {
                let text = field.text().await.map_err(multipart_error)?;
                let slot = if name == "person" {
                    &mut person
                } else {
                    &mut consent_by
                };
                if slot.is_some() {
                    return Err(bad(format!("{name}: given more than once")));
                }
                *slot = Some(text.trim().to_string());
            }
            other => {
                return Err(bad(format!(
                    "unknown field {other:?}: an enrolment has `person`, `consent_by` and \
                     one or more `audio` files"
                )))
            }
        }
    }
    let query = person.ok_or_else(|| bad("person: required (a directory id or name)".into()))?;
    let consent_by = consent_by
        .filter(|c| !c.is_empty())
        .ok_or_else(|| bad("consent_by: required (who gave consent to the voiceprint)".into()))?;
    if uploads.0.is_empty() {
        return Err(bad(
            "audio: required (one or more recordings of the person alone)".into(),
        ));
    }
    let directory = state.directory.get();
    let person = voices::resolve_person(&directory, &query)
        .map_err(|m| ApiError::bad_request("unknown_person", m))?
        .clone();
    let models_dir = state.config.minutes.models_dir.clone();
    let files: Vec<(String, PathBuf)> = uploads.0.clone();
    let enrolment = tokio::task::spawn_blocking(move || {
        let store = models::ModelStore::open(models_dir)?;
        let model = inference::speakers::CamPlusPlus::load(&store.primary_path(SPEAKER_MODEL)?)?;
        let files: Vec<(String, &std::path::Path)> = files
            .iter()
            .map(|(n, p)| (n.clone(), p.as_path()))
            .collect();
        voices::enrol::from_files(&model, &files)
    })
    .await
    .map_err(|e| ApiError::internal(format!("the enrolment crashed: {e}")))?;
    let (enrolment, recordings) = enrolment.map_err(|e| match e.downcast_ref::<BadInput>() {
        Some(b) => ApiError::bad_request("invalid_audio", b.0.clone()),
        None => match e.downcast_ref::<models::Error>() {
            Some(m) if m.kind() == models::ErrorKind::ModelMissing => ApiError::unavailable(
                format!("{m}; the speaker model must be installed to enrol voices"),
            ),
            _ => ApiError::internal(format!("{e:#}")),
        },
    })?;
    let recorded_by = format!("{} (token {})", principal.name, principal.token_id);
    let (stored, replaced) = state
        .store
        .enrol_voice(&voices::enrol::record(
            &person,
            &enrolment,
            &consent_by,
            &recorded_by,
            &recordings,
        ))
        .await?;
    tracing::info!(person = %stored.person, replaced, "voice enrolled");
    let mut doc = serde_json::to_value(&stored).map_err(ApiError::internal)?;
    doc["replaced"] = json!(replaced);
    Ok((StatusCode::CREATED, Json(doc)).into_response())
}

/// `DELETE /v1/voices/{person}`: 200 `{"person", "removed": true}`, 404 when no voice
/// is enrolled for that id.
pub async fn remove(
    State(state): State<AppState>,
    principal: Principal,
    Path(person): Path<String>,
) -> Result<Json<Value>, ApiError> {
    principal.require(&[], "remove voices")?;
    let recorded_by = format!("{} (token {})", principal.name, principal.token_id);
    if !state.store.remove_voiceprint(&person, &recorded_by).await? {
        return Err(ApiError::not_found(format!(
            "no voice is enrolled for {person:?}"
        )));
    }
    tracing::info!(person = %person, "voice removed");
    Ok(Json(json!({"person": person, "removed": true})))
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the recordings are larger than the service accepts (see \
             commands.max_audio_bytes)",
        )
    } else {
        ApiError::bad_request("bad_body", format!("multipart body: {}", e.body_text()))
    }
}
