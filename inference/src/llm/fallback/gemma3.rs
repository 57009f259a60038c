//! Gemma 3 on candle tensors, adapted from candle-transformers 0.11.1's
//! `quantized_gemma3` with what that model gets wrong for llama.cpp's GGUF files put
//! right:
//!
//! - the feed-forward gate is GELU (tanh approximation), as in Gemma and llama.cpp;
//!   candle's model applies SiLU, and its text drifts from the model's after a few words;
//! - the sliding window (local layers) is kept while decoding, where candle's model
//!   lets a token see the whole cache;
//! - the attention mask is right for a chunk run after cached tokens (candle's masks
//!   every cached token out, in the wrong dtype), so prompts prefill in chunks and a
//!   cached prefix can be kept;
//! - rotary tables cover the context, twice (local and global), where candle's model
//!   builds 131,072 positions for every layer (2.4 GB for the 270M model);
//! - the cache can be cut back to any prefix, as the fast path's can;
//! - the projections use mishu's quantized kernels ([`QLinear`]).

use candle_core::quantized::QTensor;
use candle_core::{DType, Device, IndexOp, Module, Tensor};
use candle_transformers::quantized_nn::RmsNorm;

use crate::llm::gguf::Gguf;
use crate::llm::linear::QLinear;
use crate::{Error, Result};

/// llama.cpp's defaults for Gemma 3 files that do not say.
const DEFAULT_SLIDING_PATTERN: usize = 6;
const DEFAULT_LOCAL_ROPE_BASE: f32 = 10_000.0;

struct Layer {
    attn_norm: RmsNorm,
    q: QLinear,
    k: QLinear,
    v: QLinear,
    o: QLinear,
    q_norm: RmsNorm,
    k_norm: RmsNorm,
    post_attn_norm: RmsNorm,
    ffn_norm: RmsNorm,
    gate: QLinear,
    up: QLinear,
    down: QLinear,
    post_ffn_norm: RmsNorm,
    /// A local layer attends to the last `window` positions only.
    sliding: bool,
}

struct Rope {
    cos: Tensor,
    sin: Tensor,
}

impl Rope {
    /// Tables for `positions` positions; `scale` divides the position (linear scaling).
    fn new(head_dim: usize, base: f32, scale: f32, positions: usize) -> Result<Rope> {
        let half = head_dim / 2;
        let mut cos = Vec::with_capacity(positions * half);
        let mut sin = Vec::with_capacity(positions * half);
        for p in 0..positions {
            for i in 0..half {
                let freq = 1.0 / base.powf((2 * i) as f32 / head_dim as f32);
                let angle = p as f32 / scale * freq;
                cos.push(angle.cos());
                sin.push(angle.sin());
            }
        }
        Ok(Rope {
            cos: Tensor::from_vec(cos, (positions, half), &Device::Cpu)?,
            sin: Tensor::from_vec(sin, (positions, half), &Device::Cpu)?,
        })
    }

    /// Rotates `x` (batch, heads, seq, head_dim) at positions `pos..`.
    fn apply(&self, x: &Tensor, pos: usize) -> Result<Tensor> {
        let seq = x.dim(2)?;
        let cos = self.cos.narrow(0, pos, seq)?;
        let sin = self.sin.narrow(0, pos, seq)?;
        Ok(candle_nn::rotary_emb::rope(&x.contiguous()?, &cos, &sin)?)
    }
}

pub struct Gemma3 {
    embeddings: QTensor,
    embed_scale: f64,
    layers: Vec<Layer>,
    norm: RmsNorm,
    output: QLinear,
    local_rope: Rope,
    global_rope: Rope,
    n_head: usize,
    n_kv_head: usize,
    head_dim: usize,
    window: usize,
    attn_scale: f64,
    vocab_size: usize,
    context: usize,
    /// Keys and values per layer, (1, kv heads, positions, head_dim).
    cache: Vec<Option<(Tensor, Tensor)>>,
    cached: usize,
}

