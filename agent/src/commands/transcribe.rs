//! `mishu transcribe AUDIO`: speech to text, printed as JSON, plain text, SRT or WebVTT.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use inference::whisper::{
    Engine, Languages, ProgressFn, Script, TranscribeOptions, Transcriber, Transcript,
};
use models::ModelStore;
use serde::Serialize;

use crate::cli::{GlobalArgs, TranscribeArgs};
use crate::exit::BadInput;
use crate::speakers::{self, SpeakerMode};
use crate::voices::SegmentSpeaker;

/// Files shorter than this get no progress bar.
const PROGRESS_AFTER_S: f64 = 5.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Txt,
    Srt,
    Vtt,
}

impl Format {
    fn parse(s: &str) -> anyhow::Result<Format> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "json" => Format::Json,
            "txt" | "text" => Format::Txt,
            "srt" => Format::Srt,
            "vtt" | "webvtt" => Format::Vtt,
            other => {
                return Err(BadInput(format!(
                    "unknown --format '{other}': use json, txt, srt or vtt"
                ))
                .into())
            }
        })
    }
}

/// Wider beams cost time for no measurable gain (whisper.cpp allows at most 8).
const MAX_BEAM: usize = 8;

pub fn run(global: &GlobalArgs, args: TranscribeArgs) -> anyhow::Result<()> {
    let format = if args.json {
        Format::Json
    } else {
        Format::parse(&args.format)?
    };
    let script: Script = args.script.parse().map_err(BadInput)?;
    let languages = parse_languages(&args.languages)?;
    if args.threads == Some(0) || args.workers == Some(0) || args.beam_size == Some(0) {
        return Err(
            BadInput("--threads, --workers and --beam-size must be at least 1".into()).into(),
        );
    }
    if args.beam_size.is_some_and(|b| b > MAX_BEAM) {
        return Err(BadInput(format!("--beam-size is at most {MAX_BEAM}")).into());
    }
    let engine = Engine::parse(&args.engine).ok_or_else(|| {
        BadInput(format!(
            "unknown engine {:?}: use auto, native or whisper.cpp",
            args.engine
        ))
    })?;
    let speaker_mode = SpeakerMode::parse(&args.speakers)?;
    let store = ModelStore::open(global.models_dir.clone())?;
    let speaker_model =
        speakers::load_model(&store, speaker_mode).map_err(speakers::LoadError::into_anyhow)?;
    let model = args
        .model
        .clone()
        .unwrap_or_else(|| default_model(&store).to_string());
    let model_path = model_path(&store, &model)?;

    let started = Instant::now();
    let audio = inference::audio::decode_file(&args.audio)?;
    let duration_s = audio.duration_s();
    tracing::info!(
        "{}: {:.1} s of {} at {} Hz, {} channel(s), decoded in {:.2} s",
        args.audio.display(),
        duration_s,
        audio.codec,
        audio.source_rate,
        audio.source_channels,
        started.elapsed().as_secs_f64()
    );

    let transcriber = Transcriber::load(&model_path)?;
    let mut options = TranscribeOptions {
        language: Some(args.language.clone()),
        languages,
        script,
        vad: !args.no_vad,
        condition_on_previous: !args.no_context,
        trim_window: args.trim_window,
        engine,
        ..TranscribeOptions::default()
    };
    if let Some(n) = args.threads {
        options.threads = n;
    }
    if let Some(n) = args.workers {
        options.workers = n;
    }
    if let Some(n) = args.beam_size {
        options.beam_size = n;
    }
    let bar = (duration_s > PROGRESS_AFTER_S).then(|| progress_bar(&args.audio));
    let progress: Option<ProgressFn> = bar.clone().map(|bar| {
        let terminal = std::io::stderr().is_terminal();
        let mut last_line = -10;
        Box::new(move |pct: i32| {
            bar.set_position(pct as u64);
            if !terminal && pct >= last_line + 10 {
                eprintln!("transcribing: {pct}%");
                last_line = pct;
            }
        }) as ProgressFn
    });
    let samples = &audio.samples;
    let (transcript, separated) = speakers::beside(
        || {
            speaker_model
                .as_ref()
                .map(|model| speakers::separate(model, samples, speaker_mode))
        },
        || transcriber.transcribe(samples, &options, progress, None),
    );
    let transcript =
        transcript.with_context(|| format!("cannot transcribe {}", args.audio.display()))?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    tracing::info!(
        "transcribed {:.1} s in {:.2} s",
        duration_s,
        started.elapsed().as_secs_f64()
    );
    let diarization = separated.value.transpose()?;
    let transcript = match &diarization {
        Some(d) => speakers::split_at_turns(d, transcript),
        None => transcript,
    };
    let labels = match diarization {
        Some(diarization) => {
            tracing::info!(
                "{} speaker(s) found in {:.2} s, alongside the transcription",
                diarization.speakers,
                separated.ran_s
            );
            let voices = crate::commands::voices::known_voices(args.data.clone())?;
            speakers::of_segments(
                &diarization,
                &voices.speakers_of(&diarization),
                transcript.segments.iter().map(|s| (s.start, s.end)),
            )
        }
        None => Vec::new(),
    };
    print!(
        "{}",
        render(&transcript, &labels, format, duration_s, &model)
    );
    Ok(())
}

