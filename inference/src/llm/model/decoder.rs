//! The decoder-only transformer shared by the Llama family (Llama, SmolLM2, Qwen2,
//! Qwen3): RMS norms, rotary attention with grouped KV heads, a SwiGLU MLP. Each
//! architecture's file reads its [`DecoderConfig`] and says which variant it is.

use candle_core::quantized::QTensor;
use candle_core::{DType, Device, Tensor};

use crate::llm::gguf::Gguf;
use crate::llm::kv_cache::KvCache;
use crate::llm::linear::QLinear;
use crate::Result;

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
    weight: Tensor,
    eps: f32,
}

impl RmsNorm {
    fn load(gguf: &Gguf, name: &str, dim: usize, eps: f32) -> Result<RmsNorm> {
        Ok(RmsNorm {
            weight: gguf.f32_tensor(name, &[dim])?,
            eps,
        })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(candle_nn::ops::rms_norm(x, &self.weight, self.eps)?)
    }
}

struct Attention {
    q: QLinear,
    k: QLinear,
    v: QLinear,
    o: QLinear,
    bias: Option<(Tensor, Tensor, Tensor)>,
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
    cos: Tensor,
    sin: Tensor,
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
                    gguf.f32_tensor(&format!("{p}.attn_q.bias"), &[q_dim])?,
                    gguf.f32_tensor(&format!("{p}.attn_k.bias"), &[kv_dim])?,
                    gguf.f32_tensor(&format!("{p}.attn_v.bias"), &[kv_dim])?,
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
        let (cos, sin) = rope_tables(hd, cfg.rope_base, max_positions)?;
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
        let seq = tokens.len();
        if seq == 0 {
            return Err(crate::Error::BadInput("no tokens to run".into()));
        }
        let pos = cache.len();
        cache.reserve(seq)?;
        let ids = Tensor::new(tokens, &Device::Cpu)?;
        let mut x = self.embeddings.embedding(&ids)?; // (seq, d)
        let mask = if seq > 1 {
            Some(causal_mask(seq, pos)?)
        } else {
            None
        };
        let cos = self.cos.narrow(0, pos, seq)?;
        let sin = self.sin.narrow(0, pos, seq)?;
        for (i, block) in self.blocks.iter().enumerate() {
            let h = block.attn_norm.forward(&x)?;
            let h = self.attention(i, &block.attn, &h, &cos, &sin, mask.as_ref(), cache)?;
            x = (x + h)?;
            let h = block.ffn_norm.forward(&x)?;
            let gate = block.mlp.gate.forward(&h)?;
            let up = block.mlp.up.forward(&h)?;
            let h = block
                .mlp
                .down
                .forward(&(candle_nn::ops::silu(&gate)? * up)?)?;
            x = (x + h)?;
        }
        cache.advance(seq);
        let last = x.narrow(0, seq - 1, 1)?;
        let last = self.norm.forward(&last)?;
        let logits = self.output.forward(&last)?;
        Ok(logits.flatten_all()?.to_vec1::<f32>()?)
    }

    #[allow(clippy::too_many_arguments)]
    fn attention(
        &self,
        layer: usize,
        a: &Attention,
        x: &Tensor,
        cos: &Tensor,
        sin: &Tensor,
        mask: Option<&Tensor>,
        cache: &mut KvCache,
    ) -> Result<Tensor> {
        let cfg = &self.cfg;
        let seq = x.dim(0)?;
        let (nh, nkv, hd) = (cfg.n_head, cfg.n_kv_head, cfg.head_dim);
        let mut q = a.q.forward(x)?;
        let mut k = a.k.forward(x)?;
        let mut v = a.v.forward(x)?;
        if let Some((bq, bk, bv)) = &a.bias {
            q = q.broadcast_add(bq)?;
            k = k.broadcast_add(bk)?;
            v = v.broadcast_add(bv)?;
        }
        let heads = |t: Tensor, n: usize| -> Result<Tensor> {
            Ok(t.reshape((1, seq, n, hd))?.transpose(1, 2)?.contiguous()?)
        };
        let (mut q, mut k, v) = (heads(q, nh)?, heads(k, nkv)?, heads(v, nkv)?);
        if let Some((qn, kn)) = &a.qk_norm {
            q = qn.forward(&q)?;
            k = kn.forward(&k)?;
        }
        let (q, k) = match cfg.rope_style {
            RopeStyle::Neox => (
                candle_nn::rotary_emb::rope(&q, cos, sin)?,
                candle_nn::rotary_emb::rope(&k, cos, sin)?,
            ),
            RopeStyle::Interleaved => (
                candle_nn::rotary_emb::rope_i(&q, cos, sin)?,
                candle_nn::rotary_emb::rope_i(&k, cos, sin)?,
            ),
        };
        let (k_all, v_all) = cache.append(layer, &k, &v)?; // (1, nkv, L, hd)
        let kv_len = k_all.dim(2)?;
        // Grouped-query attention without copying K/V: the `group` query heads that
        // share one KV head become rows of one matrix product.
        let group = nh / nkv;
        let q = q.reshape((1, nkv, group * seq, hd))?;
        let scale = 1.0 / (hd as f64).sqrt();
        let att = (q.matmul(&k_all.t()?)? * scale)?; // (1, nkv, group*seq, L)
        let att = match mask {
            Some(m) => att
                .reshape((nkv, group, seq, kv_len))?
                .broadcast_add(m)?
                .reshape((1, nkv, group * seq, kv_len))?,
            None => att,
        };
        let att = candle_nn::ops::softmax_last_dim(&att)?;
        let y = att.matmul(&v_all)?; // (1, nkv, group*seq, hd)
        let y = y
            .reshape((nh, seq, hd))?
            .transpose(0, 1)?
            .contiguous()?
            .reshape((seq, nh * hd))?;
        a.o.forward(&y)
    }
}

/// (seq, pos + seq): 0 where a query may look, -inf at later positions.
fn causal_mask(seq: usize, pos: usize) -> Result<Tensor> {
    let total = pos + seq;
    let mut m = vec![0f32; seq * total];
    for i in 0..seq {
        for j in (pos + i + 1)..total {
            m[i * total + j] = f32::NEG_INFINITY;
        }
    }
    Ok(Tensor::from_vec(m, (seq, total), &Device::Cpu)?)
}

fn rope_tables(head_dim: usize, base: f32, positions: usize) -> Result<(Tensor, Tensor)> {
    let inv: Vec<f32> = (0..head_dim)
        .step_by(2)
        .map(|i| 1.0 / base.powf(i as f32 / head_dim as f32))
        .collect();
    let half = inv.len();
    let mut cos = Vec::with_capacity(positions * half);
    let mut sin = Vec::with_capacity(positions * half);
    for p in 0..positions {
        for f in &inv {
            let a = p as f32 * f;
            cos.push(a.cos());
            sin.push(a.sin());
        }
    }
    let cos = Tensor::from_vec(cos, (positions, half), &Device::Cpu)?;
    let sin = Tensor::from_vec(sin, (positions, half), &Device::Cpu)?;
    Ok((cos.to_dtype(DType::F32)?, sin.to_dtype(DType::F32)?))
}