impl Gemma3 {
    pub fn load(gguf: &Gguf, context: usize) -> Result<Gemma3> {
        let key = |k: &str| format!("gemma3.{k}");
        let n_layers = gguf.usize(&key("block_count"))?;
        let d = gguf.usize(&key("embedding_length"))?;
        let n_head = gguf.usize(&key("attention.head_count"))?;
        let n_kv_head = gguf.usize(&key("attention.head_count_kv"))?;
        let head_dim = gguf.usize(&key("attention.key_length"))?;
        let eps = gguf.f32(&key("attention.layer_norm_rms_epsilon"))? as f64;
        let window = gguf.usize(&key("attention.sliding_window"))?;
        let pattern = gguf
            .opt_usize(&key("attention.sliding_window_pattern"))
            .unwrap_or(DEFAULT_SLIDING_PATTERN)
            .max(1);
        let global_base = gguf.opt_f32(&key("rope.freq_base")).unwrap_or(1_000_000.0);
        let local_base = gguf
            .opt_f32(&key("rope.local_freq_base"))
            .unwrap_or(DEFAULT_LOCAL_ROPE_BASE);
        let global_scale = match gguf.opt_string(&key("rope.scaling.type")) {
            Some("linear") => gguf.opt_f32(&key("rope.scaling.factor")).unwrap_or(1.0),
            _ => 1.0,
        };
        if n_head == 0 || n_kv_head == 0 || n_head % n_kv_head != 0 || head_dim % 2 != 0 {
            return Err(gguf.error(format!(
                "{n_head} query heads, {n_kv_head} key/value heads of size {head_dim}: not a shape Gemma 3 has"
            )));
        }
        // llama.cpp: queries are scaled by 1/√head_dim, except in the 27B model.
        let attn_scale = if n_layers == 62 {
            1.0 / ((d / n_head) as f64).sqrt()
        } else {
            1.0 / (head_dim as f64).sqrt()
        };
        let dims = gguf
            .tensor_dims("token_embd.weight")
            .ok_or_else(|| gguf.error("tensor 'token_embd.weight' is missing"))?;
        let vocab_size = dims.first().copied().unwrap_or(0);
        let embeddings = gguf.qtensor("token_embd.weight", Some(&[vocab_size, d]))?;
        let output = if gguf.has_tensor("output.weight") {
            linear(gguf, "output.weight", vocab_size, d)?
        } else {
            linear(gguf, "token_embd.weight", vocab_size, d)?
        };
        let (q_dim, kv_dim) = (n_head * head_dim, n_kv_head * head_dim);
        let ff = gguf.usize(&key("feed_forward_length"))?;
        let mut layers = Vec::with_capacity(n_layers);
        for i in 0..n_layers {
            let p = format!("blk.{i}");
            let norm = |name: &str, dim: usize| rms_norm(gguf, &format!("{p}.{name}"), dim, eps);
            let lin =
                |name: &str, out: usize, inp: usize| linear(gguf, &format!("{p}.{name}"), out, inp);
            layers.push(Layer {
                attn_norm: norm("attn_norm.weight", d)?,
                q: lin("attn_q.weight", q_dim, d)?,
                k: lin("attn_k.weight", kv_dim, d)?,
                v: lin("attn_v.weight", kv_dim, d)?,
                o: lin("attn_output.weight", d, q_dim)?,
                q_norm: norm("attn_q_norm.weight", head_dim)?,
                k_norm: norm("attn_k_norm.weight", head_dim)?,
                post_attn_norm: norm("post_attention_norm.weight", d)?,
                ffn_norm: norm("ffn_norm.weight", d)?,
                gate: lin("ffn_gate.weight", ff, d)?,
                up: lin("ffn_up.weight", ff, d)?,
                down: lin("ffn_down.weight", d, ff)?,
                post_ffn_norm: norm("post_ffw_norm.weight", d)?,
                sliding: (i + 1) % pattern != 0,
            });
        }
        Ok(Gemma3 {
            embeddings,
            embed_scale: (d as f64).sqrt(),
            layers,
            norm: rms_norm(gguf, "output_norm.weight", d, eps)?,
            output,
            local_rope: Rope::new(head_dim, local_base, 1.0, context)?,
            global_rope: Rope::new(head_dim, global_base, global_scale, context)?,
            n_head,
            n_kv_head,
            head_dim,
            window,
            attn_scale,
            vocab_size,
            context,
            cache: (0..n_layers).map(|_| None).collect(),
            cached: 0,
        })
    }

