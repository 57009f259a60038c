//! The attention key/value cache: one preallocated buffer per layer, written in place.
//! It can be truncated to any earlier length, which is what prompt-prefix caching needs.

use candle_core::{DType, Device, Tensor};

use crate::{Error, Result};

/// Keys and values of every layer, shaped (1, kv_heads, capacity, head_dim).
pub struct KvCache {
    layers: Vec<(Tensor, Tensor)>,
    kv_heads: usize,
    head_dim: usize,
    len: usize,
    capacity: usize,
    max_len: usize,
}

/// Capacity grows in steps of this many positions (then doubles), up to `max_len`.
const GROW_STEP: usize = 512;

impl KvCache {
    pub fn new(n_layers: usize, kv_heads: usize, head_dim: usize, max_len: usize) -> Result<Self> {
        let mut cache = KvCache {
            layers: Vec::with_capacity(n_layers),
            kv_heads,
            head_dim,
            len: 0,
            capacity: 0,
            max_len,
        };
        let cap = GROW_STEP.min(max_len);
        for _ in 0..n_layers {
            let k = Tensor::zeros((1, kv_heads, cap, head_dim), DType::F32, &Device::Cpu)?;
            let v = Tensor::zeros((1, kv_heads, cap, head_dim), DType::F32, &Device::Cpu)?;
            cache.layers.push((k, v));
        }
        cache.capacity = cap;
        Ok(cache)
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
        for (k, v) in self.layers.iter_mut() {
            for t in [k, v] {
                let bigger = Tensor::zeros(
                    (1, self.kv_heads, cap, self.head_dim),
                    DType::F32,
                    &Device::Cpu,
                )?;
                if self.len > 0 {
                    let old = t.narrow(2, 0, self.len)?.contiguous()?;
                    bigger.slice_set(&old, 2, 0)?;
                }
                *t = bigger;
            }
        }
        self.capacity = cap;
        Ok(())
    }

    /// Writes the new keys/values (1, kv_heads, seq, head_dim) of `layer` at the current
    /// end and returns views of all keys and values so far. [`KvCache::advance`] moves
    /// the end once every layer has been written.
    pub fn append(&mut self, layer: usize, k: &Tensor, v: &Tensor) -> Result<(Tensor, Tensor)> {
        let seq = k.dim(2)?;
        if self.len + seq > self.capacity {
            self.reserve(seq)?;
        }
        let (kc, vc) = &self.layers[layer];
        kc.slice_set(k, 2, self.len)?;
        vc.slice_set(v, 2, self.len)?;
        let total = self.len + seq;
        Ok((kc.narrow(2, 0, total)?, vc.narrow(2, 0, total)?))
    }

    pub fn advance(&mut self, seq: usize) {
        self.len += seq;
    }
}
