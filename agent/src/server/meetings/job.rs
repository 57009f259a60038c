//! The `minutes` job: transcription (for a recording) → minutes with the stored
//! directory → the meeting's minutes stored and its owned items on to-do lists. The work
//! runs on a blocking thread; its stages come back over a channel and are reported as the
//! job's progress. A failure marks the meeting failed with the reason; a recording is
//! removed once its job ends either way.

use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::DateTime;
use chrono_tz::Tz;
use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::super::config::MinutesConfig;
use super::super::jobs::{JobHandler, Progress};
use crate::directory::Directory;
use crate::minutes::{self, audio, input, Minutes, Options, Stage};
use crate::store::jobs::Job;
use crate::store::Store;
use crate::voices::KnownVoices;

/// The job kind.
pub const MINUTES_JOB: &str = "minutes";

/// What the job reads: stored with the job, in the same transaction as the meeting.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobInput {
    pub meeting_id: String,
    /// The transcript's text (`Speaker: text` lines or `transcribe` JSON).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub transcript: Option<String>,
    /// The recording's file name in the uploads folder.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub audio: Option<String>,
    /// RFC 3339.
    pub now: String,
    pub tz: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub attendees: Option<Vec<String>>,
}

/// Runs `minutes` jobs.
pub struct MinutesHandler {
    pub store: Store,
    pub config: MinutesConfig,
    /// Where recordings wait for their job.
    pub uploads: PathBuf,
}

/// Removes a recording when its job ends, however it ends.
struct RemoveOnDrop(Option<PathBuf>);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(path) = &self.0 {
            match std::fs::remove_file(path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => tracing::warn!("cannot remove the recording {}: {e}", path.display()),
            }
        }
    }
}

impl JobHandler for MinutesHandler {
    fn run<'a>(&'a self, job: &'a Job, progress: Progress) -> BoxFuture<'a, Result<Value, String>> {
        Box::pin(async move {
            let input: JobInput = serde_json::from_value(job.input.clone())
                .map_err(|e| format!("the job's input cannot be read: {e}"))?;
            let audio = match &input.audio {
                Some(name) => Some(self.upload_path(name)?),
                None => None,
            };
            let _remove = RemoveOnDrop(audio.clone());
            let outcome = self
                .write(&input, audio, job.created_by.as_deref(), &progress)
                .await;
            match outcome {
                Ok(result) => Ok(result),
                Err(reason) => {
                    tracing::warn!(meeting = %input.meeting_id, "minutes failed: {reason}");
                    if let Err(e) = self.store.fail_meeting(&input.meeting_id, &reason).await {
                        tracing::error!(meeting = %input.meeting_id, "cannot mark it failed: {e}");
                    }
                    Err(reason)
                }
            }
        })
    }
}

impl MinutesHandler {
    /// A recording's path; only a plain file name in the uploads folder is accepted.
    fn upload_path(&self, name: &str) -> Result<PathBuf, String> {
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(format!("the job names an invalid recording file {name:?}"));
        }
        Ok(self.uploads.join(name))
    }

    async fn write(
        &self,
        input: &JobInput,
        audio: Option<PathBuf>,
        created_by: Option<&str>,
        progress: &Progress,
    ) -> Result<Value, String> {
        let opts = Options {
            now: DateTime::parse_from_rfc3339(&input.now)
                .map_err(|e| format!("now {:?}: {e}", input.now))?,
            tz: input
                .tz
                .parse::<Tz>()
                .map_err(|_| format!("tz {:?} is not an IANA time zone", input.tz))?,
            attendees: input.attendees.clone(),
            title: input.title.clone(),
            chunk_tokens: self.config.chunk_tokens,
            second_look: self.config.second_look,
        };
        let directory = self.directory().await?;
        let voices = match &audio {
            Some(_) => KnownVoices::new(
                self.store
                    .voiceprints()
                    .await
                    .map_err(|e| format!("cannot read the enrolled voices: {e}"))?,
                models::catalogue::SPEAKER_MODEL,
            ),
            None => KnownVoices::default(),
        };
        let previous = self
            .store
            .meeting(&input.meeting_id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("meeting {} no longer exists", input.meeting_id))?
            .minutes;

        let (tx, mut rx) = mpsc::unbounded_channel::<(f64, String)>();
        let config = self.config.clone();
        let transcript = input.transcript.clone();
        let work = tokio::task::spawn_blocking(move || {
            run_pipeline(
                transcript,
                audio.as_deref(),
                &directory,
                &voices,
                &opts,
                &config,
                tx,
            )
        });
        while let Some((fraction, message)) = rx.recv().await {
            progress.report(fraction, &message).await;
        }
        let mut minutes = work
            .await
            .map_err(|e| format!("the minutes job crashed: {e}"))??;

        if let Some(previous) = previous {
            keep_confirmed(&mut minutes, &previous);
        }
        let doc = serde_json::to_value(&minutes).map_err(|e| e.to_string())?;
        self.store
            .finish_meeting(&input.meeting_id, &minutes.language, &doc)
            .await
            .map_err(|e| format!("cannot store the minutes: {e}"))?;
        let tasks = minutes::sync::sync_tasks(&self.store, &input.meeting_id, &minutes, created_by)
            .await
            .map_err(|e| format!("the minutes are stored, but their tasks are not: {e}"))?;
        progress.report(1.0, "done").await;
        Ok(json!({
            "meeting_id": input.meeting_id,
            "action_items": minutes.action_items.len(),
            "tasks": tasks,
        }))
    }

    /// The stored directory, or an empty one when none was ever stored.
    async fn directory(&self) -> Result<Directory, String> {
        match self.store.directory().await.map_err(|e| e.to_string())? {
            None => Ok(Directory::default()),
            Some(v) => Directory::from_json(&v.document)
                .map_err(|e| format!("the stored directory (version {}): {e}", v.version)),
        }
    }
}

