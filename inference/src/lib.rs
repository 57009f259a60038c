//! The engines: audio decoding and Whisper speech recognition, and the local LLM.
//! Nothing here knows about meetings, commands or expenses.

mod error;
pub mod llm;

pub use error::{Error, ErrorKind, Result};
