//! pyannote segmentation-3.0 (`PyanNet`): who is speaking in each ~17 ms frame of a
//! window, overlapped speech included, on candle.
//!
//! 16 kHz mono samples (B, T) → instance norm → SincNet (80 parametrised sinc band-pass
//! filters of 251 taps, stride 10, whose cut-offs are learned; |·|, max-pool 3,
//! instance norm, leaky ReLU; then two 5-tap convolutions 80→60→60, each with max-pool,
//! instance norm and leaky ReLU) → 4-layer bidirectional LSTM (128 per direction) →
//! two linear layers with leaky ReLU → 7 classes with log-softmax. The classes are the
//! "powerset" of up to 2 of 3 local speakers at once: {}, {1}, {2}, {3}, {1,2}, {1,3},
//! {2,3}. A 10-s window gives 589 frames, one every 270 samples.
//! Tensor names match the upstream checkpoint's state_dict.

use std::path::Path;

use candle_core::{Device, Tensor, D};

use super::weights::{Expected, Weights};
use crate::error::{Error, Result};

pub const SAMPLE_RATE: usize = 16_000;
/// The window the network was trained on: 10 s.
pub const WINDOW_SAMPLES: usize = 10 * SAMPLE_RATE;
/// Samples between two output frames (sinc stride 10, three max-pools of 3).
pub const FRAME_STEP: usize = 270;
/// Samples one output frame sees.
pub const RECEPTIVE_FIELD: usize = 991;
/// Local speakers per window.
pub const LOCAL_SPEAKERS: usize = 3;
/// The powerset classes: which local speakers each one says are speaking.
pub const POWERSET: [[bool; LOCAL_SPEAKERS]; 7] = [
    [false, false, false],
    [true, false, false],
    [false, true, false],
    [false, false, true],
    [true, true, false],
    [true, false, true],
    [false, true, true],
];
pub const CLASSES: usize = POWERSET.len();

const SINC_FILTERS: usize = 80;
const SINC_TAPS: usize = 251;
const SINC_STRIDE: usize = 10;
const MIN_LOW_HZ: f32 = 50.0;
const MIN_BAND_HZ: f32 = 50.0;
const NORM_EPS: f64 = 1e-5;
const LEAKY_SLOPE: f64 = 0.01;
const LSTM_LAYERS: usize = 4;
const HIDDEN: usize = 128;
const GATES: usize = 4 * HIDDEN;

/// The number of output frames for `samples` input samples.
pub fn num_frames(samples: usize) -> usize {
    if samples < SINC_TAPS {
        return 0;
    }
    let mut n = (samples - SINC_TAPS) / SINC_STRIDE + 1;
    n /= 3;
    n = n.saturating_sub(4) / 3;
    n.saturating_sub(4) / 3
}

/// The sample at the middle of what frame `i` sees.
pub fn frame_center(i: usize) -> usize {
    i * FRAME_STEP + RECEPTIVE_FIELD / 2
}

/// The local speakers of the most likely class of one frame.
pub fn active_speakers(log_probs: &[f32; CLASSES]) -> [bool; LOCAL_SPEAKERS] {
    POWERSET[argmax(log_probs)]
}

/// Each local speaker's probability of speaking in one frame: the summed probability
/// of the classes that include them.
pub fn speaker_probabilities(log_probs: &[f32; CLASSES]) -> [f32; LOCAL_SPEAKERS] {
    let mut p = [0f32; LOCAL_SPEAKERS];
    for (class, lp) in POWERSET.iter().zip(log_probs) {
        let prob = lp.exp();
        for (s, on) in class.iter().enumerate() {
            if *on {
                p[s] += prob;
            }
        }
    }
    p
}

/// The index of the largest value (the first of equal ones).
pub fn argmax(log_probs: &[f32; CLASSES]) -> usize {
    let mut best = 0;
    for (i, v) in log_probs.iter().enumerate() {
        if *v > log_probs[best] {
            best = i;
        }
    }
    best
}

