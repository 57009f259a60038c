//! Diarization on the installed CAM++ model: conversations built from the fixture
//! clips (each clip one voice) with known turns.

mod common;

use std::path::PathBuf;

use inference::audio::read_wav_16k_mono;
use inference::speakers::{diarize, CamPlusPlus, DiarizeOptions, SpeakerCount};

const RATE: usize = 16_000;

fn clip(name: &str) -> Vec<f32> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/speakers")
        .join(name);
    read_wav_16k_mono(&path).unwrap()
}

fn model() -> CamPlusPlus {
    CamPlusPlus::load(&common::model_path("campplus-zh-en")).unwrap()
}

/// The clips laid end to end with 0.8 s of silence between them; returns the audio
/// and each clip's (start, end) in seconds.
fn conversation(names: &[&str]) -> (Vec<f32>, Vec<(f64, f64)>) {
    let mut audio = vec![0f32; RATE / 2];
    let mut spans = Vec::new();
    for name in names {
        let c = clip(name);
        let start = audio.len() as f64 / RATE as f64;
        audio.extend_from_slice(&c);
        spans.push((start, audio.len() as f64 / RATE as f64));
        audio.extend(std::iter::repeat_n(0f32, RATE * 8 / 10));
    }
    (audio, spans)
}

#[test]
fn two_voices_taking_turns_are_two_speakers_at_the_right_times() {
    let names = [
        "en_m3.wav",
        "yue_f4.wav",
        "en_m3.wav",
        "yue_f4.wav",
        "en_m3.wav",
    ];
    let (audio, spans) = conversation(&names);
    let d = diarize(&model(), &audio, &DiarizeOptions::default()).unwrap();
    assert_eq!(d.speakers, 2, "{:?}", d.turns);
    for (i, (start, end)) in spans.iter().enumerate() {
        // The middle of each clip belongs to the clip's voice: S1 for the first voice.
        let expected = usize::from(names[i] != names[0]);
        assert_eq!(
            d.speaker_of(start + 0.5, end - 0.5),
            Some(expected),
            "clip {i}: {:?}",
            d.turns
        );
    }
}

#[test]
fn one_voice_is_one_speaker() {
    // 11 s of one real speaker, with his pauses.
    let jfk = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/audio/jfk.wav");
    let audio = read_wav_16k_mono(&jfk).unwrap();
    let d = diarize(&model(), &audio, &DiarizeOptions::default()).unwrap();
    assert_eq!(d.speakers, 1, "{:?}", d.turns);
}

#[test]
fn silence_has_no_speakers_and_a_forced_count_changes_nothing_there() {
    let audio = vec![0f32; RATE * 5];
    let m = model();
    let d = diarize(&m, &audio, &DiarizeOptions::default()).unwrap();
    assert_eq!((d.speakers, d.turns.len()), (0, 0));
    let forced = DiarizeOptions {
        speakers: SpeakerCount::Exactly(3),
        ..DiarizeOptions::default()
    };
    assert_eq!(diarize(&m, &audio, &forced).unwrap().speakers, 0);
    assert_eq!(diarize(&m, &[], &forced).unwrap().speakers, 0);
}

#[test]
fn a_forced_count_is_honoured() {
    let (audio, _) = conversation(&["en_m3.wav", "zh_m1.wav", "en_f2.wav", "yue_f4.wav"]);
    let m = model();
    for n in [1, 2, 4] {
        let opts = DiarizeOptions {
            speakers: SpeakerCount::Exactly(n),
            ..DiarizeOptions::default()
        };
        assert_eq!(diarize(&m, &audio, &opts).unwrap().speakers, n);
    }
}
