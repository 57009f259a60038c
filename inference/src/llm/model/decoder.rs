//! The decoder-only transformer shared by the Llama family (Llama, SmolLM2, Qwen2,
//! Qwen3): RMS norms, rotary attention with grouped KV heads, a SwiGLU MLP. Each
//! architecture's file reads its [`DecoderConfig`] and says which variant it is.
//!
//! The forward pass runs on plain f32 buffers kept with the sequence's cache
//! ([`Scratch`]): the quantized projections write into them ([`project`]), the norms,
//! rotations, SwiGLU and residual adds work in place ([`ops`]), attention reads the f16
//! cache directly ([`attention`]), and only the last token's logits are computed.

use candle_core::quantized::QTensor;
use candle_core::{Device, Tensor};

use super::attention::{self, Heads};
use super::ops;
use super::scratch::Scratch;
use crate::llm::gguf::Gguf;
use crate::llm::kv_cache::KvCache;
use crate::llm::linear::{project, QLinear};
use crate::{Error, Result};

/// Which pairs of dimensions rotary embeddings rotate together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RopeStyle {
    /// Pairs (2i, 2i+1): GGUF Llama weights.
    Interleaved,
    /// Pairs (i, i + d/2): Qwen, Phi, NeoX.
    Neox,
}

#[derive(Debug, Clone)]
pub struct DecoderConfig {
    pub architecture: String,
    pub n_layers: usize,
    pub n_embd: usize,
    pub n_head: usize,
    pub n_kv_head: usize,
    pub head_dim: usize,
    pub n_ff: usize,
    pub vocab_size: usize,
    pub rms_eps: f32,
    pub rope_base: f32,
    pub rope_style: RopeStyle,
    /// Context length the model was trained for.
    pub context_length: usize,
    /// Q, K and V projections carry a bias (Qwen2).
    pub qkv_bias: bool,
    /// Q and K are RMS-normalised per head before the rotation (Qwen3).
    pub qk_norm: bool,
}

impl DecoderConfig {
    /// The keys every Llama-like GGUF carries under `<arch>.`.
    pub fn from_gguf(gguf: &Gguf, arch: &str) -> Result<DecoderConfig> {
        let key = |k: &str| format!("{arch}.{k}");
        let n_embd = gguf.usize(&key("embedding_length"))?;
        let n_head = gguf.usize(&key("attention.head_count"))?;
        let n_kv_head = gguf
            .opt_usize(&key("attention.head_count_kv"))
            .unwrap_or(n_head);
        if n_head == 0 || n_kv_head == 0 || n_head % n_kv_head != 0 {
            return Err(gguf.error(format!(
                "{n_head} attention heads cannot share {n_kv_head} KV heads"
            )));
        }
        let head_dim = gguf
            .opt_usize(&key("attention.key_length"))
            .unwrap_or(n_embd / n_head);
        let vocab_size = gguf
            .tensor_dims("token_embd.weight")
            .and_then(|d| d.first().copied())
            .ok_or_else(|| gguf.error("tensor 'token_embd.weight' is missing"))?;
        if let Some(rope_dim) = gguf.opt_usize(&key("rope.dimension_count")) {
            if rope_dim != head_dim {
                return Err(gguf.error(format!(
                    "partial rotary embeddings ({rope_dim} of {head_dim} dimensions) are not supported"
                )));
            }
        }
        Ok(DecoderConfig {
            architecture: arch.to_string(),
            n_layers: gguf.usize(&key("block_count"))?,
            n_embd,
            n_head,
            n_kv_head,
            head_dim,
            n_ff: gguf.usize(&key("feed_forward_length"))?,
            vocab_size,
            rms_eps: gguf.f32(&key("attention.layer_norm_rms_epsilon"))?,
            rope_base: gguf.opt_f32(&key("rope.freq_base")).unwrap_or(10_000.0),
            rope_style: RopeStyle::Neox,
            context_length: gguf.opt_usize(&key("context_length")).unwrap_or(4096),
            qkv_bias: false,
            qk_norm: false,
        })
    }
}

