//! Any common audio file → 16 kHz mono f32, decoded with symphonia packet by packet,
//! mixed down and resampled as it streams, so only the 16 kHz result is ever whole in memory.

use std::fs::File;
use std::path::Path;

use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

use super::codecs;
use super::resample::StreamResampler;
use super::SAMPLE_RATE;
use crate::error::{Error, Result};

/// A decoded recording: 16 kHz mono samples in [-1, 1] and what the file was.
#[derive(Debug, Clone)]
pub struct Audio {
    pub samples: Vec<f32>,
    /// The file's own sample rate and channel count.
    pub source_rate: u32,
    pub source_channels: usize,
    /// The codec, as symphonia names it (`pcm_s16le`, `flac`, `mp3`, `aac`, `vorbis`, …).
    pub codec: String,
}

impl Audio {
    pub fn duration_s(&self) -> f64 {
        self.samples.len() as f64 / SAMPLE_RATE as f64
    }
}

/// Decodes an audio file (WAV 8/16/24/32-bit and float, FLAC, MP3, Ogg Vorbis, Ogg/WebM
/// Opus, M4A/AAC, ALAC, AIFF, CAF, MKV/WebM audio) to 16 kHz mono.
///
/// Errors are [`Error::BadInput`] naming the file and the problem: empty, not audio,
/// no audio track, a 0 Hz or 0-channel header, no samples, or a stream that ends before
/// its header says it should (a truncated file).
pub fn decode_file(path: &Path) -> Result<Audio> {
    let bad = |detail: String| Error::BadInput(format!("{}: {detail}", path.display()));
    let file = File::open(path).map_err(|e| bad(format!("cannot open ({e})")))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len == 0 {
        return Err(bad("the file is empty (0 bytes)".into()));
    }
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let mut format = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| bad(format!("not a supported audio file ({})", describe(&e))))?;
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| bad("has no audio track".into()))?;
    let track_id = track.id;
    let promised_frames = track.num_frames;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| bad("has no audio track".into()))?
        .clone();
    let header_rate = params.sample_rate;
    if header_rate == Some(0) {
        return Err(bad("the header says the sample rate is 0 Hz".into()));
    }
    if params.channels.as_ref().is_some_and(|c| c.count() == 0) {
        return Err(bad("the header says there are 0 channels".into()));
    }
    let mut decoder = codecs::registry()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| bad(format!("its codec cannot be decoded ({})", describe(&e))))?;
    let codec = codecs::registry()
        .get_audio_decoder(params.codec)
        .map(|d| d.codec.info.short_name.to_string())
        .unwrap_or_else(|| format!("{:?}", params.codec));

    let mut resampler: Option<StreamResampler> = header_rate
        .map(|r| StreamResampler::new(r, SAMPLE_RATE))
        .transpose()?;
    let mut rate = header_rate.unwrap_or(0);
    let mut channels = params.channels.as_ref().map_or(0, |c| c.count());
    let mut samples: Vec<f32> = Vec::new();
    if let (Some(frames), Some(r)) = (promised_frames, header_rate) {
        // Reserve the 16 kHz result once (capped: a lying header must not allocate gigabytes).
        let want = (frames as f64 * SAMPLE_RATE as f64 / r as f64) as usize;
        samples.reserve(want.min(SAMPLE_RATE as usize * 3600 * 4));
    }
    let mut interleaved: Vec<f32> = Vec::new();
    let mut mono: Vec<f32> = Vec::new();
    let mut frames_decoded: u64 = 0;
    let mut bad_packets = 0usize;
    let mut good_packets = 0usize;
    let mut truncated: Option<String> = None;
    // AAC decoders output one frame of encoder priming first; MP4 edit lists (which say
    // so) are not read by symphonia yet, so drop it here: 1024 frames for AAC-LC.
    let mut skip_frames: usize = 0;
    let mut first_packet = true;

    loop {
        let packet = match format.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) => break,
            // A chained Ogg stream: the first stream is the recording; stop there.
            Err(SymError::ResetRequired) => break,
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                truncated = Some("the file ends in the middle of a packet".into());
                break;
            }
            Err(e) => {
                if good_packets == 0 {
                    return Err(bad(format!("cannot read its audio ({})", describe(&e))));
                }
                truncated = Some(format!("the stream is damaged ({})", describe(&e)));
                break;
            }
        };
        if packet.track_id != track_id {
            continue;
        }
        if first_packet {
            first_packet = false;
            if codec == "aac" && packet.trim_start.is_zero() {
                skip_frames = 1024;
            }
        }
        let buf = match decoder.decode(&packet) {
            Ok(buf) => buf,
            Err(SymError::DecodeError(msg)) => {
                bad_packets += 1;
                tracing::debug!("{}: skipped a damaged packet ({msg})", path.display());
                continue;
            }
            Err(SymError::IoError(e)) => {
                bad_packets += 1;
                tracing::debug!("{}: skipped a damaged packet ({e})", path.display());
                continue;
            }
            Err(e) => return Err(bad(format!("cannot decode its audio ({})", describe(&e)))),
        };
        if buf.frames() == 0 {
            continue;
        }
        good_packets += 1;
        let spec = buf.spec();
        let (buf_rate, buf_channels) = (spec.rate(), spec.channels().count());
        if buf_rate == 0 || buf_channels == 0 {
            return Err(bad(format!(
                "the stream says {buf_rate} Hz, {buf_channels} channels"
            )));
        }
        if resampler.is_none() || buf_rate != rate {
            if let Some(mut r) = resampler.take() {
                r.finish(&mut samples)?;
            }
            resampler = Some(StreamResampler::new(buf_rate, SAMPLE_RATE)?);
            rate = buf_rate;
        }
        channels = buf_channels;
        buf.copy_to_vec_interleaved(&mut interleaved);
        mono.clear();
        if channels == 1 {
            mono.extend_from_slice(&interleaved);
        } else {
            let scale = 1.0 / channels as f32;
            mono.extend(
                interleaved
                    .chunks_exact(channels)
                    .map(|f| f.iter().sum::<f32>() * scale),
            );
        }
        frames_decoded += mono.len() as u64;
        let skip = skip_frames.min(mono.len());
        skip_frames -= skip;
        if let Some(r) = resampler.as_mut() {
            r.push(&mono[skip..], &mut samples)?;
        }
    }
    if let Some(mut r) = resampler.take() {
        r.finish(&mut samples)?;
    }
    if good_packets == 0 && bad_packets > 0 {
        return Err(bad(format!(
            "none of its {bad_packets} audio packets could be decoded"
        )));
    }
    if frames_decoded == 0 {
        return Err(bad(match truncated {
            Some(why) => format!("contains no audio: {why}"),
            None => "contains no audio samples (0 frames)".into(),
        }));
    }
    let seconds = |frames: u64| frames as f64 / rate.max(1) as f64;
    if let Some(promised) = promised_frames {
        // The header knows the length: a file that stops well short of it was cut off.
        let missing = promised.saturating_sub(frames_decoded);
        if missing as f64 > (promised as f64 * 0.01).max(rate as f64 * 0.5) {
            return Err(bad(format!(
                "truncated: the header promises {:.1} s of audio but the file ends after {:.1} s",
                seconds(promised),
                seconds(frames_decoded)
            )));
        }
    }
    if let Some(why) = truncated {
        if promised_frames.is_some() {
            return Err(bad(format!(
                "truncated after {:.1} s: {why}",
                seconds(frames_decoded)
            )));
        }
        // No length in the header (a raw stream): keep what decoded, say so.
        tracing::warn!(
            "{}: {why}; using the first {:.1} s",
            path.display(),
            seconds(frames_decoded)
        );
    }
    if bad_packets > 0 {
        tracing::warn!("{}: skipped {bad_packets} damaged packets", path.display());
    }
    samples.shrink_to_fit();
    Ok(Audio {
        samples,
        source_rate: rate,
        source_channels: channels,
        codec,
    })
}

fn describe(e: &SymError) -> String {
    match e {
        SymError::Unsupported(what) => format!("unsupported: {what}"),
        SymError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "the file ends too early".into()
        }
        other => other.to_string(),
    }
}