    pub fn vocab_size(&self) -> usize {
        self.vocab_size
    }

    /// Tokens whose keys and values are cached.
    pub fn cached(&self) -> usize {
        self.cached
    }

    /// Keeps the first `len` cached positions.
    pub fn truncate(&mut self, len: usize) -> Result<()> {
        if len >= self.cached {
            return Ok(());
        }
        for entry in &mut self.cache {
            *entry = match entry.take() {
                Some((k, v)) if len > 0 => Some((k.narrow(2, 0, len)?, v.narrow(2, 0, len)?)),
                _ => None,
            };
        }
        self.cached = len;
        Ok(())
    }

    /// Runs `tokens` after the cached ones; the logits after the last.
    pub fn forward(&mut self, tokens: &[u32]) -> Result<Vec<f32>> {
        let (seq, pos) = (tokens.len(), self.cached);
        if seq == 0 {
            return Err(Error::BadInput("no tokens to run".into()));
        }
        if pos + seq > self.context {
            return Err(Error::Engine(format!(
                "{} tokens exceed the context of {}",
                pos + seq,
                self.context
            )));
        }
        if let Some(t) = tokens.iter().find(|&&t| t as usize >= self.vocab_size) {
            return Err(Error::BadInput(format!(
                "token id {t} is outside the vocabulary ({} tokens)",
                self.vocab_size
            )));
        }
        let ids = Tensor::new(tokens, &Device::Cpu)?;
        let mut x = (self.embeddings.embedding(&ids)? * self.embed_scale)?.unsqueeze(0)?;
        let global_mask = causal_mask(seq, pos, None)?;
        let local_mask = causal_mask(seq, pos, Some(self.window))?;
        for i in 0..self.layers.len() {
            let layer = &self.layers[i];
            let mask = if layer.sliding {
                local_mask.as_ref()
            } else {
                global_mask.as_ref()
            };
            let h = layer.attn_norm.forward(&x)?;
            let a = self.attention(i, &h, pos, mask)?;
            let layer = &self.layers[i];
            x = (x + layer.post_attn_norm.forward(&a)?)?;
            let h = layer.ffn_norm.forward(&x)?;
            let gate = layer.gate.forward(&h)?.gelu()?;
            let up = layer.up.forward(&h)?;
            let m = layer.down.forward(&(gate * up)?)?;
            x = (x + layer.post_ffn_norm.forward(&m)?)?;
        }
        self.cached = pos + seq;
        let last = x.i((.., seq - 1..seq, ..))?;
        let logits = self.output.forward(&self.norm.forward(&last)?)?;
        Ok(logits
            .flatten_all()?
            .to_dtype(DType::F32)?
            .to_vec1::<f32>()?)
    }

