//! Speech to text with whisper.cpp (through whisper-rs): load a ggml model once,
//! transcribe many recordings of 16 kHz mono samples into timestamped segments.

mod filters;
mod plan;
mod script;
mod transcriber;
pub mod wer;

pub use script::Script;
pub use transcriber::{
    ProgressFn, Segment, TranscribeOptions, Transcriber, Transcript, SAMPLE_RATE,
};