/// The `--languages` list, or a usage error naming the bad code.
pub(crate) fn parse_languages(list: &str) -> anyhow::Result<Languages> {
    Languages::parse(list).map_err(|e| BadInput(format!("--languages {list:?}: {e}")).into())
}

/// whisper-base with 8-bit weights when it is installed: the same word error rate as
/// f16 on the meeting benchmark (docs/BENCHMARKS.md) in less time. Otherwise f16, which
/// `mishu models fetch` installs by default.
pub(crate) fn default_model(store: &ModelStore) -> &'static str {
    const QUANTIZED: &str = "whisper-base-q8_0";
    if store.primary_path(QUANTIZED).is_ok() {
        QUANTIZED
    } else {
        "whisper-base"
    }
}

/// A catalogue name, or the path of a ggml file the user has.
pub(crate) fn model_path(store: &ModelStore, model: &str) -> anyhow::Result<PathBuf> {
    let as_path = PathBuf::from(model);
    if (model.contains('/') || model.ends_with(".bin")) && as_path.is_file() {
        return Ok(as_path);
    }
    Ok(store.primary_path(model)?)
}

fn progress_bar(path: &std::path::Path) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(100).with_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}% {elapsed_precise} eta {eta}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    bar.set_message(format!("transcribing {name}"));
    bar.enable_steady_tick(std::time::Duration::from_millis(250));
    bar
}

/// `labels` holds each segment's speaker (empty when speakers were not separated).
fn render(
    t: &Transcript,
    labels: &[Option<SegmentSpeaker>],
    format: Format,
    duration_s: f64,
    model: &str,
) -> String {
    let speaker = |i: usize| labels.get(i).and_then(|l| l.as_ref());
    match format {
        Format::Json => {
            let doc = JsonTranscript {
                language: &t.language,
                duration_s: (duration_s * 100.0).round() / 100.0,
                model,
                text: t.text(),
                segments: t
                    .segments
                    .iter()
                    .enumerate()
                    .map(|(i, s)| JsonSegment {
                        start: s.start,
                        end: s.end,
                        text: &s.text,
                        speaker: speaker(i),
                        language: &s.language,
                    })
                    .collect(),
            };
            format!("{}\n", serde_json::to_string(&doc).expect("serializable"))
        }
        Format::Txt => t.segments.iter().map(|s| format!("{}\n", s.text)).collect(),
        Format::Srt => t
            .segments
            .iter()
            .enumerate()
            .map(|(i, s)| {
                format!(
                    "{}\n{} --> {}\n{}{}\n\n",
                    i + 1,
                    clock(s.start, ','),
                    clock(s.end, ','),
                    speaker(i).map_or(String::new(), |l| format!("{}: ", l.display())),
                    s.text
                )
            })
            .collect(),
        Format::Vtt => {
            let mut out = String::from("WEBVTT\n\n");
            for (i, s) in t.segments.iter().enumerate() {
                // WebVTT's voice tag names the speaker.
                out.push_str(&format!(
                    "{} --> {}\n{}{}\n\n",
                    clock(s.start, '.'),
                    clock(s.end, '.'),
                    speaker(i).map_or(String::new(), |l| format!("<v {}>", l.display())),
                    s.text
                ));
            }
            out
        }
    }
}

