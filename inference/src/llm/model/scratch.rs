//! The f32 buffers one forward pass works in, kept with the sequence's KV cache and
//! reused across steps and layers: they grow to the largest chunk once, then a decode
//! step allocates nothing but its logits.

use crate::llm::kernels::Acts;

#[derive(Default)]
pub struct Scratch {
    /// The residual stream, `seq × n_embd`.
    pub(crate) x: Vec<f32>,
    /// Normed input of a block, then a block's output, `seq × n_embd`.
    pub(crate) h: Vec<f32>,
    pub(crate) q: Vec<f32>,
    pub(crate) k: Vec<f32>,
    pub(crate) v: Vec<f32>,
    /// Attention output, `seq × n_head · head_dim`.
    pub(crate) att: Vec<f32>,
    pub(crate) gate: Vec<f32>,
    pub(crate) up: Vec<f32>,
    /// Decoding's per-key-range attention results.
    pub(crate) partial: Vec<f32>,
    /// The quantized input shared by the projections that read it.
    pub(crate) acts: Acts,
}

impl Scratch {
    /// Makes every buffer hold at least `seq` rows.
    pub(crate) fn ensure(&mut self, seq: usize, d: usize, q_dim: usize, kv_dim: usize, ff: usize) {
        for (buf, width) in [
            (&mut self.x, d),
            (&mut self.h, d),
            (&mut self.q, q_dim),
            (&mut self.k, kv_dim),
            (&mut self.v, kv_dim),
            (&mut self.att, q_dim),
            (&mut self.gate, ff),
            (&mut self.up, ff),
        ] {
            if buf.len() < seq * width {
                buf.resize(seq * width, 0.0);
            }
        }
    }
}