impl Weights {
    fn vec(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>> {
        Ok(self.shaped(name, shape)?.flatten_all()?.to_vec1::<f32>()?)
    }
}

/// An affine instance norm over (B, C, T): each (item, channel) normalised over time.
struct InstanceNorm {
    weight: Tensor,
    bias: Tensor,
}

impl InstanceNorm {
    fn load(w: &Weights, prefix: &str, channels: usize) -> Result<InstanceNorm> {
        Ok(InstanceNorm {
            weight: w
                .shaped(&format!("{prefix}.weight"), &[channels])?
                .reshape((1, channels, 1))?,
            bias: w
                .shaped(&format!("{prefix}.bias"), &[channels])?
                .reshape((1, channels, 1))?,
        })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mean = x.mean_keepdim(D::Minus1)?;
        let centred = x.broadcast_sub(&mean)?;
        let var = centred.sqr()?.mean_keepdim(D::Minus1)?;
        let x = centred.broadcast_div(&(var + NORM_EPS)?.sqrt()?)?;
        Ok(x.broadcast_mul(&self.weight)?.broadcast_add(&self.bias)?)
    }
}

/// Max-pool of 3 with stride 3 over the last axis of (B, C, T), the tail dropped.
fn max_pool3(x: &Tensor) -> Result<Tensor> {
    let (b, c, t) = x.dims3()?;
    let t = t / 3;
    Ok(x.narrow(2, 0, t * 3)?
        .reshape((b, c, t, 3))?
        .max(D::Minus1)?)
}

fn leaky_relu(x: &Tensor) -> Result<Tensor> {
    Ok(candle_nn::ops::leaky_relu(x, LEAKY_SLOPE)?)
}

/// One direction of one LSTM layer: the recurrent weights transposed (HIDDEN, GATES)
/// so a step is HIDDEN contiguous multiply-adds of GATES values.
struct Direction {
    hh_t: Vec<f32>,
}

impl Direction {
    /// Runs the recurrence over `pre` (B, T, GATES: input projection plus both biases,
    /// gates in PyTorch's order i, f, g, o) and returns h (B, T, HIDDEN). The windows
    /// of a batch step together, so each recurrent weight is read once per step for all.
    fn run(&self, pre: &[f32], batch: usize, steps: usize, reverse: bool) -> Vec<f32> {
        let mut out = vec![0f32; batch * steps * HIDDEN];
        let mut h = vec![0f32; batch * HIDDEN];
        let mut c = vec![0f32; batch * HIDDEN];
        let mut gates = vec![0f32; batch * GATES];
        for s in 0..steps {
            let t = if reverse { steps - 1 - s } else { s };
            for b in 0..batch {
                let row = (b * steps + t) * GATES;
                gates[b * GATES..(b + 1) * GATES].copy_from_slice(&pre[row..row + GATES]);
            }
            recurrent(&self.hh_t, &h, &mut gates);
            for b in 0..batch {
                let g = &gates[b * GATES..(b + 1) * GATES];
                let (i, rest) = g.split_at(HIDDEN);
                let (f, rest) = rest.split_at(HIDDEN);
                let (g, o) = rest.split_at(HIDDEN);
                let c = &mut c[b * HIDDEN..(b + 1) * HIDDEN];
                let h = &mut h[b * HIDDEN..(b + 1) * HIDDEN];
                for j in 0..HIDDEN {
                    c[j] = sigmoid(f[j]) * c[j] + sigmoid(i[j]) * tanh(g[j]);
                    h[j] = sigmoid(o[j]) * tanh(c[j]);
                }
                let at = (b * steps + t) * HIDDEN;
                out[at..at + HIDDEN].copy_from_slice(h);
            }
        }
        out
    }
}

/// `gates[b] += h[b] · hh_t` for every row `b` of the batch.
fn recurrent(hh_t: &[f32], h: &[f32], gates: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has AVX2 and FMA.
        return unsafe { recurrent_avx2(hh_t, h, gates) };
    }
    recurrent_tiles(hh_t, h, gates, |acc, x, w| acc + x * w)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn recurrent_avx2(hh_t: &[f32], h: &[f32], gates: &mut [f32]) {
    recurrent_tiles(hh_t, h, gates, |acc, x, w| x.mul_add(w, acc))
}

/// Tiles of 4 rows × 16 gates kept in registers over the hidden state.
#[inline(always)]
fn recurrent_tiles(hh_t: &[f32], h: &[f32], gates: &mut [f32], fma: impl Fn(f32, f32, f32) -> f32) {
    const R: usize = 4;
    const L: usize = 16;
    let batch = h.len() / HIDDEN;
    for b0 in (0..batch).step_by(R) {
        let rows = (batch - b0).min(R);
        let mut hs = [[0f32; HIDDEN]; R];
        for (r, hr) in hs.iter_mut().enumerate().take(rows) {
            hr.copy_from_slice(&h[(b0 + r) * HIDDEN..(b0 + r + 1) * HIDDEN]);
        }
        for j0 in (0..GATES).step_by(L) {
            let mut acc = [[0f32; L]; R];
            for k in 0..HIDDEN {
                let w: &[f32; L] = hh_t[k * GATES + j0..k * GATES + j0 + L]
                    .try_into()
                    .expect("a tile of gates");
                for (a, hr) in acc.iter_mut().zip(&hs) {
                    let x = hr[k];
                    for (v, wl) in a.iter_mut().zip(w) {
                        *v = fma(*v, x, *wl);
                    }
                }
            }
            for (r, a) in acc.iter().enumerate().take(rows) {
                let g = &mut gates[(b0 + r) * GATES + j0..(b0 + r) * GATES + j0 + L];
                for (gv, av) in g.iter_mut().zip(a) {
                    *gv += av;
                }
            }
        }
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// tanh through `exp`: libm's `tanhf` goes through `expm1f` and took a sixth of the
/// network's time; this is within 1e-7 of it.
fn tanh(x: f32) -> f32 {
    1.0 - 2.0 / ((2.0 * x).exp() + 1.0)
}

/// One bidirectional layer.
struct LstmLayer {
    /// (input, 2 · GATES): both directions' input weights, transposed.
    ih_t: Tensor,
    /// (2 · GATES): b_ih + b_hh of both directions.
    bias: Tensor,
    forward: Direction,
    backward: Direction,
}

impl LstmLayer {
    fn load(w: &Weights, layer: usize) -> Result<LstmLayer> {
        let input = if layer == 0 { 60 } else { 2 * HIDDEN };
        let mut ih = Vec::new();
        let mut bias = Vec::new();
        let mut dirs = Vec::new();
        for suffix in ["", "_reverse"] {
            let p = |n: &str| format!("lstm.{n}_l{layer}{suffix}");
            ih.push(w.shaped(&p("weight_ih"), &[GATES, input])?);
            bias.push((w.shaped(&p("bias_ih"), &[GATES])? + w.shaped(&p("bias_hh"), &[GATES])?)?);
            let hh = w.shaped(&p("weight_hh"), &[GATES, HIDDEN])?;
            dirs.push(Direction {
                hh_t: hh.t()?.contiguous()?.flatten_all()?.to_vec1::<f32>()?,
            });
        }
        let backward = dirs.pop().expect("two directions");
        let forward = dirs.pop().expect("two directions");
        Ok(LstmLayer {
            ih_t: Tensor::cat(&ih, 0)?.t()?.contiguous()?,
            bias: Tensor::cat(&bias, 0)?,
            forward,
            backward,
        })
    }

    /// (B, T, input) → (B, T, 2 · HIDDEN)
    fn run(&self, x: &Tensor) -> Result<Tensor> {
        let (b, t, input) = x.dims3()?;
        let pre = x
            .reshape((b * t, input))?
            .matmul(&self.ih_t)?
            .broadcast_add(&self.bias)?;
        let pre_f = pre.narrow(1, 0, GATES)?.contiguous()?.flatten_all()?;
        let pre_b = pre.narrow(1, GATES, GATES)?.contiguous()?.flatten_all()?;
        let pre_f = pre_f.to_vec1::<f32>()?;
        let pre_b = pre_b.to_vec1::<f32>()?;
        let (hf, hb) = if candle_core::utils::get_num_threads() > 1 {
            std::thread::scope(|scope| {
                let back = scope.spawn(|| self.backward.run(&pre_b, b, t, true));
                let fwd = self.forward.run(&pre_f, b, t, false);
                (fwd, back.join().expect("the LSTM thread does not panic"))
            })
        } else {
            (
                self.forward.run(&pre_f, b, t, false),
                self.backward.run(&pre_b, b, t, true),
            )
        };
        let hf = Tensor::from_vec(hf, (b, t, HIDDEN), &Device::Cpu)?;
        let hb = Tensor::from_vec(hb, (b, t, HIDDEN), &Device::Cpu)?;
        Ok(Tensor::cat(&[hf, hb], 2)?)
    }
}

struct Linear {
    /// (in, out), transposed for `x · w`.
    w_t: Tensor,
    b: Tensor,
}

impl Linear {
    fn load(w: &Weights, prefix: &str, input: usize, output: usize) -> Result<Linear> {
        Ok(Linear {
            w_t: w
                .shaped(&format!("{prefix}.weight"), &[output, input])?
                .t()?
                .contiguous()?,
            b: w.shaped(&format!("{prefix}.bias"), &[output])?,
        })
    }

    /// (N, in) → (N, out)
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.matmul(&self.w_t)?.broadcast_add(&self.b)?)
    }
}

/// The segmentation network, loaded.
pub struct Segmentation {
    wav_norm: InstanceNorm,
    /// (80, 1, 251): the band-pass filters made from the learned cut-offs.
    sinc: Tensor,
    convs: [(Tensor, Tensor); 2],
    norms: [InstanceNorm; 3],
    lstm: Vec<LstmLayer>,
    linear: [Linear; 2],
    classifier: Linear,
}

impl Segmentation {
    /// Loads the safetensors written by `mishu models fetch pyannote-seg-3.0`.
    pub fn load(path: &Path) -> Result<Segmentation> {
        let w = Weights::load(
            path,
            Expected {
                what: "speaker segmentation model",
                network: "the pyannote segmentation-3.0 model",
                model: models::catalogue::SEGMENTATION_MODEL,
            },
        )?;
        let conv = |i: usize, input: usize| -> Result<(Tensor, Tensor)> {
            Ok((
                w.shaped(&format!("sincnet.conv1d.{i}.weight"), &[60, input, 5])?,
                w.shaped(&format!("sincnet.conv1d.{i}.bias"), &[60])?
                    .reshape((1, 60, 1))?,
            ))
        };
        Ok(Segmentation {
            wav_norm: InstanceNorm::load(&w, "sincnet.wav_norm1d", 1)?,
            sinc: sinc_filters(&w)?,
            convs: [conv(1, SINC_FILTERS)?, conv(2, 60)?],
            norms: [
                InstanceNorm::load(&w, "sincnet.norm1d.0", SINC_FILTERS)?,
                InstanceNorm::load(&w, "sincnet.norm1d.1", 60)?,
                InstanceNorm::load(&w, "sincnet.norm1d.2", 60)?,
            ],
            lstm: (0..LSTM_LAYERS)
                .map(|l| LstmLayer::load(&w, l))
                .collect::<Result<_>>()?,
            linear: [
                Linear::load(&w, "linear.0", 2 * HIDDEN, 128)?,
                Linear::load(&w, "linear.1", 128, 128)?,
            ],
            classifier: Linear::load(&w, "classifier", 128, CLASSES)?,
        })
    }

