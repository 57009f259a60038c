//! The two shapes of a command request: JSON `{"text", "now"?, "tz"?, "save"?}`, or
//! `multipart/form-data` with the recording in the field `audio` (and `now`, `tz`,
//! `save`, `allow_duplicate` as text fields).

use axum::body::Bytes;
use axum::extract::multipart::{Multipart, MultipartError};
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use serde::Deserialize;

use super::super::errors::{parse_json, read_json_bytes, ApiError};
use super::super::AppState;
use super::engine::Upload;

/// What the caller said: words, or a recording written to a scratch file.
pub enum Said {
    Text(String),
    Audio(Upload),
}

pub struct CommandInput {
    pub said: Said,
    pub now: Option<String>,
    pub tz: Option<String>,
    pub save: bool,
    /// Store a task or event even when it repeats one already there.
    pub allow_duplicate: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonCommand {
    text: String,
    #[serde(default)]
    now: Option<String>,
    #[serde(default)]
    tz: Option<String>,
    #[serde(default = "yes")]
    save: bool,
    #[serde(default)]
    allow_duplicate: bool,
}

fn yes() -> bool {
    true
}

pub async fn read(request: Request, state: &AppState) -> Result<CommandInput, ApiError> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    if multipart {
        return read_multipart(request, state).await;
    }
    let bytes = read_json_bytes(request, state).await?;
    // The route admits uploads up to the audio limit; JSON keeps the ordinary one.
    if bytes.len() > state.config.max_body_bytes {
        return Err(too_large("max_body_bytes"));
    }
    let body: JsonCommand = parse_json(&bytes)?;
    Ok(CommandInput {
        said: Said::Text(body.text),
        now: body.now,
        tz: body.tz,
        save: body.save,
        allow_duplicate: body.allow_duplicate,
    })
}

async fn read_multipart(request: Request, state: &AppState) -> Result<CommandInput, ApiError> {
    let mut form = Multipart::from_request(request, state)
        .await
        .map_err(|e| ApiError::bad_request("bad_body", e.body_text()))?;
    let mut audio: Option<(Bytes, String)> = None;
    let mut text: Option<String> = None;
    let (mut now, mut tz, mut save, mut allow_duplicate) = (None, None, true, false);
    while let Some(field) = form.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "audio" => {
                let extension = audio_extension(field.content_type(), field.file_name())?;
                let bytes = field.bytes().await.map_err(multipart_error)?;
                audio = Some((bytes, extension));
            }
            "text" => text = Some(field.text().await.map_err(multipart_error)?),
            "now" => now = Some(field.text().await.map_err(multipart_error)?),
            "tz" => tz = Some(field.text().await.map_err(multipart_error)?),
            "save" | "allow_duplicate" => {
                let value = field.text().await.map_err(multipart_error)?;
                let yes = match value.trim() {
                    "true" | "1" | "yes" => true,
                    "false" | "0" | "no" => false,
                    other => {
                        return Err(ApiError::bad_request(
                            "invalid_field",
                            format!("{name}: {other:?} is not true or false"),
                        ))
                    }
                };
                if name == "save" {
                    save = yes;
                } else {
                    allow_duplicate = yes;
                }
            }
            other => {
                return Err(ApiError::bad_request(
                    "invalid_field",
                    format!(
                        "unknown form field {other:?} (audio, text, now, tz, save, \
                         allow_duplicate)"
                    ),
                ))
            }
        }
    }
    let said = match (audio, text) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "invalid_field",
                "audio: send either a recording or text, not both",
            ))
        }
        (None, None) => {
            return Err(ApiError::bad_request(
                "invalid_field",
                "audio: the form has no `audio` file field",
            ))
        }
        (None, Some(text)) => Said::Text(text),
        (Some((bytes, _)), None) if bytes.is_empty() => {
            return Err(ApiError::bad_request(
                "invalid_audio",
                "audio: the file is empty (0 bytes)",
            ))
        }
        (Some((bytes, extension)), None) => Said::Audio(
            Upload::write(&state.config.data_dir, &bytes, &extension)
                .await
                .map_err(ApiError::internal)?,
        ),
    };
    Ok(CommandInput {
        said,
        now,
        tz,
        save,
        allow_duplicate,
    })
}

/// The file extension the decoder is hinted with; a part that declares a type that is
/// not audio is refused.
fn audio_extension(
    content_type: Option<&str>,
    file_name: Option<&str>,
) -> Result<String, ApiError> {
    let from_name = file_name
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .filter(|ext| {
            !ext.is_empty() && ext.len() <= 5 && ext.chars().all(|c| c.is_ascii_alphanumeric())
        });
    let mime = content_type
        .map(|m| {
            m.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let from_mime = match mime.as_str() {
        "" | "application/octet-stream" => None,
        "audio/wav" | "audio/x-wav" | "audio/wave" | "audio/vnd.wave" => Some("wav"),
        "audio/mpeg" | "audio/mp3" => Some("mp3"),
        "audio/ogg" | "audio/opus" => Some("ogg"),
        "audio/flac" | "audio/x-flac" => Some("flac"),
        "audio/webm" | "video/webm" => Some("webm"),
        "audio/mp4" | "audio/m4a" | "audio/x-m4a" | "audio/aac" => Some("m4a"),
        m if m.starts_with("audio/") => None,
        m => {
            return Err(ApiError::bad_request(
                "invalid_audio",
                format!("audio: the part's Content-Type is {m}, not an audio type"),
            ))
        }
    };
    Ok(from_name
        .or(from_mime.map(String::from))
        .unwrap_or_else(|| "bin".into()))
}

fn multipart_error(e: MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large("[commands] max_audio_bytes")
    } else {
        ApiError::bad_request("bad_body", format!("multipart form: {}", e.body_text()))
    }
}

fn too_large(limit: &str) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("the request body is larger than the service accepts (see {limit})"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_types_are_hinted_and_other_types_refused() {
        assert_eq!(audio_extension(Some("audio/wav"), None).unwrap(), "wav");
        assert_eq!(
            audio_extension(Some("application/octet-stream"), Some("memo.M4A")).unwrap(),
            "m4a"
        );
        let err = audio_extension(Some("text/plain"), Some("notes.txt")).unwrap_err();
        assert_eq!(err.code, "invalid_audio");
        assert!(err.message.contains("text/plain"), "{}", err.message);
    }
}
