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

use crate::llm::model::attention::KvLayout;
use crate::llm::model::ops::to_f16;
use crate::llm::model::scratch::Scratch;
use crate::{Error, Result};

/// Keys and values of every layer, head-major: position `p` of KV head `h` starts at
/// `(h · capacity + p) · head_dim`, so attention streams each head's rows contiguously.
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
        Self::with_capacity(n_layers, kv_heads, head_dim, max_len, GROW_STEP)
    }

    fn with_capacity(
        n_layers: usize,
        kv_heads: usize,
        head_dim: usize,
        max_len: usize,
        capacity: usize,
    ) -> Result<Self> {
        let cap = capacity.min(max_len);
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
        let (hd, old) = (self.head_dim, self.capacity);
        for buf in self.k.iter_mut().chain(self.v.iter_mut()) {
            let mut bigger = vec![f16::ZERO; cap * self.kv_heads * hd];
            for h in 0..self.kv_heads {
                bigger[h * cap * hd..][..self.len * hd]
                    .copy_from_slice(&buf[h * old * hd..][..self.len * hd]);
            }
            *buf = bigger;
        }
        self.capacity = cap;
        Ok(())
    }

    /// Writes `seq` rows of keys and values (each `kv_heads · head_dim`, f32) of `layer`
    /// at the current end. [`KvCache::advance`] moves the end once every layer has been
    /// written; the caller has reserved the room.
    pub(crate) fn write(&mut self, layer: usize, k: &[f32], v: &[f32]) {
        let (hd, nkv, cap) = (self.head_dim, self.kv_heads, self.capacity);
        let seq = k.len() / (nkv * hd);
        debug_assert!(self.len + seq <= cap && k.len() == v.len());
        for (buf, src) in [(&mut self.k[layer], k), (&mut self.v[layer], v)] {
            for (i, row) in src.chunks_exact(nkv * hd).enumerate() {
                for (h, x) in row.chunks_exact(hd).enumerate() {
                    to_f16(x, &mut buf[(h * cap + self.len + i) * hd..][..hd]);
                }
            }
        }
    }

    /// Keys and values of `layer` and where each position lies in them.
    pub(crate) fn layer(&self, layer: usize) -> (&[f16], &[f16], KvLayout) {
        let layout = KvLayout {
            row: self.head_dim,
            head: self.capacity * self.head_dim,
        };
        (&self.k[layer], &self.v[layer], layout)
    }

    /// A new cache holding this one's first `len` positions, with room for `room` more
    /// before it has to grow: a sequence that goes on from a prompt already run, while
    /// this cache goes on with another.
    pub fn fork(&self, len: usize, room: usize) -> Result<KvCache> {
        let len = len.min(self.len);
        let (layers, heads, hd) = (self.k.len(), self.kv_heads, self.head_dim);
        let mut out = KvCache::with_capacity(layers, heads, hd, self.max_len, len + room.max(1))?;
        let (hd, from, to) = (self.head_dim, self.capacity, out.capacity);
        for (dst, src) in out
            .k
            .iter_mut()
            .chain(out.v.iter_mut())
            .zip(self.k.iter().chain(self.v.iter()))
        {
            for h in 0..self.kv_heads {
                dst[h * to * hd..][..len * hd].copy_from_slice(&src[h * from * hd..][..len * hd]);
            }
        }
        out.len = len;
        Ok(out)
    }

    pub fn advance(&mut self, seq: usize) {
        self.len += seq;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_survive_growth_and_truncation() {
        let (nkv, hd) = (2, 4);
        let mut c = KvCache::new(1, nkv, hd, 2000).unwrap();
        let row =
            |p: usize| -> Vec<f32> { (0..nkv * hd).map(|i| (p % 250 * 8 + i) as f32).collect() };
        let mut next = 0;
        for chunk in [3, 500, 1, 600] {
            c.reserve(chunk).unwrap();
            let k: Vec<f32> = (next..next + chunk).flat_map(row).collect();
            let v: Vec<f32> = k.iter().map(|x| -x).collect();
            c.write(0, &k, &v);
            c.advance(chunk);
            next += chunk;
        }
        assert_eq!(c.len(), 1104);
        c.truncate(1000);
        c.reserve(1000).unwrap();
        assert!(c.reserve(1001).is_err(), "past the context");
        let (k, v, l) = c.layer(0);
        for p in [0, 2, 3, 502, 503, 999] {
            for h in 0..nkv {
                for d in 0..hd {
                    let want = (p % 250 * 8 + h * hd + d) as f32;
                    assert_eq!(k[p * l.row + h * l.head + d].to_f32(), want, "{p} {h} {d}");
                    assert_eq!(v[p * l.row + h * l.head + d].to_f32(), -want);
                }
            }
        }
    }

    #[test]
    fn a_fork_holds_the_prefix_and_goes_on_alone() {
        let (nkv, hd) = (2, 4);
        let mut c = KvCache::new(2, nkv, hd, 4000).unwrap();
        c.reserve(1500).unwrap();
        for layer in 0..2 {
            let k: Vec<f32> = (0..700 * nkv * hd).map(|i| (i % 1000) as f32).collect();
            let v: Vec<f32> = k.iter().map(|x| x + 0.5).collect();
            c.write(layer, &k, &v);
        }
        c.advance(700);
        let mut f = c.fork(600, 100).unwrap();
        assert_eq!(f.len(), 600);
        assert!(
            c.fork(5000, 0).unwrap().len() == 700,
            "no more than the cache holds"
        );
        for layer in 0..2 {
            let ((ck, cv, cl), (fk, fv, fl)) = (c.layer(layer), f.layer(layer));
            assert_ne!(cl.head, fl.head, "the fork has its own capacity");
            for p in [0, 1, 511, 512, 599] {
                for h in 0..nkv {
                    let (a, b) = (p * cl.row + h * cl.head, p * fl.row + h * fl.head);
                    assert_eq!(ck[a..a + hd], fk[b..b + hd], "{layer} {p} {h}");
                    assert_eq!(cv[a..a + hd], fv[b..b + hd]);
                }
            }
        }
        f.reserve(1).unwrap();
        f.write(0, &[9.0; 8], &[9.0; 8]);
        f.advance(1);
        assert_eq!((f.len(), c.len()), (601, 700));
        let (ck, _, cl) = c.layer(0);
        assert_eq!(ck[600 * cl.row].to_f32(), (600 * nkv * hd % 1000) as f32);
    }
}
