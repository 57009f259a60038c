//! Audio in: decoded and transcribed with the same Whisper code as `mishu transcribe`,
//! with progress; the transcript keeps each segment's times.

use std::path::{Path, PathBuf};
use std::time::Instant;

use inference::whisper::{Languages, ProgressFn, TranscribeOptions, Transcriber};
use models::ModelStore;
use serde_json::{json, Value};

use inference::speakers::{Diarization, DiarizeOptions};

use super::error::{MinutesError, Result};
use super::transcript::{from_transcribe_json, Transcript};
use crate::speakers::SpeakerMode;
use crate::voices::{KnownVoices, SegmentSpeaker};

/// Longer recordings are refused unless told otherwise (`mishu minutes
/// --max-audio-hours`, the service's `[minutes] max_audio_hours`): cut them into
/// meetings.
pub const DEFAULT_MAX_AUDIO_HOURS: f64 = 4.0;

pub struct Transcribed {
    pub transcript: Transcript,
    /// The `transcribe --json` document.
    pub json: Value,
    /// The recording's length.
    pub duration_s: f64,
    pub decode_s: f64,
    /// Loading the Whisper model.
    pub load_s: f64,
    pub transcribe_s: f64,
    /// Separating and naming the speakers, beyond what ran alongside the transcription.
    pub speakers_s: f64,
    /// Separating the speakers, alongside the transcription (not part of the total on
    /// top of `transcribe_s`).
    pub speakers_alongside_s: f64,
}

/// `2.5 h`, or minutes and seconds under an hour (`1 min 30 s`).
fn hours(seconds: f64) -> String {
    if seconds >= 3600.0 {
        format!("{:.1} h", seconds / 3600.0)
    } else {
        let s = seconds.round() as u64;
        format!("{} min {} s", s / 60, s % 60)
    }
}

/// whisper-base with 8-bit weights when installed, else whisper-base.
pub fn default_model(store: &ModelStore) -> &'static str {
    if store.primary_path("whisper-base-q8_0").is_ok() {
        "whisper-base-q8_0"
    } else {
        "whisper-base"
    }
}

/// Decodes and transcribes `path`, refusing a recording longer than `max_s` seconds;
/// its language is detected among `languages`. `progress` gets percentages of the
/// recording done. When the speaker model is installed, each segment gets its speaker:
/// an enrolled person of `voices` whose voice it clearly is, else a label (`S1`).
pub fn transcribe(
    path: &Path,
    models_dir: Option<PathBuf>,
    model: Option<&str>,
    languages: &Languages,
    max_s: f64,
    mut progress: Option<ProgressFn>,
    voices: &KnownVoices,
) -> Result<Transcribed> {
    let t0 = Instant::now();
    let audio = inference::audio::decode_file(path)?;
    let duration_s = audio.duration_s();
    if duration_s > max_s {
        return Err(MinutesError::BadInput(format!(
            "{}: the recording is {} long; minutes are written for recordings of up to {} — cut it into parts",
            path.display(),
            hours(duration_s),
            hours(max_s)
        )));
    }
    let decode_s = t0.elapsed().as_secs_f64();
    let t_load = Instant::now();
    let store = ModelStore::open(models_dir)?;
    let name = model.unwrap_or_else(|| default_model(&store)).to_string();
    let transcriber = Transcriber::load(&store.primary_path(&name)?)?;
    let load_s = t_load.elapsed().as_secs_f64();
    // Said once the recording is accepted, even when it holds no speech to report on.
    if let Some(report) = progress.as_mut() {
        report(0);
    }
    let options = TranscribeOptions {
        languages: languages.clone(),
        ..TranscribeOptions::default()
    };
    let speaker_model = crate::speakers::load_model(&store, SpeakerMode::Auto)?;
    let samples = &audio.samples;
    let (t, diarized) = crate::speakers::beside(
        || {
            speaker_model
                .as_ref()
                .map(|model| model.diarize(samples, &DiarizeOptions::default()))
        },
        || {
            let started = Instant::now();
            let t = transcriber.transcribe(samples, &options, progress, None);
            (t, started.elapsed().as_secs_f64())
        },
    );
    let (t, transcribe_s) = t;
    let t = t?;
    tracing::info!(
        "{duration_s:.1} s of audio decoded in {decode_s:.1} s, transcribed in {transcribe_s:.1} s"
    );
    let t2 = Instant::now();
    let diarization = diarized.value.transpose()?;
    let t = match &diarization {
        Some(d) => crate::speakers::split_at_turns(d, t),
        None => t,
    };
    let speakers = match diarization {
        Some(diarization) => name_speakers(&diarization, &t, voices, diarized.ran_s),
        None => vec![None; t.segments.len()],
    };
    let speakers_s = diarized.waited_s + t2.elapsed().as_secs_f64();
    let doc = json!({
        "language": t.language,
        "duration_s": (duration_s * 100.0).round() / 100.0,
        "model": name,
        "text": t.text(),
        "segments": t.segments.iter().zip(&speakers).map(|(s, speaker)| json!({
            "start": s.start, "end": s.end, "text": s.text, "speaker": speaker,
            "language": s.language})).collect::<Vec<_>>(),
    });
    let transcript =
        from_transcribe_json(&doc, &path.display().to_string()).map_err(|e| match e {
            MinutesError::BadInput(_) => MinutesError::BadInput(format!(
                "{}: no speech was found in the recording",
                path.display()
            )),
            other => other,
        })?;
    Ok(Transcribed {
        transcript,
        json: doc,
        duration_s,
        decode_s,
        load_s,
        transcribe_s,
        speakers_s,
        speakers_alongside_s: diarized.ran_s,
    })
}

/// Each segment's speaker: an enrolled person of `voices` whose voice it clearly is,
/// else the label of the speaker who talks most within it.
fn name_speakers(
    diarization: &Diarization,
    t: &inference::whisper::Transcript,
    voices: &KnownVoices,
    separated_s: f64,
) -> Vec<Option<SegmentSpeaker>> {
    let names = voices.speakers_of(diarization);
    tracing::info!(
        "{} speaker(s), {} named by voice; separated in {separated_s:.1} s alongside the transcription",
        diarization.speakers,
        names
            .iter()
            .filter(|n| matches!(n, SegmentSpeaker::Person { .. }))
            .count(),
    );
    crate::speakers::of_segments(
        diarization,
        &names,
        t.segments.iter().map(|s| (s.start, s.end)),
    )
}
