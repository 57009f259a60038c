//! Whisper's weights, read from a whisper.cpp ggml file into the forms the forward pass
//! uses: every large matrix as 8-bit blocks (Q8_0) behind the LLM's kernels, the rest f32.

use candle_core::quantized::{ggml_file::qtensor_from_ggml, GgmlDType};
use half::f16;
use models::whisper::{GgmlFile, GgmlTensor};

use crate::llm::kernels::{dequantize_row, QType};
use crate::llm::kernels::{Acts, Isa};
use crate::llm::linear::{project, QLinear};
use crate::{Error, Result};

/// The model's sizes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dims {
    pub n_mels: usize,
    /// Encoder positions (1500: 30 s at 50 a second).
    pub n_audio_ctx: usize,
    pub n_audio_state: usize,
    pub n_audio_head: usize,
    pub n_text_ctx: usize,
    pub n_text_state: usize,
    pub n_text_head: usize,
    pub n_vocab: usize,
}

pub(crate) struct Norm {
    pub w: Vec<f32>,
    pub b: Vec<f32>,
}

impl Norm {
    /// Layer normalisation of each row of `x` into `out`.
    pub fn apply(&self, x: &[f32], out: &mut [f32]) {
        super::ops::layer_norm(x, &self.w, &self.b, out);
    }
}

/// `y = x · Wᵀ + b`.
pub(crate) struct Linear {
    pub w: QLinear,
    pub b: Option<Vec<f32>>,
    /// The same weights as f32 (`out` rows of `in`), for CPUs without AVX-512 VNNI: there
    /// the f32 GEMM multiplies many rows (the encoder's 1,500) ~2.5× faster than the AVX2
    /// int8 kernels, which have no panel GEMM. Meeting benchmark with AVX2 kernels:
    /// 36.9 s → 29.3 s.
    dense: Option<Vec<f32>>,
}

/// Rows from which a layer with f32 weights uses them.
const DENSE_MIN_ROWS: usize = 64;

impl Linear {
    pub fn out_features(&self) -> usize {
        self.w.out_features()
    }

    fn dense_for(&self, m: usize) -> Option<&[f32]> {
        self.dense.as_deref().filter(|_| m >= DENSE_MIN_ROWS)
    }

    /// `y` (`m × out`) = `x` (`m × in`) · Wᵀ + b.
    pub fn forward(&self, x: &[f32], m: usize, y: &mut [f32]) -> Result<()> {
        match self.dense_for(m) {
            Some(w) => {
                let (k, n) = (self.w.in_features(), self.w.out_features());
                super::ops::matmul_t(x, k, w, k, y, n, (m, n, k), 1.0);
            }
            None => self.w.matmul(x, m, y)?,
        }
        if let Some(b) = &self.b {
            super::ops::add_bias(&mut y[..m * b.len()], b);
        }
        Ok(())
    }
}

pub(crate) struct Attention {
    pub query: Linear,
    pub key: Linear,
    pub value: Linear,
    pub out: Linear,
}

impl Attention {
    /// Queries, keys and values of the `m` rows of `x`, which are quantized once for the
    /// three products.
    pub fn project_qkv(
        &self,
        x: &[f32],
        m: usize,
        (q, k, v): (&mut [f32], &mut [f32], &mut [f32]),
        acts: &mut Acts,
    ) -> Result<()> {
        if self.query.dense_for(m).is_some() {
            self.query.forward(x, m, q)?;
            self.key.forward(x, m, k)?;
            return self.value.forward(x, m, v);
        }
        project(
            x,
            m,
            &mut [
                (&self.query.w, &mut *q),
                (&self.key.w, &mut *k),
                (&self.value.w, &mut *v),
            ],
            acts,
        )?;
        for (l, y) in [(&self.query, q), (&self.key, k), (&self.value, v)] {
            if let Some(b) = &l.b {
                super::ops::add_bias(&mut y[..m * b.len()], b);
            }
        }
        Ok(())
    }
}

pub(crate) struct EncoderLayer {
    pub attn_ln: Norm,
    pub attn: Attention,
    pub mlp_ln: Norm,
    pub fc1: Linear,
    pub fc2: Linear,
}

pub(crate) struct DecoderLayer {
    pub attn_ln: Norm,
    pub attn: Attention,
    pub cross_ln: Norm,
    pub cross: Attention,
    pub mlp_ln: Norm,
    pub fc1: Linear,
    pub fc2: Linear,
}

pub(crate) struct Model {
    pub dims: Dims,
    /// conv1 as a matrix: `n_audio_state` rows of `n_mels · 3` (f32: its width is not a
    /// multiple of the kernels' blocks, and it is small).
    pub conv1_w: Vec<f32>,
    pub conv1_b: Vec<f32>,
    /// conv2 as a matrix: `n_audio_state` rows of `n_audio_state · 3`.
    pub conv2: Linear,
    pub encoder_positions: Vec<f32>,
    pub encoder: Vec<EncoderLayer>,
    pub ln_post: Norm,
    /// Token embeddings in Q8_0, rows read for the decoder's input.
    pub token_embedding: Vec<u8>,
    /// The same matrix for the output logits, padded to whole panels of rows.
    pub logits: QLinear,
    pub decoder_positions: Vec<f32>,
    pub decoder: Vec<DecoderLayer>,
    pub ln: Norm,
}