    fn attention(
        &mut self,
        layer: usize,
        x: &Tensor,
        pos: usize,
        mask: Option<&Tensor>,
    ) -> Result<Tensor> {
        let (hd, nh, nkv) = (self.head_dim, self.n_head, self.n_kv_head);
        let l = &self.layers[layer];
        let seq = x.dim(1)?;
        let heads = |t: Tensor, n: usize| -> Result<Tensor> {
            Ok(t.reshape((1, seq, n, hd))?.transpose(1, 2)?.contiguous()?)
        };
        let q = l.q_norm.forward(&heads(l.q.forward(x)?, nh)?)?;
        let k = l.k_norm.forward(&heads(l.k.forward(x)?, nkv)?)?;
        let v = heads(l.v.forward(x)?, nkv)?;
        let rope = if l.sliding {
            &self.local_rope
        } else {
            &self.global_rope
        };
        let q = rope.apply(&q, pos)?;
        let k = rope.apply(&k, pos)?;
        let (k, v) = match self.cache[layer].take() {
            Some((ck, cv)) => (Tensor::cat(&[&ck, &k], 2)?, Tensor::cat(&[&cv, &v], 2)?),
            None => (k, v),
        };
        self.cache[layer] = Some((k.clone(), v.clone()));
        let l = &self.layers[layer];
        // One query on a local layer: only the last `window` keys are in its view.
        let total = k.dim(2)?;
        let (k, v) = if seq == 1 && l.sliding && total > self.window {
            let from = total - self.window;
            (
                k.narrow(2, from, self.window)?,
                v.narrow(2, from, self.window)?,
            )
        } else {
            (k, v)
        };
        let k = candle_transformers::utils::repeat_kv(k, nh / nkv)?.contiguous()?;
        let v = candle_transformers::utils::repeat_kv(v, nh / nkv)?.contiguous()?;
        let mut att = (q.matmul(&k.t()?)? * self.attn_scale)?;
        if let Some(mask) = mask {
            att = att.broadcast_add(mask)?;
        }
        let att = candle_nn::ops::softmax_last_dim(&att)?;
        let out = att
            .matmul(&v)?
            .transpose(1, 2)?
            .reshape((1, seq, nh * hd))?;
        l.o.forward(&out)
    }
}

/// The additive mask of `seq` queries at positions `pos..` over `pos + seq` keys:
/// a query sees the keys at or before its position, and with a `window` only the last
/// `window` of them (llama.cpp's rule). `None` when it would hide nothing.
fn causal_mask(seq: usize, pos: usize, window: Option<usize>) -> Result<Option<Tensor>> {
    if seq == 1 {
        // A single query sees every cached key (the window is applied by narrowing).
        return Ok(None);
    }
    let total = pos + seq;
    let mut mask = Vec::with_capacity(seq * total);
    for i in 0..seq {
        let p = pos + i;
        for j in 0..total {
            let visible = j <= p && window.is_none_or(|w| p - j < w);
            mask.push(if visible { 0.0f32 } else { f32::NEG_INFINITY });
        }
    }
    Ok(Some(Tensor::from_vec(mask, (seq, total), &Device::Cpu)?))
}

fn linear(gguf: &Gguf, name: &str, out: usize, inp: usize) -> Result<QLinear> {
    QLinear::from_qtensor(gguf.qtensor(name, Some(&[out, inp]))?)
}

fn rms_norm(gguf: &Gguf, name: &str, dim: usize, eps: f64) -> Result<RmsNorm> {
    let w = gguf.qtensor(name, Some(&[dim]))?;
    RmsNorm::from_qtensor(w, eps).map_err(|e| gguf.error(format!("tensor '{name}': {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visible(mask: &Tensor) -> Vec<Vec<bool>> {
        mask.to_vec2::<f32>()
            .unwrap()
            .into_iter()
            .map(|row| row.into_iter().map(|x| x == 0.0).collect())
            .collect()
    }

    #[test]
    fn a_chunk_after_cached_tokens_sees_them() {
        let m = causal_mask(2, 3, None).unwrap().unwrap();
        assert_eq!(
            visible(&m),
            vec![
                vec![true, true, true, true, false],
                vec![true, true, true, true, true]
            ]
        );
    }

    #[test]
    fn the_window_hides_old_keys() {
        let m = causal_mask(3, 1, Some(2)).unwrap().unwrap();
        assert_eq!(
            visible(&m),
            vec![
                vec![true, true, false, false],
                vec![false, true, true, false],
                vec![false, false, true, true]
            ]
        );
        assert!(causal_mask(1, 9, Some(2)).unwrap().is_none());
    }
}
