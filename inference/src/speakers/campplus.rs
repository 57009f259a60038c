//! CAM++ (3D-Speaker's `CAMPPlus`): a speaker-embedding network on candle.
//!
//! fbank (B, T, 80) → FCM head (2-D conv residual blocks, 80 mel bins → 10 × 32
//! channels) → TDNN (stride 2) → three densely connected TDNN blocks whose layers use
//! context-aware masking (CAMLayer), each followed by a halving transit layer →
//! statistics pooling (mean and std over time) → dense layer → 192-dim embedding.
//! Layer names match the upstream state_dict, so the safetensors load as they are.

use std::path::Path;

use candle_core::{Device, Tensor, D};

use super::fbank::{Frame, NUM_MEL_BINS};
use super::weights::{Expected, Weights};
use crate::error::{Error, Result};

pub const EMBEDDING_DIM: usize = 192;
const BN_EPS: f64 = 1e-5;
/// CAMLayer's segment pooling length, in (stride-2) frames.
const SEG_LEN: usize = 100;
const BLOCKS: [(usize, usize); 3] = [(12, 1), (24, 2), (16, 2)];
/// How far (in frames, each way) one output column of the FCM head sees: ten 3×3
/// convolutions.
pub const HEAD_CONTEXT: usize = 10;

impl Weights {
    /// A BatchNorm in inference form: `x * scale + shift` per channel.
    fn batch_norm(&self, prefix: &str, affine: bool) -> Result<BatchNorm> {
        let mean = self.get(&format!("{prefix}.running_mean"))?;
        let var = self.get(&format!("{prefix}.running_var"))?;
        let mut scale = (var + BN_EPS)?.sqrt()?.recip()?;
        let mut shift = mean.neg()?.mul(&scale)?;
        if affine {
            let w = self.get(&format!("{prefix}.weight"))?;
            let b = self.get(&format!("{prefix}.bias"))?;
            scale = scale.mul(&w)?;
            shift = shift.mul(&w)?.add(&b)?;
        }
        Ok(BatchNorm { scale, shift })
    }

    /// A 1×1 Conv1d as a matrix (out, in), with its bias.
    fn pointwise(&self, prefix: &str, bias: bool) -> Result<Pointwise> {
        let w = self.get(&format!("{prefix}.weight"))?.squeeze(2)?;
        let b = if bias {
            Some(self.get(&format!("{prefix}.bias"))?)
        } else {
            None
        };
        Ok(Pointwise { w, b })
    }
}

struct BatchNorm {
    scale: Tensor,
    shift: Tensor,
}

impl BatchNorm {
    /// Over (B, C, T) or (B, C, H, W).
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut shape = vec![1, self.scale.dim(0)?];
        shape.resize(x.rank(), 1);
        let scale = self.scale.reshape(shape.as_slice())?;
        let shift = self.shift.reshape(shape.as_slice())?;
        Ok(x.broadcast_mul(&scale)?.broadcast_add(&shift)?)
    }

    fn relu(&self, x: &Tensor) -> Result<Tensor> {
        Ok(self.forward(x)?.relu()?)
    }
}

struct Pointwise {
    w: Tensor,
    b: Option<Tensor>,
}

impl Pointwise {
    /// (B, in, T) → (B, out, T)
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let y = self.w.broadcast_left(x.dim(0)?)?.matmul(x)?;
        Ok(match &self.b {
            Some(b) => y.broadcast_add(&b.unsqueeze(1)?)?,
            None => y,
        })
    }
}

/// A 2-D convolution over (B, C, frequency, time) with zero padding on both axes and
/// a stride on the frequency axis only. Computed as one matrix product over patches
/// gathered by whole rows (im2col), which only strided frequency rows are taken
/// for: candle's own conv2d takes one stride for both axes and gathers its patches
/// element by element, which cost more than the products themselves here.
struct Conv2d {
    /// (out, kh · kw · in), the kernel laid out in the patches' order.
    matrix: Tensor,
    kernel: (usize, usize),
    padding: usize,
    freq_stride: usize,
}