/// The `transcribe --json` document of INTERFACES.md, fields in its order.
#[derive(Serialize)]
struct JsonTranscript<'a> {
    language: &'a str,
    duration_s: f64,
    model: &'a str,
    text: String,
    segments: Vec<JsonSegment<'a>>,
}

#[derive(Serialize)]
struct JsonSegment<'a> {
    start: f64,
    end: f64,
    text: &'a str,
    speaker: Option<&'a SegmentSpeaker>,
    /// The language the segment was decoded in.
    language: &'a str,
}

/// `HH:MM:SS,mmm` (SRT) or `HH:MM:SS.mmm` (WebVTT).
fn clock(seconds: f64, sep: char) -> String {
    let ms = (seconds.max(0.0) * 1000.0).round() as u64;
    format!(
        "{:02}:{:02}:{:02}{sep}{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use inference::whisper::Segment;

    fn transcript() -> Transcript {
        let seg = |start, end, text: &str| Segment {
            start,
            end,
            text: text.into(),
            no_speech_prob: 0.0,
            avg_logprob: -0.1,
            language: "en".into(),
        };
        Transcript {
            language: "en".into(),
            segments: vec![
                seg(0.0, 7.6, "And so my fellow Americans,"),
                seg(7.6, 3725.25, "ask not."),
            ],
        }
    }

    #[test]
    fn clocks() {
        assert_eq!(clock(3725.25, ','), "01:02:05,250");
        assert_eq!(clock(0.0, '.'), "00:00:00.000");
    }

    #[test]
    fn json_has_the_interface_fields() {
        let out = render(&transcript(), &[], Format::Json, 11.0, "whisper-base");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["language"], "en");
        assert_eq!(v["duration_s"], 11.0);
        assert_eq!(v["model"], "whisper-base");
        assert_eq!(v["text"], "And so my fellow Americans, ask not.");
        assert_eq!(v["segments"][0]["end"], 7.6);
        assert!(v["segments"][0]["speaker"].is_null());
        assert_eq!(v["segments"][1]["language"], "en");
        assert!(
            out.starts_with(r#"{"language":"en","duration_s":11.0,"model":"whisper-base","text":"#)
        );
    }

    #[test]
    fn srt_and_vtt() {
        let srt = render(&transcript(), &[], Format::Srt, 11.0, "m");
        assert!(
            srt.starts_with("1\n00:00:00,000 --> 00:00:07,600\nAnd so my fellow Americans,\n\n2\n")
        );
        let vtt = render(&transcript(), &[], Format::Vtt, 11.0, "m");
        assert!(vtt.starts_with("WEBVTT\n\n00:00:00.000 --> 00:00:07.600\n"));
    }

    #[test]
    fn speakers_label_json_srt_and_vtt() {
        let labels = [Some(SegmentSpeaker::Label("S1".into())), None];
        let json = render(&transcript(), &labels, Format::Json, 11.0, "m");
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["segments"][0]["speaker"], "S1");
        assert!(v["segments"][1]["speaker"].is_null());
        let srt = render(&transcript(), &labels, Format::Srt, 11.0, "m");
        assert!(srt.contains("00:00:07,600\nS1: And so my fellow Americans,\n"));
        assert!(srt.contains("\nask not.\n"));
        let vtt = render(&transcript(), &labels, Format::Vtt, 11.0, "m");
        assert!(vtt.contains("00:00:07.600\n<v S1>And so my fellow Americans,\n"));
    }

    #[test]
    fn enrolled_speakers_are_objects_in_json_and_names_in_subtitles() {
        let labels = [
            Some(SegmentSpeaker::Person {
                id: "p001".into(),
                name: "Chan Tai Man".into(),
            }),
            Some(SegmentSpeaker::Label("S2".into())),
        ];
        let json = render(&transcript(), &labels, Format::Json, 11.0, "m");
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            v["segments"][0]["speaker"],
            serde_json::json!({"id": "p001", "name": "Chan Tai Man"})
        );
        assert_eq!(v["segments"][1]["speaker"], "S2");
        let srt = render(&transcript(), &labels, Format::Srt, 11.0, "m");
        assert!(
            srt.contains("\nChan Tai Man: And so my fellow Americans,\n"),
            "{srt}"
        );
        let vtt = render(&transcript(), &labels, Format::Vtt, 11.0, "m");
        assert!(vtt.contains("<v Chan Tai Man>And so"), "{vtt}");
    }
}
