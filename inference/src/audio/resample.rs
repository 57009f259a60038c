//! Streaming sample-rate conversion to 16 kHz with rubato's FFT resampler: mono samples go
//! in packet by packet, resampled samples come out, and nothing holds the whole file twice.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Indexing, Resampler};

use crate::error::{Error, Result};

/// Input frames per resampler call: small enough to stream, big enough to be cheap.
const CHUNK: usize = 1024;

/// Converts a mono stream from `from` Hz to `to` Hz. A pass-through when the rates match.
pub struct StreamResampler {
    inner: Option<Fft<f32>>,
    ratio: f64,
    pending: Vec<f32>,
    out_buf: Vec<f32>,
    /// Output frames still to drop: the resampler's start-up delay.
    delay_left: usize,
    frames_in: u64,
    frames_out: u64,
}

impl StreamResampler {
    pub fn new(from: u32, to: u32) -> Result<StreamResampler> {
        if from == 0 || to == 0 {
            return Err(Error::BadInput(format!(
                "cannot resample from {from} Hz to {to} Hz"
            )));
        }
        let ratio = to as f64 / from as f64;
        if from == to {
            return Ok(StreamResampler {
                inner: None,
                ratio,
                pending: Vec::new(),
                out_buf: Vec::new(),
                delay_left: 0,
                frames_in: 0,
                frames_out: 0,
            });
        }
        let inner = Fft::<f32>::new(from as usize, to as usize, CHUNK, 1, FixedSync::Input)
            .map_err(|e| Error::Engine(format!("cannot resample {from} Hz to {to} Hz: {e}")))?;
        let delay_left = inner.output_delay();
        let out_buf = vec![0.0; inner.output_frames_max()];
        Ok(StreamResampler {
            inner: Some(inner),
            ratio,
            pending: Vec::with_capacity(CHUNK * 2),
            out_buf,
            delay_left,
            frames_in: 0,
            frames_out: 0,
        })
    }

    /// Feeds mono samples; appends whatever is ready to `out`.
    pub fn push(&mut self, mono: &[f32], out: &mut Vec<f32>) -> Result<()> {
        self.frames_in += mono.len() as u64;
        if self.inner.is_none() {
            out.extend_from_slice(mono);
            self.frames_out += mono.len() as u64;
            return Ok(());
        }
        self.pending.extend_from_slice(mono);
        let mut pos = 0;
        loop {
            let need = self.inner.as_ref().map_or(0, |r| r.input_frames_next());
            if self.pending.len() - pos < need {
                break;
            }
            self.run(pos, need, None, out)?;
            pos += need;
        }
        self.pending.drain(..pos);
        Ok(())
    }

    /// Flushes the tail: the output has exactly round(input × ratio) samples.
    pub fn finish(&mut self, out: &mut Vec<f32>) -> Result<()> {
        if self.inner.is_none() {
            return Ok(());
        }
        let expected = (self.frames_in as f64 * self.ratio).round() as u64;
        let need = self.inner.as_ref().map_or(0, |r| r.input_frames_next());
        let mut tail = std::mem::take(&mut self.pending);
        let partial = tail.len();
        tail.resize(need.max(partial), 0.0);
        self.pending = tail;
        self.run(0, need, Some(partial), out)?;
        // Zero input pushes the rest of the filter's delay line out.
        let mut guard = 0;
        while self.frames_out < expected && guard < 64 {
            self.pending.iter_mut().for_each(|s| *s = 0.0);
            self.run(0, need, Some(0), out)?;
            guard += 1;
        }
        if self.frames_out > expected {
            let extra = (self.frames_out - expected) as usize;
            out.truncate(out.len().saturating_sub(extra));
            self.frames_out = expected;
        }
        self.pending.clear();
        Ok(())
    }

    fn run(
        &mut self,
        pos: usize,
        need: usize,
        partial: Option<usize>,
        out: &mut Vec<f32>,
    ) -> Result<()> {
        let Some(inner) = self.inner.as_mut() else {
            return Ok(());
        };
        let input = InterleavedSlice::new(&self.pending[pos..pos + need], 1, need)
            .map_err(|e| Error::Engine(format!("resampler input: {e}")))?;
        let frames = self.out_buf.len();
        let mut output = InterleavedSlice::new_mut(&mut self.out_buf[..], 1, frames)
            .map_err(|e| Error::Engine(format!("resampler output: {e}")))?;
        let indexing = partial.map(|n| Indexing::new().partial_len(n));
        let (_, produced) = inner
            .process_into_buffer(&input, &mut output, indexing.as_ref())
            .map_err(|e| Error::Engine(format!("resampling failed: {e}")))?;
        let skip = self.delay_left.min(produced);
        self.delay_left -= skip;
        out.extend_from_slice(&self.out_buf[skip..produced]);
        self.frames_out += (produced - skip) as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(rate: u32, freq: f32, seconds: f32) -> Vec<f32> {
        let n = (rate as f32 * seconds) as usize;
        (0..n)
            .map(|i| (2.0 * std::f32::consts::PI * freq * i as f32 / rate as f32).sin() * 0.5)
            .collect()
    }

    #[test]
    fn resampled_sine_keeps_its_length_phase_and_level() {
        for from in [8_000u32, 22_050, 44_100, 48_000] {
            let input = sine(from, 440.0, 2.0);
            let mut r = StreamResampler::new(from, 16_000).unwrap();
            let mut out = Vec::new();
            for packet in input.chunks(1152) {
                r.push(packet, &mut out).unwrap();
            }
            r.finish(&mut out).unwrap();
            assert_eq!(out.len(), 32_000, "{from} Hz");
            let expected = sine(16_000, 440.0, 2.0);
            // Away from the edges the waveform matches the directly generated one.
            let err = out[1000..31_000]
                .iter()
                .zip(&expected[1000..31_000])
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(err < 0.05, "{from} Hz: max error {err}");
        }
    }

    #[test]
    fn same_rate_passes_through() {
        let input = sine(16_000, 300.0, 0.5);
        let mut r = StreamResampler::new(16_000, 16_000).unwrap();
        let mut out = Vec::new();
        r.push(&input, &mut out).unwrap();
        r.finish(&mut out).unwrap();
        assert_eq!(out, input);
    }

    #[test]
    fn zero_hz_is_bad_input() {
        assert!(matches!(
            StreamResampler::new(0, 16_000),
            Err(Error::BadInput(_))
        ));
    }
}