impl Conv2d {
    fn new(w: Tensor, padding: usize, freq_stride: usize) -> Result<Conv2d> {
        let (out, inp, kh, kw) = w.dims4()?;
        let matrix = w.permute((0, 2, 3, 1))?.reshape((out, kh * kw * inp))?;
        Ok(Conv2d {
            matrix,
            kernel: (kh, kw),
            padding,
            freq_stride: freq_stride.max(1),
        })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (b, c, h, w) = x.dims4()?;
        let (kh, kw) = self.kernel;
        let (p, s) = (self.padding, self.freq_stride);
        let (hp, wp) = (h + 2 * p, w + 2 * p);
        if hp < kh || wp < kw {
            return Err(Error::BadInput(
                "the speaker-embedding input is shorter than a convolution kernel".into(),
            ));
        }
        let (h_out, w_out) = ((hp - kh) / s + 1, wp - kw + 1);
        // Padded, with the rows grouped by stride: row r is (r / s, r % s).
        let rows = h_out - 1 + kh.div_ceil(s) + 1;
        let x = x
            .pad_with_zeros(2, p, rows * s - h - p)?
            .pad_with_zeros(3, p, p)?
            .reshape((b, c, rows, s, wp))?;
        let mut patches = Vec::with_capacity(kh * kw);
        for i in 0..kh {
            let taps = x.narrow(3, i % s, 1)?.squeeze(3)?.narrow(2, i / s, h_out)?;
            for j in 0..kw {
                patches.push(taps.narrow(3, j, w_out)?.contiguous()?);
            }
        }
        let cols = Tensor::cat(&patches, 1)?.reshape((b, kh * kw * c, h_out * w_out))?;
        let y = self.matrix.broadcast_left(b)?.matmul(&cols)?;
        Ok(y.reshape((b, self.matrix.dim(0)?, h_out, w_out))?)
    }
}

struct ResBlock {
    conv1: Conv2d,
    bn1: BatchNorm,
    conv2: Conv2d,
    bn2: BatchNorm,
    shortcut: Option<(Conv2d, BatchNorm)>,
}

impl ResBlock {
    fn load(w: &Weights, prefix: &str, stride: usize) -> Result<ResBlock> {
        let shortcut = if stride != 1 {
            Some((
                Conv2d::new(w.get(&format!("{prefix}.shortcut.0.weight"))?, 0, stride)?,
                w.batch_norm(&format!("{prefix}.shortcut.1"), true)?,
            ))
        } else {
            None
        };
        Ok(ResBlock {
            conv1: Conv2d::new(w.get(&format!("{prefix}.conv1.weight"))?, 1, stride)?,
            bn1: w.batch_norm(&format!("{prefix}.bn1"), true)?,
            conv2: Conv2d::new(w.get(&format!("{prefix}.conv2.weight"))?, 1, 1)?,
            bn2: w.batch_norm(&format!("{prefix}.bn2"), true)?,
            shortcut,
        })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let out = self.bn1.relu(&self.conv1.forward(x)?)?;
        let out = self.bn2.forward(&self.conv2.forward(&out)?)?;
        let skip = match &self.shortcut {
            Some((conv, bn)) => bn.forward(&conv.forward(x)?)?,
            None => x.clone(),
        };
        Ok((out + skip)?.relu()?)
    }
}

/// One layer of a dense TDNN block: BN-ReLU → 1×1 → BN-ReLU → CAMLayer.
struct DenseTdnnLayer {
    bn1: BatchNorm,
    linear1: Pointwise,
    bn2: BatchNorm,
    local: Tensor,
    dilation: usize,
    mask1: Pointwise,
    mask2: Pointwise,
}

impl DenseTdnnLayer {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let x = self.linear1.forward(&self.bn1.relu(x)?)?;
        let x = self.bn2.relu(&x)?;
        // Context-aware masking: the local conv's output gated by a mask computed from
        // the whole utterance's mean plus the mean of the 100-frame segment around it.
        let y = x.conv1d(&self.local, self.dilation, 1, self.dilation, 1)?;
        let context = x
            .mean_keepdim(D::Minus1)?
            .broadcast_add(&segment_means(&x)?)?;
        let mask = self.mask1.forward(&context)?.relu()?;
        let mask = candle_nn::ops::sigmoid(&self.mask2.forward(&mask)?)?;
        Ok(y.mul(&mask)?)
    }
}

