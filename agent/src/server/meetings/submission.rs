//! `POST /v1/meetings` bodies: a multipart form (`audio` = a recording, or `transcript`
//! = a `Speaker: text` file or `transcribe` JSON; `now`, `tz`, `title`, `attendees`) or
//! a JSON object with the same fields. Everything that can be checked without the
//! models is checked here, so that a bad request is a 400 and stores nothing. A
//! recording is streamed to a file in the data directory (never into the database).

use std::path::{Path, PathBuf};

use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{header, StatusCode};
use chrono::{DateTime, FixedOffset, Utc};
use chrono_tz::Tz;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::super::errors::{parse_json, read_json_bytes, ApiError};
use super::super::AppState;
use crate::minutes::language::Language;
use crate::minutes::{input, output, transcript::Transcript};

/// The zone relative words resolve in when the request names none.
pub const DEFAULT_TZ: &str = "Asia/Hong_Kong";

/// Largest transcript accepted, in bytes: a four-hour meeting's transcript, times and
/// all, is a few MiB. (Recordings go to disk and have their own limit.)
pub const MAX_TRANSCRIPT_BYTES: usize = 16 * 1024 * 1024;

/// Longest title accepted, in characters.
const MAX_TITLE_CHARS: usize = 200;

/// A checked submission.
pub struct Submission {
    pub source: SubmittedSource,
    pub now: DateTime<FixedOffset>,
    pub tz: Tz,
    pub title: Option<String>,
    pub attendees: Option<Vec<String>>,
}

pub enum SubmittedSource {
    /// The transcript's text (Speaker lines, or JSON) and what it parsed to.
    Transcript {
        text: String,
        parsed: Transcript,
    },
    Audio(Upload),
}

impl Submission {
    /// The meeting's identity: the same transcript (or recording) at the same time is the
    /// same meeting.
    pub fn key(&self) -> String {
        match &self.source {
            SubmittedSource::Transcript { parsed, .. } => {
                crate::minutes::meeting_key(parsed, &self.now)
            }
            SubmittedSource::Audio(upload) => {
                let mut h = Sha256::new();
                h.update(self.now.to_rfc3339().as_bytes());
                h.update(upload.sha256);
                format!("a{}", &hex::encode(h.finalize())[..23])
            }
        }
    }

    /// The title the meeting is listed under until its minutes are written.
    pub fn provisional_title(&self) -> String {
        if let Some(t) = &self.title {
            return t.clone();
        }
        let language = match &self.source {
            SubmittedSource::Transcript { parsed, .. } => {
                let text: Vec<&str> = parsed.utterances.iter().map(|u| u.text.as_str()).collect();
                Language::detect(&text.join("\n"))
            }
            SubmittedSource::Audio(_) => Language::English,
        };
        output::default_title(language).to_string()
    }
}

/// A recording written to the uploads folder. The file is removed when this is dropped,
/// unless [`Upload::keep`] handed it over (to the job that will read it).
pub struct Upload {
    pub path: PathBuf,
    pub bytes: u64,
    sha256: [u8; 32],
    kept: bool,
}

impl Upload {
    /// Leaves the file in place; its new owner removes it.
    pub fn keep(mut self) -> PathBuf {
        self.kept = true;
        self.path.clone()
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if !self.kept {
            if let Err(e) = std::fs::remove_file(&self.path) {
                tracing::warn!("cannot remove the upload {}: {e}", self.path.display());
            }
        }
    }
}

/// Where recordings wait for their job.
pub fn uploads_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("uploads")
}

/// Fields as they arrived, before checking.
#[derive(Default)]
struct Fields {
    transcript: Option<String>,
    audio: Option<Upload>,
    now: Option<String>,
    tz: Option<String>,
    title: Option<String>,
    attendees: Option<Vec<String>>,
}

/// Reads and checks a submission of either shape.
pub async fn read(request: Request, state: &AppState) -> Result<Submission, ApiError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let fields = if content_type.starts_with("multipart/form-data") {
        let multipart = Multipart::from_request(request, state)
            .await
            .map_err(|e| ApiError::bad_request("bad_body", e.body_text()))?;
        read_multipart(
            multipart,
            &uploads_dir(&state.config.data_dir),
            state.config.minutes.max_upload_bytes,
        )
        .await?
    } else {
        // A JSON body is held in memory: the transcript's limit, not the recording's.
        let request = request.map(|body| {
            axum::body::Body::new(http_body_util::Limited::new(body, MAX_TRANSCRIPT_BYTES))
        });
        let bytes = read_json_bytes(request, state).await.map_err(|e| {
            if e.status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
                ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "send a meeting as multipart/form-data (field `audio` or `transcript`) \
                     or as JSON ({\"transcript\": …})",
                )
            } else {
                too_large(e, state)
            }
        })?;
        let body: Value = parse_json(&bytes)?;
        from_json(body)?
    };
    check(fields)
}