    /// The powerset log-probabilities of every frame of each window. The windows must
    /// all have the same length (normally [`WINDOW_SAMPLES`]; a shorter final window
    /// is padded with silence by the caller, or run on its own).
    pub fn forward(&self, windows: &[&[f32]]) -> Result<Vec<Vec<[f32; CLASSES]>>> {
        let Some(first) = windows.first() else {
            return Ok(Vec::new());
        };
        let samples = first.len();
        if windows.iter().any(|w| w.len() != samples) {
            return Err(Error::BadInput(
                "segmentation windows in one batch must have the same length".into(),
            ));
        }
        let frames = num_frames(samples);
        if frames == 0 {
            return Err(Error::BadInput(format!(
                "a segmentation window of {samples} samples is too short (the network needs at least {} samples, {:.2} s)",
                RECEPTIVE_FIELD,
                RECEPTIVE_FIELD as f32 / SAMPLE_RATE as f32
            )));
        }
        if windows.iter().any(|w| w.iter().any(|s| !s.is_finite())) {
            return Err(Error::BadInput(
                "the audio holds samples that are not numbers".into(),
            ));
        }
        let batch = windows.len();
        let flat: Vec<f32> = windows.iter().flat_map(|w| w.iter().copied()).collect();
        let x = Tensor::from_vec(flat, (batch, 1, samples), &Device::Cpu)?;
        let x = self.wav_norm.forward(&x)?;
        let x = x.conv1d(&self.sinc, 0, SINC_STRIDE, 1, 1)?.abs()?;
        let mut x = leaky_relu(&self.norms[0].forward(&max_pool3(&x)?)?)?;
        for ((w, b), norm) in self.convs.iter().zip(&self.norms[1..]) {
            let y = x.conv1d(w, 0, 1, 1, 1)?.broadcast_add(b)?;
            x = leaky_relu(&norm.forward(&max_pool3(&y)?)?)?;
        }
        let mut x = x.transpose(1, 2)?.contiguous()?;
        debug_assert_eq!(x.dim(1)?, frames);
        for layer in &self.lstm {
            x = layer.run(&x)?;
        }
        let mut x = x.reshape((batch * frames, 2 * HIDDEN))?;
        for linear in &self.linear {
            x = leaky_relu(&linear.forward(&x)?)?;
        }
        let logp = candle_nn::ops::log_softmax(&self.classifier.forward(&x)?, D::Minus1)?;
        let values = logp.flatten_all()?.to_vec1::<f32>()?;
        Ok(values
            .chunks_exact(frames * CLASSES)
            .map(|window| {
                window
                    .chunks_exact(CLASSES)
                    .map(|f| {
                        let mut row = [0f32; CLASSES];
                        row.copy_from_slice(f);
                        row
                    })
                    .collect()
            })
            .collect())
    }
}

/// asteroid's `ParamSincFB(80, 251, min_low_hz=50, min_band_hz=50)`: 40 cosine and 40
/// sine band-pass filters from the learned low cut-offs and bandwidths (Hz), with the
/// checkpoint's half Hamming window and half time axis (2π · n / rate).
fn sinc_filters(w: &Weights) -> Result<Tensor> {
    let half = SINC_FILTERS / 2;
    let p = "sincnet.conv1d.0.filterbank";
    let low_hz = w.vec(&format!("{p}.low_hz_"), &[half, 1])?;
    let band_hz = w.vec(&format!("{p}.band_hz_"), &[half, 1])?;
    let half_taps = SINC_TAPS / 2;
    let window = w.vec(&format!("{p}.window_"), &[half_taps])?;
    let n = w.vec(&format!("{p}.n_"), &[1, half_taps])?;
    let nyquist = SAMPLE_RATE as f32 / 2.0;
    let mut filters = vec![0f32; SINC_FILTERS * SINC_TAPS];
    for f in 0..half {
        let low = MIN_LOW_HZ + low_hz[f].abs();
        let high = (low + MIN_BAND_HZ + band_hz[f].abs()).clamp(MIN_LOW_HZ, nyquist);
        let band = high - low;
        let scale = 2.0 * band;
        let (cos, sin) = filters.split_at_mut(half * SINC_TAPS);
        let cos = &mut cos[f * SINC_TAPS..(f + 1) * SINC_TAPS];
        let sin = &mut sin[f * SINC_TAPS..(f + 1) * SINC_TAPS];
        for k in 0..half_taps {
            let (ft_low, ft_high) = (low * n[k], high * n[k]);
            let c = ((ft_high.sin() - ft_low.sin()) / (n[k] / 2.0)) * window[k];
            let s = ((ft_low.cos() - ft_high.cos()) / (n[k] / 2.0)) * window[k];
            cos[k] = c / scale;
            cos[SINC_TAPS - 1 - k] = c / scale;
            sin[k] = s / scale;
            sin[SINC_TAPS - 1 - k] = -s / scale;
        }
        cos[half_taps] = (2.0 * band) / scale;
        sin[half_taps] = 0.0;
    }
    Ok(Tensor::from_vec(
        filters,
        (SINC_FILTERS, 1, SINC_TAPS),
        &Device::Cpu,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_of_a_ten_second_window() {
        assert_eq!(num_frames(WINDOW_SAMPLES), 589);
        assert_eq!(num_frames(80_000), 293);
        assert_eq!(num_frames(100), 0);
        assert_eq!(num_frames(RECEPTIVE_FIELD), 1);
        assert_eq!(num_frames(RECEPTIVE_FIELD - 1), 0);
    }

    #[test]
    fn powerset_classes_map_to_speakers() {
        let mut lp = [f32::NEG_INFINITY; CLASSES];
        lp[5] = 0.0;
        assert_eq!(active_speakers(&lp), [true, false, true]);
        let lp = [0.1f32, 0.1, 0.1, 0.1, 0.3, 0.2, 0.1].map(f32::ln);
        assert_eq!(active_speakers(&lp), [true, true, false]);
        let p = speaker_probabilities(&lp);
        assert!((p[0] - 0.6).abs() < 1e-6, "{p:?}");
        assert!((p[1] - 0.5).abs() < 1e-6, "{p:?}");
        assert!((p[2] - 0.4).abs() < 1e-6, "{p:?}");
    }
}
