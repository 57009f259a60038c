//! The models behind `POST /v1/commands`, loaded once on a blocking thread when first
//! needed, and the CPU work (understanding, transcribing) run on blocking threads so the
//! async executor keeps serving other requests.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use inference::llm::Llm;
use inference::whisper::{Languages, Script, TranscribeOptions, Transcriber};
use models::ModelStore;
use tokio::sync::OnceCell;

use super::super::config::CommandsConfig;
use super::super::errors::ApiError;
use crate::commands::transcribe;
use crate::directory::Directory;
use crate::instructions::{self, InstructionError, Request, Trace, Understood};

/// What speech became.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Heard {
    pub text: String,
    pub language: String,
    pub duration_s: f64,
    pub model: String,
    pub seconds: f64,
}

/// How long the warm-up answer may take (the machine may be busy starting).
const WARM_UP_TIMEOUT: Duration = Duration::from_secs(120);

pub struct CommandEngine {
    config: CommandsConfig,
    llm: OnceCell<Arc<Llm>>,
    transcriber: OnceCell<(String, Arc<Transcriber>)>,
}

impl CommandEngine {
    pub fn new(config: CommandsConfig) -> CommandEngine {
        CommandEngine {
            config,
            llm: OnceCell::new(),
            transcriber: OnceCell::new(),
        }
    }

    pub fn default_tz(&self) -> &str {
        &self.config.tz
    }

    pub fn max_audio_bytes(&self) -> usize {
        self.config.max_audio_bytes
    }

    /// The configured LLM, loaded on first use; `None` when the rules answer alone. A
    /// model that is not installed is a 503 saying how to install it (retried on the
    /// next request, so fetching it needs no restart).
    async fn llm(&self) -> Result<Option<Arc<Llm>>, ApiError> {
        let name = self.config.model.clone();
        if matches!(name.as_str(), "rules" | "none") {
            return Ok(None);
        }
        let models_dir = self.config.models_dir.clone();
        let llm = self
            .llm
            .get_or_try_init(|| async {
                let wanted = name.clone();
                tokio::task::spawn_blocking(move || crate::llm_models::shared(models_dir, &wanted))
                    .await
                    .map_err(ApiError::internal)?
                    .map_err(|e| model_missing(&name, &e))
            })
            .await?;
        Ok(Some(llm.clone()))
    }

    /// Loads the LLM and answers one instruction with it in the background, so that the
    /// first real command neither waits for the load nor runs out of time filling the
    /// prompt cache (the rules would answer instead). `mishu serve` calls it on start.
    pub fn warm_up(self: &Arc<Self>) {
        let engine = self.clone();
        tokio::spawn(async move {
            let t0 = Instant::now();
            let llm = match engine.llm().await {
                Ok(Some(llm)) => llm,
                Ok(None) => return,
                Err(e) => {
                    tracing::warn!("commands: {}", e.message);
                    return;
                }
            };
            let answered = tokio::task::spawn_blocking(move || {
                let directory = Directory::default();
                let req = Request {
                    text: "Remind me to call the landlord tomorrow at 9am",
                    now: chrono::Utc::now().fixed_offset(),
                    tz: chrono_tz::Asia::Hong_Kong,
                    directory: &directory,
                };
                instructions::understand(&req, Some(&llm), WARM_UP_TIMEOUT)
            })
            .await;
            match answered {
                Ok(Ok((_, trace))) => tracing::info!(
                    "commands: {} ready in {:.1} s{}",
                    trace.understood_by,
                    t0.elapsed().as_secs_f64(),
                    trace
                        .model_error
                        .map(|e| format!(" (warm-up: {e})"))
                        .unwrap_or_default()
                ),
                Ok(Err(e)) => tracing::warn!("commands: warm-up: {e}"),
                Err(e) => tracing::warn!("commands: warm-up crashed: {e}"),
            }
        });
    }

