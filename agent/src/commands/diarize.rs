//! `mishu diarize AUDIO`: who spoke when, as speaker turns (JSON or RTTM).

use inference::speakers::Diarization;
use models::ModelStore;
use serde::Serialize;

use crate::cli::{DiarizeArgs, GlobalArgs};
use crate::exit::BadInput;
use crate::speakers::{label, load_model, separate_with, LoadError, SpeakerMode};
use crate::voices::{KnownVoices, SegmentSpeaker};

pub fn run(global: &GlobalArgs, args: DiarizeArgs) -> anyhow::Result<()> {
    let mode = SpeakerMode::parse(&args.speakers)?;
    if mode == SpeakerMode::Off {
        return Err(BadInput("--speakers off leaves nothing to do".into()).into());
    }
    let rttm = match args.format.to_ascii_lowercase().as_str() {
        _ if args.json => false,
        "json" => false,
        "rttm" => true,
        other => {
            return Err(BadInput(format!("unknown --format '{other}': use json or rttm")).into())
        }
    };
    let store = ModelStore::open(global.models_dir.clone())?;
    // Asking for this command is asking for speakers: the model must be there.
    let mode = match mode {
        SpeakerMode::Auto => {
            store.primary_path(models::catalogue::SPEAKER_MODEL)?;
            mode
        }
        m => m,
    };
    let model = load_model(&store, mode)
        .map_err(LoadError::into_anyhow)?
        .expect("the speaker model was checked");
    let started = std::time::Instant::now();
    let audio = inference::audio::decode_file(&args.audio)?;
    let duration_s = audio.duration_s();
    let diarization = separate_with(&model, &audio.samples, mode, args.threshold)?;
    tracing::info!(
        "{:.1} s of audio: {} speaker(s) in {:.2} s",
        duration_s,
        diarization.speakers,
        started.elapsed().as_secs_f64()
    );
    let name = args
        .audio
        .file_stem()
        .map_or_else(|| "audio".into(), |s| s.to_string_lossy().replace(' ', "_"));
    let mut out = render(&diarization, duration_s, rttm, &name);
    let voices = crate::commands::voices::known_voices(args.data.clone())?;
    if !rttm && !voices.is_empty() {
        let mut doc: serde_json::Value = serde_json::from_str(&out)?;
        doc["voices"] = voices_json(&diarization, &voices);
        out = format!("{doc}\n");
    }
    print!("{out}");
    Ok(())
}

/// Per speaker: the person it is named after (or null) and its closest enrolled voices.
fn voices_json(d: &Diarization, voices: &KnownVoices) -> serde_json::Value {
    let names = voices.speakers_of(d);
    let matches = voices.matches(d, 3);
    serde_json::json!(names
        .iter()
        .zip(matches)
        .enumerate()
        .map(|(i, (name, matches))| serde_json::json!({
            "speaker": label(i),
            "person": match name {
                SegmentSpeaker::Person { .. } => serde_json::to_value(name).expect("serializable"),
                SegmentSpeaker::Label(_) => serde_json::Value::Null,
            },
            "matches": matches,
        }))
        .collect::<Vec<_>>())
}

#[derive(Serialize)]
struct JsonDiarization {
    duration_s: f64,
    speakers: usize,
    turns: Vec<JsonTurn>,
}

#[derive(Serialize)]
struct JsonTurn {
    start: f64,
    end: f64,
    speaker: String,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn render(d: &Diarization, duration_s: f64, rttm: bool, name: &str) -> String {
    if rttm {
        return d
            .turns
            .iter()
            .map(|t| {
                format!(
                    "SPEAKER {name} 1 {:.3} {:.3} <NA> <NA> {} <NA> <NA>\n",
                    t.start,
                    t.end - t.start,
                    label(t.speaker)
                )
            })
            .collect();
    }
    let doc = JsonDiarization {
        duration_s: round2(duration_s),
        speakers: d.speakers,
        turns: d
            .turns
            .iter()
            .map(|t| JsonTurn {
                start: round2(t.start),
                end: round2(t.end),
                speaker: label(t.speaker),
            })
            .collect(),
    };
    format!("{}\n", serde_json::to_string(&doc).expect("serializable"))
}