struct RmsNorm {
    weight: Vec<f32>,
    eps: f32,
}

impl RmsNorm {
    fn load(gguf: &Gguf, name: &str, dim: usize, eps: f32) -> Result<RmsNorm> {
        Ok(RmsNorm {
            weight: f32_vec(gguf, name, dim)?,
            eps,
        })
    }
}

fn f32_vec(gguf: &Gguf, name: &str, dim: usize) -> Result<Vec<f32>> {
    Ok(gguf.f32_tensor(name, &[dim])?.to_vec1::<f32>()?)
}

struct Attention {
    q: QLinear,
    k: QLinear,
    v: QLinear,
    o: QLinear,
    bias: Option<(Vec<f32>, Vec<f32>, Vec<f32>)>,
    qk_norm: Option<(RmsNorm, RmsNorm)>,
}

struct Mlp {
    gate: QLinear,
    up: QLinear,
    down: QLinear,
}

struct Block {
    attn_norm: RmsNorm,
    attn: Attention,
    ffn_norm: RmsNorm,
    mlp: Mlp,
}

pub struct Decoder {
    cfg: DecoderConfig,
    embeddings: QTensor,
    blocks: Vec<Block>,
    norm: RmsNorm,
    output: QLinear,
    /// Rotary tables, `max_positions × head_dim / 2`.
    cos: Vec<f32>,
    sin: Vec<f32>,
    max_positions: usize,
}

fn linear(gguf: &Gguf, name: &str, out: usize, inp: usize) -> Result<QLinear> {
    QLinear::from_qtensor(gguf.qtensor(name, Some(&[out, inp]))?)
}

impl Decoder {
    /// Loads the weights named as llama.cpp names them. `max_positions` bounds the
    /// rotary tables and so the usable context.
    pub fn load(gguf: &Gguf, cfg: DecoderConfig, max_positions: usize) -> Result<Decoder> {
        let (d, hd) = (cfg.n_embd, cfg.head_dim);
        let (q_dim, kv_dim) = (cfg.n_head * hd, cfg.n_kv_head * hd);
        if hd == 0 || hd % 2 != 0 {
            return Err(gguf.error(format!("head size {hd} is not a positive even number")));
        }
        let embeddings = gguf.qtensor("token_embd.weight", Some(&[cfg.vocab_size, d]))?;
        let output_name = if gguf.has_tensor("output.weight") {
            "output.weight"
        } else {
            // Tied embeddings (SmolLM2): the output projection is the embedding table.
            "token_embd.weight"
        };
        let output = linear(gguf, output_name, cfg.vocab_size, d)?;
        let norm = RmsNorm::load(gguf, "output_norm.weight", d, cfg.rms_eps)?;
        let mut blocks = Vec::with_capacity(cfg.n_layers);
        for i in 0..cfg.n_layers {
            let p = format!("blk.{i}");
            let bias = if cfg.qkv_bias {
                Some((
                    f32_vec(gguf, &format!("{p}.attn_q.bias"), q_dim)?,
                    f32_vec(gguf, &format!("{p}.attn_k.bias"), kv_dim)?,
                    f32_vec(gguf, &format!("{p}.attn_v.bias"), kv_dim)?,
                ))
            } else {
                None
            };
            let qk_norm = if cfg.qk_norm {
                Some((
                    RmsNorm::load(gguf, &format!("{p}.attn_q_norm.weight"), hd, cfg.rms_eps)?,
                    RmsNorm::load(gguf, &format!("{p}.attn_k_norm.weight"), hd, cfg.rms_eps)?,
                ))
            } else {
                None
            };
            blocks.push(Block {
                attn_norm: RmsNorm::load(gguf, &format!("{p}.attn_norm.weight"), d, cfg.rms_eps)?,
                attn: Attention {
                    q: linear(gguf, &format!("{p}.attn_q.weight"), q_dim, d)?,
                    k: linear(gguf, &format!("{p}.attn_k.weight"), kv_dim, d)?,
                    v: linear(gguf, &format!("{p}.attn_v.weight"), kv_dim, d)?,
                    o: linear(gguf, &format!("{p}.attn_output.weight"), d, q_dim)?,
                    bias,
                    qk_norm,
                },
                ffn_norm: RmsNorm::load(gguf, &format!("{p}.ffn_norm.weight"), d, cfg.rms_eps)?,
                mlp: Mlp {
                    gate: linear(gguf, &format!("{p}.ffn_gate.weight"), cfg.n_ff, d)?,
                    up: linear(gguf, &format!("{p}.ffn_up.weight"), cfg.n_ff, d)?,
                    down: linear(gguf, &format!("{p}.ffn_down.weight"), d, cfg.n_ff)?,
                },
            });
        }
        let (cos, sin) = ops::rope_tables(hd, cfg.rope_base, max_positions);
        Ok(Decoder {
            cfg,
            embeddings,
            blocks,
            norm,
            output,
            cos,
            sin,
            max_positions,
        })
    }