/// The blocking part: transcribe (when a recording), load the model once per process,
/// write the minutes. Progress goes to `tx` as (fraction, message).
fn run_pipeline(
    transcript: Option<String>,
    audio: Option<&Path>,
    directory: &Directory,
    voices: &KnownVoices,
    opts: &Options,
    config: &MinutesConfig,
    tx: mpsc::UnboundedSender<(f64, String)>,
) -> Result<Minutes, String> {
    let started = Instant::now();
    let with_audio = audio.is_some();
    let send = |stage: Stage| {
        let _ = tx.send((stage.fraction(with_audio), stage.message()));
    };
    let (transcript, transcribed) = match (transcript, audio) {
        (Some(text), _) => (
            input::from_bytes(text.as_bytes(), "transcript").map_err(|e| e.to_string())?,
            None,
        ),
        (None, Some(path)) => {
            send(Stage::Transcribing(0.0));
            let tx = tx.clone();
            let mut last = 0;
            let on_progress = Box::new(move |pct: i32| {
                if pct >= last + 5 {
                    last = pct;
                    let stage = Stage::Transcribing(f64::from(pct.clamp(0, 100)) / 100.0);
                    let _ = tx.send((stage.fraction(true), stage.message()));
                }
            });
            let languages = inference::whisper::Languages::parse(&config.languages)
                .map_err(|e| format!("minutes.languages: {e}"))?;
            let t = audio::transcribe(
                path,
                config.models_dir.clone(),
                config.speech_model.as_deref(),
                &languages,
                config.max_audio_hours * 3600.0,
                Some(on_progress),
                voices,
            )
            .map_err(|e| recording_error(e, path))?;
            (t.transcript.clone(), Some(t))
        }
        (None, None) => return Err("the job has neither a transcript nor a recording".into()),
    };
    let _ = tx.send((
        if with_audio { 0.5 } else { 0.0 },
        format!("loading the model {}", config.model),
    ));
    let t0 = Instant::now();
    let llm = crate::llm_models::shared(config.models_dir.clone(), &config.model)
        .map_err(|e| format!("{e:#}"))?;
    let load_s = t0.elapsed().as_secs_f64();
    let mut report = send;
    let mut m = minutes::write(
        transcript,
        transcribed.as_ref(),
        &llm,
        directory,
        opts,
        &mut report,
        None,
    )
    .map_err(|e| e.to_string())?;
    m.stats.load_s = (load_s * 1000.0).round() / 1000.0;
    m.stats.total_s = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    Ok(m)
}

/// A recording's failure in the user's words: the uploads folder's path means nothing
/// to them.
fn recording_error(e: minutes::MinutesError, path: &Path) -> String {
    let text = e.to_string();
    let shown = path.display().to_string();
    text.replace(&format!("{shown}: "), "the recording: ")
        .replace(&shown, "the recording")
}

/// Items a person confirmed keep their owner, task, due date and confirmation when the
/// meeting is processed again (the same said words give the same item id).
fn keep_confirmed(minutes: &mut Minutes, previous: &Value) {
    let Ok(previous) = serde_json::from_value::<Minutes>(previous.clone()) else {
        return;
    };
    for item in &mut minutes.action_items {
        if let Some(old) = previous
            .action_items
            .iter()
            .find(|o| o.confirmed && o.id == item.id)
        {
            item.owner = old.owner.clone();
            item.task = old.task.clone();
            item.due = old.due.clone();
            item.confirmed = true;
        }
    }
}
