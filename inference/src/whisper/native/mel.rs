//! The log-mel spectrogram Whisper's encoder reads, computed as openai-whisper computes
//! it: 25-ms Hann windows every 10 ms (centred, reflected at the start), power spectrum,
//! the model file's mel filterbank, log10, clamped to 8 below the maximum, scaled.

use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};

/// Samples per window (25 ms at 16 kHz).
pub(crate) const N_FFT: usize = 400;
/// Samples between windows (10 ms).
pub(crate) const HOP: usize = 160;

pub(crate) struct MelSpec {
    /// `n_mel` rows of `N_FFT / 2 + 1` weights.
    filters: Vec<f32>,
    n_mel: usize,
    window: Vec<f32>,
    fft: Arc<dyn RealToComplex<f32>>,
}

impl MelSpec {
    /// `filters`: the model file's filterbank, `n_mel` rows of `N_FFT / 2 + 1`.
    pub fn new(filters: Vec<f32>, n_mel: usize) -> MelSpec {
        assert_eq!(filters.len(), n_mel * (N_FFT / 2 + 1));
        // Periodic Hann window, as torch.hann_window.
        let window = (0..N_FFT)
            .map(|i| {
                let x = std::f64::consts::PI * 2.0 * i as f64 / N_FFT as f64;
                (0.5 - 0.5 * x.cos()) as f32
            })
            .collect();
        MelSpec {
            filters,
            n_mel,
            window,
            fft: RealFftPlanner::<f32>::new().plan_fft_forward(N_FFT),
        }
    }

    pub fn n_mel(&self) -> usize {
        self.n_mel
    }

    /// The first `n_frames` frames of `audio` followed by silence, into `out` as `n_mel`
    /// rows of `n_frames` values.
    pub fn compute(&self, audio: &[f32], n_frames: usize, out: &mut Vec<f32>) {
        let n_bins = N_FFT / 2 + 1;
        out.clear();
        out.resize(self.n_mel * n_frames, 0.0);
        let sample = |i: isize| -> f32 {
            // Reflected at the start (torch.stft's centre padding); silence after the end.
            let i = i.unsigned_abs();
            audio.get(i).copied().unwrap_or(0.0)
        };
        let mut frame = self.fft.make_input_vec();
        let mut spectrum = self.fft.make_output_vec();
        let mut scratch = self.fft.make_scratch_vec();
        let mut power = vec![0f32; n_bins];
        for t in 0..n_frames {
            let start = (t * HOP) as isize - (N_FFT / 2) as isize;
            if start > audio.len() as isize {
                // Pure silence: `out` stays 0, the clamp below sets the floor.
                continue;
            }
            for (i, (f, w)) in frame.iter_mut().zip(&self.window).enumerate() {
                *f = sample(start + i as isize) * w;
            }
            self.fft
                .process_with_scratch(&mut frame, &mut spectrum, &mut scratch)
                .expect("buffers come from the same plan");
            for (p, c) in power.iter_mut().zip(&spectrum) {
                *p = c.re * c.re + c.im * c.im;
            }
            for m in 0..self.n_mel {
                let f = &self.filters[m * n_bins..(m + 1) * n_bins];
                out[m * n_frames + t] = f.iter().zip(&power).map(|(a, b)| a * b).sum();
            }
        }
        let mut max = f32::NEG_INFINITY;
        for v in out.iter_mut() {
            *v = v.max(1e-10).log10();
            max = max.max(*v);
        }
        let floor = max - 8.0;
        for v in out.iter_mut() {
            *v = (v.max(floor) + 4.0) / 4.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A filterbank whose mel bin `m` is the power of frequency bin `2m`.
    fn picking_filters(n_mel: usize) -> Vec<f32> {
        let n_bins = N_FFT / 2 + 1;
        let mut f = vec![0f32; n_mel * n_bins];
        for m in 0..n_mel {
            f[m * n_bins + 2 * m] = 1.0;
        }
        f
    }

    #[test]
    fn a_pure_tone_lights_its_own_bin_and_silence_sits_at_the_floor() {
        let spec = MelSpec::new(picking_filters(80), 80);
        // 1.6 kHz: frequency bin 1600 / (16000 / 400) = 40, mel row 20.
        let audio: Vec<f32> = (0..16_000)
            .map(|i| (2.0 * std::f32::consts::PI * 1600.0 * i as f32 / 16_000.0).sin() * 0.5)
            .collect();
        let mut out = Vec::new();
        spec.compute(&audio, 200, &mut out);
        let at = |m: usize, t: usize| out[m * 200 + t];
        // The tone's row is the maximum: log10 scale → (max + 4) / 4.
        let top = at(20, 50);
        assert!(out.iter().all(|&v| v <= top + 1e-4));
        // Power of a sine of amplitude a under a periodic Hann window: (a · N / 4)².
        let expected = ((0.5f32 * 400.0 / 4.0).powi(2).log10() + 4.0) / 4.0;
        assert!((top - expected).abs() < 1e-3, "{top} vs {expected}");
        // Other bins and the frames after the audio (t ≥ 102) are clamped to max − 8.
        let floor = top - 2.0;
        assert!((at(30, 50) - floor).abs() < 1e-4, "{}", at(30, 50));
        assert!((at(20, 150) - floor).abs() < 1e-4);
    }
}