    pub fn config(&self) -> &DecoderConfig {
        &self.cfg
    }

    pub fn max_positions(&self) -> usize {
        self.max_positions
    }

    pub fn new_cache(&self) -> Result<KvCache> {
        KvCache::new(
            self.cfg.n_layers,
            self.cfg.n_kv_head,
            self.cfg.head_dim,
            self.max_positions,
        )
    }

    /// Runs `tokens` at positions `cache.len()..`, appends their keys and values to the
    /// cache and returns the logits of the last token.
    pub fn forward(&self, tokens: &[u32], cache: &mut KvCache) -> Result<Vec<f32>> {
        let mut logits = self.forward_batch(&mut [(tokens, cache)])?;
        Ok(logits.pop().unwrap_or_default())
    }

    /// Runs several sequences in one pass, each its tokens at the positions after its own
    /// cache, and returns each sequence's last logits in order. The projections read each
    /// weight once for all the sequences' rows, so a step of several sequences costs far
    /// less than a step of each; attention stays per sequence.
    pub fn forward_batch(&self, seqs: &mut [(&[u32], &mut KvCache)]) -> Result<Vec<Vec<f32>>> {
        let Some((_, first)) = seqs.first_mut() else {
            return Ok(Vec::new());
        };
        let mut scratch = std::mem::take(&mut first.scratch);
        let logits = self.check_and_run(seqs, &mut scratch);
        if let Some((_, first)) = seqs.first_mut() {
            first.scratch = scratch;
        }
        logits
    }

    fn check_and_run(
        &self,
        seqs: &mut [(&[u32], &mut KvCache)],
        scratch: &mut Scratch,
    ) -> Result<Vec<Vec<f32>>> {
        for (tokens, cache) in seqs.iter_mut() {
            if tokens.is_empty() {
                return Err(Error::BadInput("no tokens to run".into()));
            }
            if let Some(t) = tokens.iter().find(|&&t| t as usize >= self.cfg.vocab_size) {
                return Err(Error::BadInput(format!(
                    "token id {t} is outside the vocabulary ({} tokens)",
                    self.cfg.vocab_size
                )));
            }
            cache.reserve(tokens.len())?;
        }
        self.run(seqs, scratch)
    }

