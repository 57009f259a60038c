//! The engines: audio decoding and Whisper speech recognition, and the local LLM.
//! Nothing here knows about meetings, commands or expenses.

pub mod audio;
mod error;
pub mod llm;
mod logging;
pub mod speakers;
pub mod whisper;

pub use error::{Error, ErrorKind, Result};
