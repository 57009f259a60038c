//! Kaldi-compatible log mel filterbank features, as `torchaudio.compliance.kaldi.fbank`
//! computes them with its defaults (25 ms Povey window, 10 ms shift, pre-emphasis 0.97,
//! DC removal, 512-point FFT power spectrum, 80 triangular mel bins from 20 Hz to
//! Nyquist, `snip_edges`, no dither): the input CAM++ was trained on.

use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};

pub const NUM_MEL_BINS: usize = 80;
const SAMPLE_RATE: f32 = 16_000.0;
const FRAME_LENGTH: usize = 400;
const FRAME_SHIFT: usize = 160;
const FFT_SIZE: usize = 512;
const PREEMPHASIS: f32 = 0.97;
const LOW_FREQ: f32 = 20.0;

/// One frame of features.
pub type Frame = [f32; NUM_MEL_BINS];

pub struct Fbank {
    window: Vec<f32>,
    /// Per mel bin: the first FFT bin it covers and its weights from there on.
    banks: Vec<(usize, Vec<f32>)>,
    fft: Arc<dyn RealToComplex<f32>>,
}

impl Default for Fbank {
    fn default() -> Self {
        Self::new()
    }
}

impl Fbank {
    pub fn new() -> Fbank {
        // Povey window: a Hann window (not periodic) raised to 0.85.
        let n = FRAME_LENGTH as f64;
        let window = (0..FRAME_LENGTH)
            .map(|i| {
                let hann = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / (n - 1.0)).cos();
                hann.powf(0.85) as f32
            })
            .collect();
        Fbank {
            window,
            banks: mel_banks(),
            fft: RealFftPlanner::<f32>::new().plan_fft_forward(FFT_SIZE),
        }
    }

    /// Number of frames `samples` at 16 kHz give (Kaldi's `snip_edges`).
    pub fn frame_count(samples: usize) -> usize {
        if samples < FRAME_LENGTH {
            0
        } else {
            1 + (samples - FRAME_LENGTH) / FRAME_SHIFT
        }
    }

    /// Samples that give exactly `frames` frames.
    pub fn samples_for(frames: usize) -> usize {
        if frames == 0 {
            0
        } else {
            FRAME_LENGTH + (frames - 1) * FRAME_SHIFT
        }
    }

    /// Log mel energies of 16 kHz samples in [-1, 1], one row per 10 ms frame.
    pub fn compute(&self, samples: &[f32]) -> Vec<Frame> {
        let frames = Self::frame_count(samples.len());
        let mut out = Vec::with_capacity(frames);
        let mut buf = vec![0f32; FFT_SIZE];
        let mut spectrum = self.fft.make_output_vec();
        let mut scratch = self.fft.make_scratch_vec();
        let mut power = vec![0f32; FFT_SIZE / 2 + 1];
        for f in 0..frames {
            let frame = &samples[f * FRAME_SHIFT..f * FRAME_SHIFT + FRAME_LENGTH];
            let mean = frame.iter().sum::<f32>() / FRAME_LENGTH as f32;
            for (b, &x) in buf.iter_mut().zip(frame) {
                *b = x - mean;
            }
            // Pre-emphasis, with the first sample emphasised against itself.
            for i in (1..FRAME_LENGTH).rev() {
                buf[i] -= PREEMPHASIS * buf[i - 1];
            }
            buf[0] -= PREEMPHASIS * buf[0];
            for (b, w) in buf.iter_mut().zip(&self.window) {
                *b *= w;
            }
            buf[FRAME_LENGTH..].fill(0.0);
            self.fft
                .process_with_scratch(&mut buf, &mut spectrum, &mut scratch)
                .expect("buffers are sized by the planner");
            for (p, c) in power.iter_mut().zip(&spectrum) {
                *p = c.norm_sqr();
            }
            let mut row = [0f32; NUM_MEL_BINS];
            for (r, (start, weights)) in row.iter_mut().zip(&self.banks) {
                let e: f32 = weights
                    .iter()
                    .zip(&power[*start..])
                    .map(|(w, p)| w * p)
                    .sum();
                *r = e.max(f32::EPSILON).ln();
            }
            out.push(row);
        }
        out
    }

    /// Features with each bin's mean over the frames subtracted (CAM++'s input).
    pub fn compute_normalized(&self, samples: &[f32]) -> Vec<Frame> {
        let mut frames = self.compute(samples);
        subtract_mean(&mut frames);
        frames
    }
}

pub fn subtract_mean(frames: &mut [Frame]) {
    if frames.is_empty() {
        return;
    }
    let mut mean = [0f32; NUM_MEL_BINS];
    for row in frames.iter() {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += v;
        }
    }
    let n = frames.len() as f32;
    for row in frames.iter_mut() {
        for (v, m) in row.iter_mut().zip(&mean) {
            *v -= m / n;
        }
    }
}

fn mel(hz: f32) -> f32 {
    1127.0 * (1.0 + hz / 700.0).ln()
}

/// Kaldi's triangular mel filters over the first 256 FFT bins (the Nyquist bin gets none).
fn mel_banks() -> Vec<(usize, Vec<f32>)> {
    let bins = FFT_SIZE / 2;
    let bin_width = SAMPLE_RATE / FFT_SIZE as f32;
    let (low, high) = (mel(LOW_FREQ), mel(SAMPLE_RATE / 2.0));
    let delta = (high - low) / (NUM_MEL_BINS as f32 + 1.0);
    (0..NUM_MEL_BINS)
        .map(|m| {
            let left = low + m as f32 * delta;
            let center = left + delta;
            let right = center + delta;
            let weights: Vec<f32> = (0..bins)
                .map(|i| {
                    let x = mel(bin_width * i as f32);
                    let up = (x - left) / (center - left);
                    let down = (right - x) / (right - center);
                    up.min(down).max(0.0)
                })
                .collect();
            let start = weights.iter().position(|&w| w > 0.0).unwrap_or(0);
            let end = weights
                .iter()
                .rposition(|&w| w > 0.0)
                .map_or(start, |e| e + 1);
            (start, weights[start..end].to_vec())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_count_follows_snip_edges() {
        assert_eq!(Fbank::frame_count(399), 0);
        assert_eq!(Fbank::frame_count(400), 1);
        assert_eq!(Fbank::frame_count(16_000), 98);
        for frames in [1, 2, 148] {
            assert_eq!(Fbank::frame_count(Fbank::samples_for(frames)), frames);
        }
    }

    #[test]
    fn a_tone_lights_the_bin_that_holds_its_frequency() {
        let tone: Vec<f32> = (0..16_000)
            .map(|i| 0.5 * (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / 16_000.0).sin())
            .collect();
        let frames = Fbank::new().compute(&tone);
        let row = &frames[10];
        let loudest = (0..NUM_MEL_BINS)
            .max_by(|&a, &b| row[a].total_cmp(&row[b]))
            .unwrap();
        // 1000 Hz is mel 1000; bins are spaced (mel(8000) - mel(20)) / 81 ≈ 26.5 apart from mel(20) ≈ 31.6.
        let expected =
            ((mel(1000.0) - mel(20.0)) / ((mel(8000.0) - mel(20.0)) / 81.0)).round() as usize - 1;
        assert!(loudest.abs_diff(expected) <= 1, "{loudest} vs {expected}");
    }

    #[test]
    fn silence_is_floored_not_minus_infinity() {
        let frames = Fbank::new().compute(&[0.0; 1600]);
        assert!(frames.iter().flatten().all(|v| v.is_finite()));
    }
}
