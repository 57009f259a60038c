//! The attention key/value cache: one growable f16 buffer per layer for keys and one for
//! values, written in place. It can be truncated to any earlier length, which is what
//! prompt-prefix caching needs. It also carries the decoder's scratch buffers for the
//! sequence, so a forward pass allocates nothing once they have grown.
//!
//! Keys and values are stored as f16 (as llama.cpp does by default): decoding reads the
//! whole cache every step, so half the bytes is up to a third less time per token on a
//! long prompt, for a relative rounding of 2⁻¹¹ — far below the 8-bit activation
//! quantization of the matrix kernels.

use half::f16;

use crate::llm::model::scratch::Scratch;
use crate::{Error, Result};

/// Keys and values of every layer, position-major: position `p`, KV head `h` starts at
/// `(p · kv_heads + h) · head_dim`.
pub struct KvCache {
    k: Vec<Vec<f16>>,
    v: Vec<Vec<f16>>,
    kv_heads: usize,
    head_dim: usize,
    len: usize,
    capacity: usize,
    max_len: usize,
    pub(crate) scratch: Scratch,
}

/// Capacity grows in steps of this many positions (then doubles), up to `max_len`.
const GROW_STEP: usize = 512;

impl KvCache {
    pub fn new(n_layers: usize, kv_heads: usize, head_dim: usize, max_len: usize) -> Result<Self> {
        let cap = GROW_STEP.min(max_len);
        let row = kv_heads * head_dim;
        Ok(KvCache {
            k: (0..n_layers).map(|_| vec![f16::ZERO; cap * row]).collect(),
            v: (0..n_layers).map(|_| vec![f16::ZERO; cap * row]).collect(),
            kv_heads,
            head_dim,
            len: 0,
            capacity: cap,
            max_len,
            scratch: Scratch::default(),
        })
    }

    /// Positions held.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The most positions this cache may hold (the context size).
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Forgets every position at and after `len`.
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    /// Makes room for `extra` more positions, growing the buffers if needed.
    pub fn reserve(&mut self, extra: usize) -> Result<()> {
        let need = self.len + extra;
        if need > self.max_len {
            return Err(Error::ContextOverflow {
                prompt_tokens: need,
                context: self.max_len,
                reserved: 0,
            });
        }
        if need <= self.capacity {
            return Ok(());
        }
        let mut cap = self.capacity.max(GROW_STEP);
        while cap < need {
            cap *= 2;
        }
        let cap = cap.min(self.max_len);
        tracing::debug!(from = self.capacity, to = cap, "growing the KV cache");
        let size = cap * self.kv_heads * self.head_dim;
        for buf in self.k.iter_mut().chain(self.v.iter_mut()) {
            buf.resize(size, f16::ZERO);
        }
        self.capacity = cap;
        Ok(())
    }

    /// Writes `seq` rows of keys and values (each `kv_heads · head_dim`, f32) of `layer`
    /// at the current end. [`KvCache::advance`] moves the end once every layer has been
    /// written; the caller has reserved the room.
    pub(crate) fn write(&mut self, layer: usize, k: &[f32], v: &[f32]) {
        let start = self.len * self.kv_heads * self.head_dim;
        let (kc, vc) = (&mut self.k[layer], &mut self.v[layer]);
        debug_assert!(start + k.len() <= kc.len() && k.len() == v.len());
        crate::llm::model::ops::to_f16(k, &mut kc[start..start + k.len()]);
        crate::llm::model::ops::to_f16(v, &mut vc[start..start + v.len()]);
    }

    /// Keys and values of `layer` for the first `n` positions (position-major).
    pub(crate) fn layer(&self, layer: usize, n: usize) -> (&[f16], &[f16]) {
        let end = n * self.kv_heads * self.head_dim;
        (&self.k[layer][..end], &self.v[layer][..end])
    }

    pub fn advance(&mut self, seq: usize) {
        self.len += seq;
    }
}