/// Each frame replaced by the mean of its 100-frame segment (the last segment may be
/// shorter: it averages what it has, like `avg_pool1d(ceil_mode=True)`).
fn segment_means(x: &Tensor) -> Result<Tensor> {
    let t = x.dim(D::Minus1)?;
    let mut pieces = Vec::new();
    let mut start = 0;
    while start < t {
        let len = SEG_LEN.min(t - start);
        let mean = x.narrow(D::Minus1, start, len)?.mean_keepdim(D::Minus1)?;
        pieces.push(mean.broadcast_as((x.dim(0)?, x.dim(1)?, len))?);
        start += len;
    }
    Ok(Tensor::cat(&pieces, D::Minus1)?)
}

struct Transit {
    bn: BatchNorm,
    linear: Pointwise,
}

pub struct CamPlusPlus {
    conv1: Conv2d,
    bn1: BatchNorm,
    res_blocks: Vec<ResBlock>,
    conv2: Conv2d,
    bn2: BatchNorm,
    tdnn: Tensor,
    tdnn_bn: BatchNorm,
    blocks: Vec<(Vec<DenseTdnnLayer>, Transit)>,
    out_bn: BatchNorm,
    dense: Pointwise,
    dense_bn: BatchNorm,
    device: Device,
}

impl CamPlusPlus {
    /// Loads the safetensors that `mishu models fetch campplus-zh-en` installs.
    pub fn load(path: &Path) -> Result<CamPlusPlus> {
        let device = Device::Cpu;
        let w = Weights::load(
            path,
            Expected {
                what: "speaker model",
                network: "a CAM++ model",
                model: models::catalogue::SPEAKER_MODEL,
            },
        )?;
        let mut res_blocks = Vec::new();
        for layer in ["layer1", "layer2"] {
            res_blocks.push(ResBlock::load(&w, &format!("head.{layer}.0"), 2)?);
            res_blocks.push(ResBlock::load(&w, &format!("head.{layer}.1"), 1)?);
        }
        let mut blocks = Vec::new();
        for (b, &(layers, dilation)) in BLOCKS.iter().enumerate() {
            let mut dense = Vec::new();
            for l in 1..=layers {
                let p = format!("xvector.block{}.tdnnd{l}", b + 1);
                dense.push(DenseTdnnLayer {
                    bn1: w.batch_norm(&format!("{p}.nonlinear1.batchnorm"), true)?,
                    linear1: w.pointwise(&format!("{p}.linear1"), false)?,
                    bn2: w.batch_norm(&format!("{p}.nonlinear2.batchnorm"), true)?,
                    local: w.get(&format!("{p}.cam_layer.linear_local.weight"))?,
                    dilation,
                    mask1: w.pointwise(&format!("{p}.cam_layer.linear1"), true)?,
                    mask2: w.pointwise(&format!("{p}.cam_layer.linear2"), true)?,
                });
            }
            let p = format!("xvector.transit{}", b + 1);
            let transit = Transit {
                bn: w.batch_norm(&format!("{p}.nonlinear.batchnorm"), true)?,
                linear: w.pointwise(&format!("{p}.linear"), false)?,
            };
            blocks.push((dense, transit));
        }
        Ok(CamPlusPlus {
            conv1: Conv2d::new(w.get("head.conv1.weight")?, 1, 1)?,
            bn1: w.batch_norm("head.bn1", true)?,
            res_blocks,
            conv2: Conv2d::new(w.get("head.conv2.weight")?, 1, 2)?,
            bn2: w.batch_norm("head.bn2", true)?,
            tdnn: w.get("xvector.tdnn.linear.weight")?,
            tdnn_bn: w.batch_norm("xvector.tdnn.nonlinear.batchnorm", true)?,
            blocks,
            out_bn: w.batch_norm("xvector.out_nonlinear.batchnorm", true)?,
            dense: w.pointwise("xvector.dense.linear", false)?,
            dense_bn: w.batch_norm("xvector.dense.nonlinear.batchnorm", false)?,
            device,
        })
    }

