//! Speaker labels for a transcript: parse `--speakers auto|N|off`, diarize the
//! recording with CAM++ when its model is installed (the speech found by the
//! segmentation network when that is installed too), and give each segment the label
//! of the speaker who talks most within it.

use std::path::PathBuf;
use std::time::Instant;

use inference::speakers::{
    diarize_with, CamPlusPlus, Diarization, DiarizeOptions, Segmentation, SpeakerCount,
};
use models::catalogue::{SEGMENTATION_MODEL, SPEAKER_MODEL};
use models::ModelStore;

use crate::exit::BadInput;

mod split;
pub use split::split_at_turns;

/// Most speakers `--speakers N` may ask for.
pub const MAX_SPEAKERS: usize = 32;

/// What `--speakers` asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpeakerMode {
    /// Separate speakers when the speaker model is installed; estimate their number.
    Auto,
    /// Separate exactly N speakers (the speaker model must be installed).
    Exactly(usize),
    Off,
}

impl SpeakerMode {
    pub fn parse(s: &str) -> Result<SpeakerMode, BadInput> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(SpeakerMode::Auto),
            "off" | "none" => Ok(SpeakerMode::Off),
            n => match n.parse::<usize>() {
                Ok(n) if (1..=MAX_SPEAKERS).contains(&n) => Ok(SpeakerMode::Exactly(n)),
                _ => Err(BadInput(format!(
                    "--speakers {s:?}: use auto, off or a number from 1 to {MAX_SPEAKERS}"
                ))),
            },
        }
    }
}

/// What diarization runs on.
pub struct SpeakerModels {
    /// CAM++: whose voice a stretch of speech is.
    pub voices: CamPlusPlus,
    /// The segmentation network: where anybody speaks. Without it, the energy VAD.
    pub activity: Option<Segmentation>,
}

impl SpeakerModels {
    /// Who spoke when in 16 kHz mono `samples`.
    pub fn diarize(
        &self,
        samples: &[f32],
        options: &DiarizeOptions,
    ) -> Result<Diarization, inference::Error> {
        diarize_with(&self.voices, self.activity.as_ref(), samples, options)
    }
}

/// A speaker model that cannot be found or loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Store(#[from] models::Error),
    #[error(transparent)]
    Model(#[from] inference::Error),
}

impl LoadError {
    /// The inner error itself, which the exit code is chosen from
    /// (`crate::exit::code_for`).
    pub fn into_anyhow(self) -> anyhow::Error {
        match self {
            LoadError::Store(e) => e.into(),
            LoadError::Model(e) => e.into(),
        }
    }
}

/// The speaker models, or `None` in auto mode when CAM++ is not installed. A forced
/// count without it, or a damaged model, is an error that says what to fetch.
pub fn load_model(
    store: &ModelStore,
    mode: SpeakerMode,
) -> Result<Option<SpeakerModels>, LoadError> {
    let Some(path) = model_path(store, mode)? else {
        return Ok(None);
    };
    let voices = CamPlusPlus::load(&path)?;
    // Not installed: the energy VAD finds the speech. Damaged: an error that says so.
    let activity = match store.primary_path(SEGMENTATION_MODEL) {
        Ok(p) => Some(Segmentation::load(&p)?),
        Err(e @ models::Error::NotInstalled { .. }) => {
            tracing::info!("speech for the speakers is found by loudness: {e}");
            None
        }
        Err(e) => return Err(e.into()),
    };
    Ok(Some(SpeakerModels { voices, activity }))
}

/// Where the speaker model is, or `None` when speakers are off, or in auto mode when it
/// is not installed (said in the log).
pub fn model_path(store: &ModelStore, mode: SpeakerMode) -> Result<Option<PathBuf>, models::Error> {
    match mode {
        SpeakerMode::Off => Ok(None),
        SpeakerMode::Auto => match store.primary_path(SPEAKER_MODEL) {
            Ok(p) => Ok(Some(p)),
            Err(e) if e.kind() == models::ErrorKind::ModelMissing => {
                tracing::info!("speakers are not separated: {e}");
                Ok(None)
            }
            Err(e) => Err(e),
        },
        SpeakerMode::Exactly(_) => store.primary_path(SPEAKER_MODEL).map(Some),
    }
}

/// Who spoke when in 16 kHz mono `samples`.
pub fn separate(
    model: &SpeakerModels,
    samples: &[f32],
    mode: SpeakerMode,
) -> anyhow::Result<Diarization> {
    separate_with(model, samples, mode, None)
}