fn too_large(e: ApiError, state: &AppState) -> ApiError {
    if e.status == StatusCode::PAYLOAD_TOO_LARGE {
        transcript_too_large(state.config.minutes.max_upload_bytes)
    } else {
        e
    }
}

fn transcript_too_large(max_upload: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!(
            "the transcript is larger than the service accepts ({} bytes)",
            MAX_TRANSCRIPT_BYTES.min(max_upload)
        ),
    )
}

fn from_json(body: Value) -> Result<Fields, ApiError> {
    let Value::Object(map) = body else {
        return Err(ApiError::bad_request(
            "invalid_json",
            "the body is an object: {\"transcript\": …, \"now\"?, \"tz\"?, \"title\"?, \"attendees\"?}",
        ));
    };
    let mut fields = Fields::default();
    for (name, value) in map {
        let text = |value: Value| match value {
            Value::String(s) => Ok(s),
            other => Err(ApiError::bad_request(
                "invalid_field",
                format!("{name}: a string is expected, not {other}"),
            )),
        };
        match name.as_str() {
            "transcript" => {
                fields.transcript = Some(match value {
                    Value::Object(doc) => Value::Object(doc).to_string(),
                    other => text(other).map_err(|_| {
                        ApiError::bad_request(
                            "invalid_field",
                            "transcript: `Speaker: text` lines as a string, or the JSON \
                             object of `mishu transcribe`",
                        )
                    })?,
                })
            }
            "now" => fields.now = Some(text(value)?),
            "tz" => fields.tz = Some(text(value)?),
            "title" => fields.title = Some(text(value)?),
            "attendees" => fields.attendees = Some(attendees(value, &name)?),
            "audio" => {
                return Err(ApiError::bad_request(
                    "invalid_field",
                    "audio: send a recording as multipart/form-data",
                ))
            }
            other => return Err(unknown_field(other)),
        }
    }
    Ok(fields)
}

fn attendees(value: Value, name: &str) -> Result<Vec<String>, ApiError> {
    let bad = || {
        ApiError::bad_request(
            "invalid_field",
            format!("{name}: a list of names or directory ids, or one comma-separated string"),
        )
    };
    match value {
        Value::String(s) => Ok(split_names(&s)),
        Value::Array(items) => items
            .into_iter()
            .map(|v| match v {
                Value::String(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
                _ => Err(bad()),
            })
            .collect(),
        _ => Err(bad()),
    }
}

fn split_names(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect()
}

fn unknown_field(name: &str) -> ApiError {
    ApiError::bad_request(
        "invalid_field",
        format!(
            "unknown field {name:?}: a meeting has `audio` or `transcript`, and optionally \
             `now`, `tz`, `title`, `attendees`"
        ),
    )
}

async fn read_multipart(
    mut multipart: Multipart,
    uploads: &Path,
    max_upload: usize,
) -> Result<Fields, ApiError> {
    let mut fields = Fields::default();
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_string();
        let twice =
            || ApiError::bad_request("invalid_field", format!("{name}: given more than once"));
        match name.as_str() {
            "audio" => {
                if fields.audio.is_some() {
                    return Err(twice());
                }
                fields.audio = Some(save_audio(field, uploads).await?);
            }
            "transcript" | "now" | "tz" | "title" | "attendees" => {
                let mut field = field;
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                    if bytes.len() + chunk.len() > MAX_TRANSCRIPT_BYTES {
                        return Err(transcript_too_large(max_upload));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                let text = String::from_utf8(bytes).map_err(|e| {
                    ApiError::bad_request(
                        "invalid_field",
                        format!(
                            "{name}: not UTF-8 text (byte {}); a transcript is `Speaker: text` \
                             lines or the JSON of `mishu transcribe`",
                            e.utf8_error().valid_up_to()
                        ),
                    )
                })?;
                let slot = match name.as_str() {
                    "transcript" => &mut fields.transcript,
                    "now" => &mut fields.now,
                    "tz" => &mut fields.tz,
                    "title" => &mut fields.title,
                    _ => {
                        if fields.attendees.is_some() {
                            return Err(twice());
                        }
                        fields.attendees = Some(split_names(&text));
                        continue;
                    }
                };
                if slot.is_some() {
                    return Err(twice());
                }
                *slot = Some(text);
            }
            other => return Err(unknown_field(other)),
        }
    }
    Ok(fields)
}

fn multipart_error(e: MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the meeting upload is larger than the service accepts (see \
             minutes.max_upload_bytes)",
        )
    } else {
        ApiError::bad_request("bad_body", format!("multipart body: {}", e.body_text()))
    }
}

