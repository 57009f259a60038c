//! Speech to text: load a whisper.cpp ggml model once, transcribe many recordings of
//! 16 kHz mono samples into timestamped segments — with mishu's own engine on the int8
//! kernels ([`native`]) or whisper.cpp (through whisper-rs).

mod filters;
mod language;
mod native;
mod plan;
mod script;
mod transcriber;
pub mod wer;

pub use language::{is_cantonese, Languages, CANTONESE_PROMPT, DEFAULT_LANGUAGES};
pub use script::Script;
pub use transcriber::{
    Engine, ProgressFn, Segment, TranscribeOptions, Transcriber, Transcript, SAMPLE_RATE,
};