/// As `separate`, with the clustering threshold given (`None`: the calibrated one).
pub fn separate_with(
    model: &SpeakerModels,
    samples: &[f32],
    mode: SpeakerMode,
    threshold: Option<f32>,
) -> anyhow::Result<Diarization> {
    if threshold.is_some_and(|t| !(-1.0..=1.0).contains(&t)) {
        return Err(BadInput("--threshold is a cosine similarity, from -1 to 1".into()).into());
    }
    let defaults = DiarizeOptions::default();
    let options = DiarizeOptions {
        threshold: threshold.unwrap_or(defaults.threshold),
        speakers: match mode {
            SpeakerMode::Exactly(n) => SpeakerCount::Exactly(n),
            _ => SpeakerCount::Auto,
        },
        ..defaults
    };
    Ok(model.diarize(samples, &options)?)
}

/// What ran beside the main work, and for how long.
pub struct Beside<T> {
    pub value: T,
    /// The side work's own wall time.
    pub ran_s: f64,
    /// How long the main work's caller waited for it after the main work was done.
    pub waited_s: f64,
}

/// Runs `side` on a thread of its own, with one thread for its candle operations, while
/// `main` runs here; returns both when both are done. Transcription keeps every core
/// busy with its own threads, and the speaker embeddings gain almost nothing from a
/// second thread (a 5-minute meeting: 13.7 s on one thread, 14.4 s on two), so
/// separating the speakers alongside the transcription takes time that was mostly idle
/// or wasted in hand-offs, instead of adding its whole length after it.
pub fn beside<M, S: Send>(
    side: impl FnOnce() -> S + Send,
    main: impl FnOnce() -> M,
) -> (M, Beside<S>) {
    std::thread::scope(|scope| {
        let handle = scope.spawn(move || {
            let started = Instant::now();
            let value = match rayon::ThreadPoolBuilder::new().num_threads(1).build() {
                Ok(pool) => pool.install(side),
                // No thread for a pool of its own: candle's shared pool does it.
                Err(e) => {
                    tracing::debug!("no one-thread pool for the speakers ({e})");
                    side()
                }
            };
            (value, started.elapsed().as_secs_f64())
        });
        let out = main();
        let waiting = Instant::now();
        let (value, ran_s) = match handle.join() {
            Ok(done) => done,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        (
            out,
            Beside {
                value,
                ran_s,
                waited_s: waiting.elapsed().as_secs_f64(),
            },
        )
    })
}

/// `S1`, `S2`, … for 0-based speaker numbers.
pub fn label(speaker: usize) -> String {
    format!("S{}", speaker + 1)
}

/// For each `[start, end)` of `segments`, the name (of `names`, one per speaker) of the
/// speaker who talks most within it, if anyone does.
pub fn of_segments<T: Clone>(
    diarization: &Diarization,
    names: &[T],
    segments: impl IntoIterator<Item = (f64, f64)>,
) -> Vec<Option<T>> {
    segments
        .into_iter()
        .map(|(start, end)| diarization.speaker_of(start, end).map(|i| names[i].clone()))
        .collect()
}

/// The label of the speaker of [start, end), if anyone speaks in it.
pub fn label_for(diarization: &Diarization, start: f64, end: f64) -> Option<String> {
    diarization.speaker_of(start, end).map(label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn side_work_runs_on_its_own_one_thread_pool_while_the_main_work_runs() {
        let (main, side) = beside(
            || {
                std::thread::sleep(std::time::Duration::from_millis(200));
                (rayon::current_num_threads(), std::thread::current().id())
            },
            || std::thread::current().id(),
        );
        let (threads, side_thread) = side.value;
        assert_eq!(threads, 1);
        assert_ne!(side_thread, main);
        assert!(side.ran_s >= 0.2, "{}", side.ran_s);
        // The main work was instant: most of the side's time was waited for.
        assert!(side.waited_s >= 0.1 && side.waited_s <= side.ran_s + 0.01);
    }

    #[test]
    fn parses_the_speakers_option() {
        assert_eq!(SpeakerMode::parse("auto").unwrap(), SpeakerMode::Auto);
        assert_eq!(SpeakerMode::parse("OFF").unwrap(), SpeakerMode::Off);
        assert_eq!(SpeakerMode::parse("3").unwrap(), SpeakerMode::Exactly(3));
        for bad in ["0", "-1", "many", "33"] {
            assert!(SpeakerMode::parse(bad).is_err(), "{bad}");
        }
    }
}
