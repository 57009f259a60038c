//! Diarization on the installed CAM++ model: conversations built from the fixture
//! clips (each clip one voice) with known turns.

mod common;

use std::path::PathBuf;

use inference::audio::read_wav_16k_mono;
use inference::speakers::{
    diarize, diarize_with, CamPlusPlus, DiarizeOptions, Segmentation, SpeakerCount,
};

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

fn segmentation() -> Segmentation {
    Segmentation::load(&common::model_path("pyannote-seg-3.0")).unwrap()
}

/// Seconds that `speaker` talks within [start, end).
fn talk(d: &inference::speakers::Diarization, speaker: usize, start: f64, end: f64) -> f64 {
    d.turns
        .iter()
        .filter(|t| t.speaker == speaker)
        .map(|t| (t.end.min(end) - t.start.max(start)).max(0.0))
        .sum()
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

#[test]
fn with_the_segmentation_model_loud_noise_is_nobody_and_two_voices_at_once_are_two() {
    let (mut audio, spans) = conversation(&[
        "en_m3.wav",
        "yue_f4.wav",
        "en_m3.wav",
        "yue_f4.wav",
        "en_m3.wav",
    ]);
    // Two seconds of loud hiss after the turns: the energy VAD hears speech there.
    let noise_start = audio.len() as f64 / RATE as f64;
    let mut seed = 7u32;
    audio.extend((0..2 * RATE).map(|_| {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (seed >> 8) as f32 / (1u32 << 24) as f32 * 0.6 - 0.3
    }));
    audio.extend(std::iter::repeat_n(0f32, RATE / 2));
    // Then one voice, and the other starting over its last second: a hand-over.
    let (a, b) = (clip("en_m3.wav"), clip("yue_f4.wav"));
    let a_start = audio.len();
    audio.extend_from_slice(&a);
    let b_start = audio.len() - RATE;
    audio.resize(b_start + b.len(), 0.0);
    for (i, v) in b.iter().enumerate() {
        audio[b_start + i] += v;
    }
    let (both_start, both_end) = (
        b_start as f64 / RATE as f64,
        (a_start + a.len()) as f64 / RATE as f64,
    );
    audio.extend(std::iter::repeat_n(0f32, RATE / 2));

    let energy = diarize(&model(), &audio, &DiarizeOptions::default()).unwrap();
    assert!(
        energy
            .speaker_of(noise_start + 0.2, noise_start + 1.8)
            .is_some(),
        "the energy VAD takes the hiss for speech: {:?}",
        energy.turns
    );
    let d = diarize_with(
        &model(),
        Some(&segmentation()),
        &audio,
        &DiarizeOptions::default(),
    )
    .unwrap();
    assert_eq!(d.speakers, 2, "{:?}", d.turns);
    for (i, (start, end)) in spans.iter().enumerate() {
        assert_eq!(
            d.speaker_of(start + 0.5, end - 0.5),
            Some(i % 2),
            "clip {i}: {:?}",
            d.turns
        );
    }
    assert_eq!(
        d.speaker_of(noise_start + 0.2, noise_start + 1.8),
        None,
        "{:?}",
        d.turns
    );
    // Over the middle of the second where both speak, both are heard.
    let (m0, m1) = (both_start + 0.25, both_end - 0.25);
    for s in 0..2 {
        assert!(
            talk(&d, s, m0, m1) > 0.5 * (m1 - m0),
            "speaker {s} in the overlap {m0:.1}-{m1:.1}: {:?}",
            d.turns
        );
    }
}