    /// Embeddings of utterances that have the same number of frames (mean-normalised
    /// fbank, at least 1 frame each): one 192-dim vector per utterance.
    pub fn embed_batch(&self, utterances: &[&[Frame]]) -> Result<Vec<Vec<f32>>> {
        let Some(first) = utterances.first() else {
            return Ok(Vec::new());
        };
        let frames = first.len();
        if frames == 0 || utterances.iter().any(|u| u.len() != frames) {
            return Err(Error::BadInput(
                "a speaker-embedding batch needs utterances of one non-zero length".into(),
            ));
        }
        let flat: Vec<f32> = utterances
            .iter()
            .flat_map(|u| u.iter().flatten().copied())
            .collect();
        let x = Tensor::from_vec(flat, (utterances.len(), frames, NUM_MEL_BINS), &self.device)?;
        let out = self.forward(&x)?;
        Ok(out.to_vec2::<f32>()?)
    }

    /// The FCM head's output for a stretch of speech (mean-normalised fbank, at least
    /// 1 frame): (1, 320, T), one column per input frame. The head is convolutional
    /// (its receptive field is ±`HEAD_CONTEXT` frames), so the columns of a window
    /// cut from a longer stretch are what the window alone would give, but for that
    /// many frames at its edges and the mean the fbank was normalised by: overlapping
    /// windows share one head pass instead of one each.
    pub fn head(&self, frames: &[Frame]) -> Result<Tensor> {
        if frames.is_empty() {
            return Err(Error::BadInput(
                "the speaker-embedding head needs at least one frame".into(),
            ));
        }
        let flat: Vec<f32> = frames.iter().flatten().copied().collect();
        let x = Tensor::from_vec(flat, (1, frames.len(), NUM_MEL_BINS), &self.device)?;
        self.forward_head(&x)
    }

    /// Embeddings from windows of the head's output that have the same length:
    /// (1, 320, T) each, as cut from `head`; one 192-dim vector per window.
    pub fn embed_heads(&self, windows: &[Tensor]) -> Result<Vec<Vec<f32>>> {
        if windows.is_empty() {
            return Ok(Vec::new());
        }
        let x = Tensor::cat(windows, 0)?;
        Ok(self.forward_trunk(&x)?.to_vec2::<f32>()?)
    }

    /// (B, T, 80) → (B, 192)
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.forward_trunk(&self.forward_head(x)?)
    }

    /// FCM head: (B, T, 80) → (B, 320, T).
    fn forward_head(&self, x: &Tensor) -> Result<Tensor> {
        // Over (B, 1, F, T).
        let x = x.transpose(1, 2)?.unsqueeze(1)?.contiguous()?;
        let mut x = self.bn1.relu(&self.conv1.forward(&x)?)?;
        for block in &self.res_blocks {
            x = block.forward(&x)?;
        }
        let x = self.bn2.relu(&self.conv2.forward(&x)?)?;
        let (b, c, f, t) = x.dims4()?;
        Ok(x.reshape((b, c * f, t))?)
    }

    /// D-TDNN trunk and pooling: (B, 320, T) → (B, 192).
    fn forward_trunk(&self, x: &Tensor) -> Result<Tensor> {
        let mut x = self.tdnn_bn.relu(&x.conv1d(&self.tdnn, 2, 2, 1, 1)?)?;
        for (layers, transit) in &self.blocks {
            for layer in layers {
                let y = layer.forward(&x)?;
                x = Tensor::cat(&[&x, &y], 1)?;
            }
            x = transit.linear.forward(&transit.bn.relu(&x)?)?;
        }
        let x = self.out_bn.relu(&x)?;
        // Statistics pooling: mean and unbiased std over time.
        let t = x.dim(D::Minus1)?;
        let mean = x.mean_keepdim(D::Minus1)?;
        let std = if t > 1 {
            (x.broadcast_sub(&mean)?.sqr()?.sum_keepdim(D::Minus1)? / (t - 1) as f64)?.sqrt()?
        } else {
            mean.zeros_like()?
        };
        let stats = Tensor::cat(&[&mean, &std], 1)?;
        let emb = self.dense_bn.forward(&self.dense.forward(&stats)?)?;
        Ok(emb.squeeze(D::Minus1)?)
    }
}

/// Cosine similarity of two vectors (0 when either is all zeros); one definition for
/// speaker and sentence embeddings alike.
pub use crate::embeddings::cosine;