    /// Understands one instruction against `directory`.
    pub async fn understand(
        &self,
        text: String,
        now: DateTime<FixedOffset>,
        tz: Tz,
        directory: Arc<Directory>,
    ) -> Result<(Understood, Trace), ApiError> {
        let llm = self.llm().await?;
        let timeout = Duration::from_millis(self.config.timeout_ms);
        tokio::task::spawn_blocking(move || {
            let req = Request {
                text: &text,
                now,
                tz,
                directory: &directory,
            };
            instructions::understand(&req, llm.as_deref(), timeout)
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| match e {
            InstructionError::Empty | InstructionError::TooLong { .. } => {
                ApiError::bad_request("invalid_field", format!("text: {e}"))
            }
        })
    }

    /// Transcribes an uploaded recording (`audio`, the file the upload was written to).
    pub async fn hear(&self, audio: PathBuf, label: String) -> Result<Heard, ApiError> {
        let t0 = Instant::now();
        let decoded = {
            let path = audio.clone();
            tokio::task::spawn_blocking(move || inference::audio::decode_file(&path))
                .await
                .map_err(ApiError::internal)?
                .map_err(|e| {
                    let message = e.to_string().replace(&audio.display().to_string(), &label);
                    ApiError::bad_request("invalid_audio", message)
                })?
        };
        let duration_s = decoded.duration_s();
        let (model, transcriber) = self.transcriber().await?;
        let languages = Languages::parse(&self.config.languages).map_err(|e| {
            ApiError::internal(format!("commands.languages in the configuration: {e}"))
        })?;
        let transcript = tokio::task::spawn_blocking(move || {
            let options = TranscribeOptions {
                language: Some("auto".into()),
                languages,
                script: Script::Traditional,
                // A command is a few seconds long: encoded over a window of its own
                // length, not padded to 30 s (docs/BENCHMARKS.md, "Short recordings").
                trim_window: true,
                ..TranscribeOptions::default()
            };
            transcriber.transcribe(&decoded.samples, &options, None, None)
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| ApiError::internal(format!("transcribing {label}: {e}")))?;
        Ok(Heard {
            text: transcript.text().trim().to_string(),
            language: transcript.language.clone(),
            duration_s,
            model,
            seconds: t0.elapsed().as_secs_f64(),
        })
    }

    async fn transcriber(&self) -> Result<(String, Arc<Transcriber>), ApiError> {
        let models_dir = self.config.models_dir.clone();
        let wanted = self.config.speech_model.clone();
        self.transcriber
            .get_or_try_init(|| async move {
                tokio::task::spawn_blocking(move || load_transcriber(models_dir, wanted))
                    .await
                    .map_err(ApiError::internal)?
            })
            .await
            .cloned()
    }
}

fn load_transcriber(
    models_dir: Option<PathBuf>,
    wanted: Option<String>,
) -> Result<(String, Arc<Transcriber>), ApiError> {
    let store = ModelStore::open(models_dir).map_err(ApiError::internal)?;
    let name = wanted.unwrap_or_else(|| transcribe::default_model(&store).to_string());
    let path = transcribe::model_path(&store, &name).map_err(|e| model_missing(&name, &e))?;
    let t0 = Instant::now();
    let transcriber = Transcriber::load(&path).map_err(|e| model_missing(&name, &e))?;
    tracing::info!(
        "loaded {name} for spoken commands in {:.2} s",
        t0.elapsed().as_secs_f64()
    );
    Ok((name, Arc::new(transcriber)))
}

/// 503: the service cannot answer until the model is installed.
fn model_missing(name: &str, err: &dyn std::fmt::Display) -> ApiError {
    tracing::warn!("model {name} cannot be loaded: {err}");
    ApiError::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "model_not_installed",
        format!(
            "the model {name} cannot be loaded ({err}); install it on the server with \
             `mishu models fetch {name}`"
        ),
    )
}

/// Removes the scratch files of uploads a previous run could not (it was killed).
pub fn remove_stale_uploads(data_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(data_dir.join("tmp")) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with("upload-") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// A scratch file for an upload, removed when dropped.
pub struct Upload {
    pub path: PathBuf,
}

impl Upload {
    /// Writes `bytes` under `DIR/tmp/` with `extension` (a hint for the decoder).
    pub async fn write(data_dir: &Path, bytes: &[u8], extension: &str) -> std::io::Result<Upload> {
        let dir = data_dir.join("tmp");
        tokio::fs::create_dir_all(&dir).await?;
        let path = dir.join(format!(
            "upload-{}.{extension}",
            crate::store::ids::random_hex(8)
        ));
        tokio::fs::write(&path, bytes).await?;
        Ok(Upload { path })
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