/// Q8_0: 32 weights as an f16 scale and 32 int8 values.
const Q8_0_BYTES: usize = 34;

impl Model {
    pub fn load(file: &GgmlFile) -> Result<Model> {
        let h = file.hparams;
        let dims = Dims {
            n_mels: h.n_mels as usize,
            n_audio_ctx: h.n_audio_ctx as usize,
            n_audio_state: h.n_audio_state as usize,
            n_audio_head: h.n_audio_head as usize,
            n_text_ctx: h.n_text_ctx as usize,
            n_text_state: h.n_text_state as usize,
            n_text_head: h.n_text_head as usize,
            n_vocab: h.n_vocab as usize,
        };
        let get = |name: &str| {
            file.tensor(name)
                .ok_or_else(|| Error::Engine(format!("the model has no tensor {name}")))
        };
        let vec = |name: &str| -> Result<Vec<f32>> { to_f32(get(name)?) };
        let norm = |prefix: &str| -> Result<Norm> {
            Ok(Norm {
                w: vec(&format!("{prefix}.weight"))?,
                b: vec(&format!("{prefix}.bias"))?,
            })
        };
        // Products of many rows (the encoder's 1,500, the audio's keys and values, the
        // prompts) are faster in f32 where the VNNI panel GEMM is missing.
        let f32_copies = Isa::detect() < Isa::Avx512Vnni;
        let linear = |prefix: &str, dense: bool| -> Result<Linear> {
            let bias = file
                .tensor(&format!("{prefix}.bias"))
                .map(to_f32)
                .transpose()?;
            let w = get(&format!("{prefix}.weight"))?;
            Ok(Linear {
                w: qlinear(w, 0)?,
                b: bias,
                dense: dense.then(|| dequantized(w)).transpose()?,
            })
        };
        let attention = |prefix: &str, dense: bool| -> Result<Attention> {
            Ok(Attention {
                query: linear(&format!("{prefix}.query"), dense)?,
                key: linear(&format!("{prefix}.key"), dense)?,
                value: linear(&format!("{prefix}.value"), dense)?,
                out: linear(&format!("{prefix}.out"), dense)?,
            })
        };
        let n_audio_layer = h.n_audio_layer as usize;
        let encoder = (0..n_audio_layer)
            .map(|i| {
                let p = format!("encoder.blocks.{i}");
                Ok(EncoderLayer {
                    attn_ln: norm(&format!("{p}.attn_ln"))?,
                    attn: attention(&format!("{p}.attn"), f32_copies)?,
                    mlp_ln: norm(&format!("{p}.mlp_ln"))?,
                    fc1: linear(&format!("{p}.mlp.0"), f32_copies)?,
                    fc2: linear(&format!("{p}.mlp.2"), f32_copies)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let decoder = (0..h.n_text_layer as usize)
            .map(|i| {
                let p = format!("decoder.blocks.{i}");
                Ok(DecoderLayer {
                    attn_ln: norm(&format!("{p}.attn_ln"))?,
                    attn: attention(&format!("{p}.attn"), f32_copies)?,
                    cross_ln: norm(&format!("{p}.cross_attn_ln"))?,
                    cross: attention(&format!("{p}.cross_attn"), f32_copies)?,
                    mlp_ln: norm(&format!("{p}.mlp_ln"))?,
                    fc1: linear(&format!("{p}.mlp.0"), f32_copies)?,
                    fc2: linear(&format!("{p}.mlp.2"), f32_copies)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let conv1 = get("encoder.conv1.weight")?;
        let conv2 = get("encoder.conv2.weight")?;
        let d = dims.n_audio_state;
        if conv1.shape != [d, dims.n_mels, 3] || conv2.shape != [d, d, 3] {
            return Err(Error::Engine(format!(
                "unexpected convolution shapes {:?} and {:?}",
                conv1.shape, conv2.shape
            )));
        }
        let embedding = get("decoder.token_embedding.weight")?;
        let token_embedding = to_q8_0(embedding)?;
        let model = Model {
            dims,
            conv1_w: to_f32(conv1)?,
            conv1_b: vec("encoder.conv1.bias")?,
            conv2: Linear {
                w: qlinear(conv2, 0)?,
                b: Some(vec("encoder.conv2.bias")?),
                dense: f32_copies.then(|| dequantized(conv2)).transpose()?,
            },
            encoder_positions: vec("encoder.positional_embedding")?,
            encoder,
            ln_post: norm("encoder.ln_post")?,
            logits: qlinear(embedding, 16)?,
            token_embedding,
            decoder_positions: vec("decoder.positional_embedding")?,
            decoder,
            ln: norm("decoder.ln")?,
        };
        model.check()?;
        Ok(model)
    }

    /// Catches a file whose tensors disagree with its header before they are indexed.
    fn check(&self) -> Result<()> {
        let d = &self.dims;
        let ok = self.encoder_positions.len() == d.n_audio_ctx * d.n_audio_state
            && self.decoder_positions.len() == d.n_text_ctx * d.n_text_state
            && self.token_embedding.len() == d.n_vocab * d.n_text_state / 32 * Q8_0_BYTES
            && self.conv1_b.len() == d.n_audio_state
            && d.n_audio_state.is_multiple_of(d.n_audio_head)
            && d.n_text_state.is_multiple_of(d.n_text_head)
            && self.encoder.iter().all(|l| {
                l.attn.query.out_features() == d.n_audio_state
                    && l.fc2.out_features() == d.n_audio_state
                    && l.attn_ln.w.len() == d.n_audio_state
            })
            && self.decoder.iter().all(|l| {
                l.attn.query.out_features() == d.n_text_state
                    && l.cross.key.out_features() == d.n_text_state
                    && l.fc2.out_features() == d.n_text_state
                    && l.attn_ln.w.len() == d.n_text_state
            });
        if ok {
            Ok(())
        } else {
            Err(Error::Engine(
                "the model's tensors do not match its header".into(),
            ))
        }
    }

    /// Row `token` of the token embedding, into `out`.
    pub fn embed(&self, token: u32, out: &mut [f32]) {
        let d = self.dims.n_text_state;
        let row = d / 32 * Q8_0_BYTES;
        let bytes = &self.token_embedding[token as usize * row..][..row];
        dequantize_row(QType::Q8_0, bytes, &mut out[..d]);
    }
}

/// A 1-D or small tensor as f32.
fn to_f32(t: &GgmlTensor) -> Result<Vec<f32>> {
    match t.ttype {
        0 => Ok(t
            .data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().expect("4")))
            .collect()),
        1 => Ok(t
            .data
            .chunks_exact(2)
            .map(|b| f16::from_le_bytes(b.try_into().expect("2")).to_f32())
            .collect()),
        _ => {
            let mut out = vec![0f32; t.shape.iter().product()];
            let ty = qtype(t)?;
            let cols = *t.shape.last().unwrap_or(&0);
            let row_bytes = ty.row_bytes(cols);
            for (r, o) in out.chunks_exact_mut(cols).enumerate() {
                dequantize_row(ty, &t.data[r * row_bytes..][..row_bytes], o);
            }
            Ok(out)
        }
    }
}

fn qtype(t: &GgmlTensor) -> Result<QType> {
    let ty = match t.ttype {
        2 => QType::Q4_0,
        3 => QType::Q4_1,
        6 => QType::Q5_0,
        8 => QType::Q8_0,
        12 => QType::Q4K,
        14 => QType::Q6K,
        other => {
            return Err(Error::Engine(format!(
                "tensor {} is of ggml type {other}, which mishu's Whisper engine does not read",
                t.name
            )))
        }
    };
    Ok(ty)
}

/// A matrix (rows outermost; a 3-D convolution kernel flattened to rows) in Q8_0.
fn to_q8_0(t: &GgmlTensor) -> Result<Vec<u8>> {
    if t.ttype == 8 {
        return Ok(t.data.to_vec());
    }
    let cols: usize = t.shape[1..].iter().product();
    if !cols.is_multiple_of(32) {
        return Err(Error::Engine(format!(
            "tensor {} has rows of {cols}, not whole blocks of 32",
            t.name
        )));
    }
    let mut out = Vec::with_capacity(t.data.len());
    models::whisper::q8_0(&to_f32(t)?, &mut out);
    Ok(out)
}

/// A matrix's Q8_0 weights back as f32 (the values the int8 kernels multiply).
fn dequantized(t: &GgmlTensor) -> Result<Vec<f32>> {
    let cols: usize = t.shape[1..].iter().product();
    let bytes = to_q8_0(t)?;
    let row_bytes = QType::Q8_0.row_bytes(cols);
    let mut out = vec![0f32; t.shape[0] * cols];
    for (row, o) in bytes
        .chunks_exact(row_bytes)
        .zip(out.chunks_exact_mut(cols))
    {
        dequantize_row(QType::Q8_0, row, o);
    }
    Ok(out)
}

/// A matrix as a quantized linear layer, its rows padded with zeros to a multiple of
/// `pad_rows` (when not 0) so the kernels' 16-row panels cover it.
fn qlinear(t: &GgmlTensor, pad_rows: usize) -> Result<QLinear> {
    let rows = t.shape[0];
    let cols: usize = t.shape[1..].iter().product();
    let mut bytes = to_q8_0(t)?;
    let padded = if pad_rows > 0 {
        rows.next_multiple_of(pad_rows)
    } else {
        rows
    };
    bytes.resize(padded * cols / 32 * Q8_0_BYTES, 0);
    let q = qtensor_from_ggml(
        GgmlDType::Q8_0,
        &bytes,
        vec![padded, cols],
        &candle_core::Device::Cpu,
    )?;
    QLinear::from_qtensor(q)
}