/// Streams the `audio` field to a new file in `uploads`, keeping the file's extension
/// (the decoder uses it as a hint).
async fn save_audio(mut field: Field<'_>, uploads: &Path) -> Result<Upload, ApiError> {
    tokio::fs::create_dir_all(uploads)
        .await
        .map_err(|e| ApiError::internal(format!("cannot create {}: {e}", uploads.display())))?;
    let ext: String = field
        .file_name()
        .and_then(|n| Path::new(n).extension())
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .filter(|e| e.len() <= 8 && e.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or_else(|| "bin".into());
    let path = uploads.join(format!("{}.{ext}", crate::store::ids::new_id("upload")));
    let mut file = tokio::fs::File::create(&path)
        .await
        .map_err(|e| ApiError::internal(format!("cannot create {}: {e}", path.display())))?;
    // From here on, the file goes away with `upload` on any error.
    let mut upload = Upload {
        path,
        bytes: 0,
        sha256: [0; 32],
        kept: false,
    };
    let mut hash = Sha256::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        hash.update(&chunk);
        upload.bytes += chunk.len() as u64;
        file.write_all(&chunk).await.map_err(|e| {
            ApiError::internal(format!("cannot write {}: {e}", upload.path.display()))
        })?;
    }
    file.flush()
        .await
        .map_err(|e| ApiError::internal(format!("cannot write {}: {e}", upload.path.display())))?;
    upload.sha256 = hash.finalize().into();
    Ok(upload)
}

fn check(fields: Fields) -> Result<Submission, ApiError> {
    let source = match (fields.transcript, fields.audio) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "invalid_field",
                "send either `audio` or `transcript`, not both",
            ))
        }
        (None, None) => {
            return Err(ApiError::bad_request(
                "missing_field",
                "a meeting needs `audio` (a recording) or `transcript` (`Speaker: text` \
                 lines or the JSON of `mishu transcribe`)",
            ))
        }
        (Some(text), None) => {
            let parsed = input::from_bytes(text.as_bytes(), "transcript")
                .map_err(|e| ApiError::bad_request("invalid_transcript", e.to_string()))?;
            SubmittedSource::Transcript { text, parsed }
        }
        (None, Some(upload)) => {
            if upload.bytes == 0 {
                return Err(ApiError::bad_request(
                    "invalid_audio",
                    "audio: the file is empty (0 bytes)",
                ));
            }
            SubmittedSource::Audio(upload)
        }
    };
    let now = match fields.now.as_deref().map(str::trim) {
        None | Some("") => Utc::now().fixed_offset(),
        Some(s) => DateTime::parse_from_rfc3339(s).map_err(|e| {
            ApiError::bad_request(
                "invalid_field",
                format!(
                    "now: {s:?} is not an RFC 3339 timestamp ({e}); write it like \
                     2026-11-25T10:00:00+08:00"
                ),
            )
        })?,
    };
    let tz_name = fields.tz.as_deref().map(str::trim).unwrap_or(DEFAULT_TZ);
    let tz = tz_name.parse::<Tz>().map_err(|_| {
        ApiError::bad_request(
            "invalid_field",
            format!("tz: {tz_name:?} is not an IANA time zone; try Asia/Hong_Kong or UTC"),
        )
    })?;
    let title = match fields.title.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(t) if t.chars().count() > MAX_TITLE_CHARS => {
            return Err(ApiError::bad_request(
                "invalid_field",
                format!("title: at most {MAX_TITLE_CHARS} characters"),
            ))
        }
        Some(t) => Some(t.to_string()),
    };
    let attendees = fields.attendees.filter(|a| !a.is_empty());
    Ok(Submission {
        source,
        now,
        tz,
        title,
        attendees,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn checked(body: Value) -> Result<Submission, ApiError> {
        check(from_json(body)?)
    }

    #[test]
    fn a_json_transcript_is_checked_up_front() {
        let s = checked(json!({
            "transcript": "Amy: I'll send the deck by Friday.",
            "now": "2026-11-24T09:30:00+08:00",
            "attendees": "Amy, Ben",
        }))
        .ok()
        .unwrap();
        assert_eq!(
            s.attendees.as_deref(),
            Some(&["Amy".to_string(), "Ben".into()][..])
        );
        assert_eq!(s.tz.name(), DEFAULT_TZ);
        assert_eq!(s.key(), s.key(), "the key is stable");

        let err = checked(json!({"transcript": "  \n "})).err().unwrap();
        assert_eq!(err.code, "invalid_transcript");
        assert!(err.message.contains("empty"), "{}", err.message);
        let err = checked(json!({"transcript": "A: hi", "now": "Tuesday"}))
            .err()
            .unwrap();
        assert!(err.message.starts_with("now:"), "{}", err.message);
        let err = checked(json!({"transcript": "A: hi", "tz": "Mars/Base"}))
            .err()
            .unwrap();
        assert!(err.message.starts_with("tz:"), "{}", err.message);
        let err = checked(json!({"transcript": "A: hi", "colour": "red"}))
            .err()
            .unwrap();
        assert!(err.message.contains("colour"), "{}", err.message);
        assert_eq!(checked(json!({})).err().unwrap().code, "missing_field");
        let doc = json!({"transcript": {"segments": [
            {"start": 0.0, "end": 2.0, "text": "We ship on Monday.", "speaker": null}]}});
        assert!(checked(doc).is_ok());
    }
}
