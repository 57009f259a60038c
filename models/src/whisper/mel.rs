//! The mel filterbank Whisper's front end uses: Slaney-style mel scale and area
//! normalisation, as librosa and openai-whisper compute it. whisper.cpp reads it
//! from the ggml file, and CTranslate2 files do not carry it.

/// `n_mels` × (`n_fft` / 2 + 1) filter weights, row-major.
pub fn filterbank(sample_rate: u32, n_fft: usize, n_mels: usize) -> Vec<f32> {
    let n_bins = n_fft / 2 + 1;
    let nyquist = sample_rate as f64 / 2.0;
    let fft_freqs: Vec<f64> = (0..n_bins)
        .map(|i| nyquist * i as f64 / (n_bins - 1) as f64)
        .collect();
    let (mel_min, mel_max) = (hz_to_mel(0.0), hz_to_mel(nyquist));
    let mel_points: Vec<f64> = (0..n_mels + 2)
        .map(|i| mel_to_hz(mel_min + (mel_max - mel_min) * i as f64 / (n_mels + 1) as f64))
        .collect();
    let mut weights = vec![0f32; n_mels * n_bins];
    for m in 0..n_mels {
        let (lo, center, hi) = (mel_points[m], mel_points[m + 1], mel_points[m + 2]);
        let norm = 2.0 / (hi - lo);
        for (b, &f) in fft_freqs.iter().enumerate() {
            let lower = (f - lo) / (center - lo);
            let upper = (hi - f) / (hi - center);
            weights[m * n_bins + b] = (lower.min(upper).max(0.0) * norm) as f32;
        }
    }
    weights
}

const F_SP: f64 = 200.0 / 3.0;
const MIN_LOG_HZ: f64 = 1000.0;
const MIN_LOG_MEL: f64 = MIN_LOG_HZ / F_SP;

fn log_step() -> f64 {
    6.4f64.ln() / 27.0
}

fn hz_to_mel(hz: f64) -> f64 {
    if hz >= MIN_LOG_HZ {
        MIN_LOG_MEL + (hz / MIN_LOG_HZ).ln() / log_step()
    } else {
        hz / F_SP
    }
}

fn mel_to_hz(mel: f64) -> f64 {
    if mel >= MIN_LOG_MEL {
        MIN_LOG_HZ * (log_step() * (mel - MIN_LOG_MEL)).exp()
    } else {
        mel * F_SP
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_librosa_reference_values() {
        // Entries of librosa.filters.mel(sr=16000, n_fft=400, n_mels=80), computed
        // independently in Python with librosa's formulas.
        let w = filterbank(16000, 400, 80);
        assert_eq!(w.len(), 80 * 201);
        let at = |m: usize, b: usize| w[m * 201 + b];
        assert!((at(0, 1) - 0.024_862_59).abs() < 1e-7, "{}", at(0, 1));
        assert!((at(1, 2) - 0.022_871_77).abs() < 1e-6, "{}", at(1, 2));
        assert!((at(79, 199) - 0.000_448_76).abs() < 1e-7, "{}", at(79, 199));
        assert_eq!(at(0, 0), 0.0);
        assert_eq!(at(0, 10), 0.0);
    }

    #[test]
    fn mel_scale_round_trips() {
        for hz in [0.0, 300.0, 999.0, 1000.0, 4000.0, 8000.0] {
            assert!((mel_to_hz(hz_to_mel(hz)) - hz).abs() < 1e-6);
        }
    }
}
