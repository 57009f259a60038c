//! The engines: audio decoding and Whisper speech recognition, the local LLM, and
//! sentence embeddings.
//! Nothing here knows about meetings, commands or expenses.

pub mod audio;
pub mod embeddings;
mod error;
pub mod llm;
mod logging;
pub mod speakers;
pub mod whisper;

pub use error::{Error, ErrorKind, Result};
