//! Audio in: files of any common format, rate and channel count decoded to 16 kHz mono f32
//! (what Whisper wants), and a segmenter that finds the speech in long recordings.

mod codecs;
mod decode;
mod resample;
pub mod vad;

use std::path::Path;

pub use decode::{decode_file, Audio};
pub use resample::StreamResampler;

use crate::error::Result;

/// Whisper's sample rate.
pub const SAMPLE_RATE: u32 = 16_000;

/// Reads any supported audio file as 16 kHz mono samples in [-1, 1].
pub fn read_16k_mono(path: &Path) -> Result<Vec<f32>> {
    Ok(decode_file(path)?.samples)
}

/// The older name of [`read_16k_mono`]: any rate and format, not only 16 kHz WAV.
pub fn read_wav_16k_mono(path: &Path) -> Result<Vec<f32>> {
    read_16k_mono(path)
}