    fn run(&self, seqs: &mut [(&[u32], &mut KvCache)], s: &mut Scratch) -> Result<Vec<Vec<f32>>> {
        let cfg = &self.cfg;
        // Row ranges of each sequence in the buffers, and its first position.
        let mut spans = Vec::with_capacity(seqs.len());
        let mut rows = 0;
        for (tokens, cache) in seqs.iter() {
            spans.push((rows, tokens.len(), cache.len()));
            rows += tokens.len();
        }
        let (d, hd, ff) = (cfg.n_embd, cfg.head_dim, cfg.n_ff);
        let (q_dim, kv_dim) = (cfg.n_head * hd, cfg.n_kv_head * hd);
        s.ensure(rows, d, q_dim, kv_dim, ff);
        let all: Vec<u32> = seqs.iter().flat_map(|(t, _)| t.iter().copied()).collect();
        let ids = Tensor::new(all.as_slice(), &Device::Cpu)?;
        let emb = self
            .embeddings
            .embedding(&ids)?
            .flatten_all()?
            .to_vec1::<f32>()?;
        let Scratch {
            x,
            h,
            q,
            k,
            v,
            att,
            gate,
            up,
            partial,
            acts,
        } = s;
        let (x, h) = (&mut x[..rows * d], &mut h[..rows * d]);
        let (q, k, v) = (
            &mut q[..rows * q_dim],
            &mut k[..rows * kv_dim],
            &mut v[..rows * kv_dim],
        );
        let att = &mut att[..rows * q_dim];
        let (gate, up) = (&mut gate[..rows * ff], &mut up[..rows * ff]);
        x.copy_from_slice(&emb);
        let heads = Heads {
            n_head: cfg.n_head,
            n_kv_head: cfg.n_kv_head,
            head_dim: hd,
        };
        for (layer, b) in self.blocks.iter().enumerate() {
            let a = &b.attn;
            ops::rms_norm(x, &b.attn_norm.weight, b.attn_norm.eps, h);
            project(
                h,
                rows,
                &mut [(&a.q, &mut *q), (&a.k, &mut *k), (&a.v, &mut *v)],
                acts,
            )?;
            if let Some((bq, bk, bv)) = &a.bias {
                ops::add_bias(q, bq);
                ops::add_bias(k, bk);
                ops::add_bias(v, bv);
            }
            if let Some((qn, kn)) = &a.qk_norm {
                ops::rms_norm_in_place(q, &qn.weight, qn.eps);
                ops::rms_norm_in_place(k, &kn.weight, kn.eps);
            }
            for ((_, cache), &(row, seq, pos)) in seqs.iter_mut().zip(&spans) {
                let q = &mut q[row * q_dim..(row + seq) * q_dim];
                let k = &mut k[row * kv_dim..(row + seq) * kv_dim];
                let v = &v[row * kv_dim..(row + seq) * kv_dim];
                ops::rope(q, q_dim, hd, &self.cos, &self.sin, pos, cfg.rope_style);
                ops::rope(k, kv_dim, hd, &self.cos, &self.sin, pos, cfg.rope_style);
                cache.write(layer, k, v);
                let (kc, vc, layout) = cache.layer(layer);
                let out = &mut att[row * q_dim..(row + seq) * q_dim];
                attention::attention(heads, q, kc, vc, layout, pos, seq, out, partial);
            }
            project(att, rows, &mut [(&a.o, &mut *h)], acts)?;
            ops::add(x, h);
            ops::rms_norm(x, &b.ffn_norm.weight, b.ffn_norm.eps, h);
            project(
                h,
                rows,
                &mut [(&b.mlp.gate, &mut *gate), (&b.mlp.up, &mut *up)],
                acts,
            )?;
            ops::silu_mul(gate, up);
            project(gate, rows, &mut [(&b.mlp.down, &mut *h)], acts)?;
            ops::add(x, h);
        }
        for ((_, cache), &(_, seq, _)) in seqs.iter_mut().zip(&spans) {
            cache.advance(seq);
        }
        // Only each sequence's last row goes through the output projection.
        let n = spans.len();
        let hl = &mut h[..n * d];
        for (i, &(row, seq, _)) in spans.iter().enumerate() {
            let last = &x[(row + seq - 1) * d..(row + seq) * d];
            ops::rms_norm(
                last,
                &self.norm.weight,
                self.norm.eps,
                &mut hl[i * d..(i + 1) * d],
            );
        }
        let vocab = cfg.vocab_size;
        let mut logits = vec![0f32; n * vocab];
        self.output.matmul(hl, n, &mut logits)?;
        if n == 1 {
            return Ok(vec![logits]);
        }
        Ok(logits.chunks_exact(vocab).map(<[f32]>::to_vec).collect())
    }
}
