//! Whisper's text decoder: causal self-attention over an f16 cache of the tokens so far,
//! cross-attention over the encoded audio (its keys and values computed once per window),
//! and logits for the rows asked for.

use half::{f16, slice::HalfFloatSliceExt};

use super::model::Model;
use super::ops::{add, gelu, matmul, matmul_t, softmax_rows};
use crate::llm::kernels::Acts;
use crate::llm::model::attention::{attention, Heads, KvLayout};
use crate::{Error, Result};

/// The self-attention keys and values of one sequence, per layer (`n_text_ctx` rows of
/// `n_text_state`).
struct SelfCache {
    k: Vec<Vec<f16>>,
    v: Vec<Vec<f16>>,
}

impl SelfCache {
    fn new(layers: usize, len: usize) -> SelfCache {
        let cache = || (0..layers).map(|_| vec![f16::ZERO; len]).collect();
        SelfCache {
            k: cache(),
            v: cache(),
        }
    }

    /// Copies the first `len` values of every layer from `other`.
    fn copy_prefix(&mut self, other: &SelfCache, len: usize) {
        for (dst, src) in self
            .k
            .iter_mut()
            .zip(&other.k)
            .chain(self.v.iter_mut().zip(&other.v))
        {
            dst[..len].copy_from_slice(&src[..len]);
        }
    }
}

/// Which sequences a forward pass extends.
#[derive(Clone, Copy)]
enum Rows {
    /// Consecutive tokens of sequence 0.
    Sequence,
    /// One token of each sequence (beam), all at the same position.
    Beams,
}

/// The decoding of one window: the audio's keys and values, the sequences' caches and
/// the buffers.
pub(crate) struct DecoderState {
    /// One cache per sequence being decoded (beam search keeps several).
    caches: Vec<SelfCache>,
    /// Keys and values of the audio, per layer, `n_audio_ctx` rows of `n_text_state`.
    cross_k: Vec<Vec<f32>>,
    cross_v: Vec<Vec<f32>>,
    /// The same in f16, read by the decoding steps (half the bytes per token).
    cross_k16: Vec<Vec<f16>>,
    cross_v16: Vec<Vec<f16>>,
    /// Queries regrouped by head for the decoding steps, and their outputs.
    grouped_q: Vec<f32>,
    grouped_out: Vec<f32>,
    /// Tokens in the self-attention cache.
    pub n_past: usize,
    /// Positions of the encoded audio (the encoder's window, or fewer when trimmed).
    n_audio: usize,
    x: Vec<f32>,
    h: Vec<f32>,
    q: Vec<f32>,
    k: Vec<f32>,
    v: Vec<f32>,
    attended: Vec<f32>,
    mlp: Vec<f32>,
    rows: Vec<f32>,
    /// The logits of the rows asked for, `n_vocab` (padded) each.
    pub logits: Vec<f32>,
    partial: Vec<f32>,
    scores: Vec<f32>,
    acts: Acts,
}

impl DecoderState {
    pub fn new(model: &Model) -> DecoderState {
        let d = model.dims.n_text_state;
        let layers = model.decoder.len();
        let audio = |len: usize| (0..layers).map(|_| vec![0f32; len]).collect();
        let half_audio = |len: usize| (0..layers).map(|_| vec![f16::ZERO; len]).collect();
        DecoderState {
            caches: vec![SelfCache::new(layers, model.dims.n_text_ctx * d)],
            cross_k: audio(model.dims.n_audio_ctx * d),
            cross_v: audio(model.dims.n_audio_ctx * d),
            cross_k16: half_audio(model.dims.n_audio_ctx * d),
            cross_v16: half_audio(model.dims.n_audio_ctx * d),
            grouped_q: Vec::new(),
            grouped_out: Vec::new(),
            n_past: 0,
            n_audio: model.dims.n_audio_ctx,
            x: Vec::new(),
            h: Vec::new(),
            q: Vec::new(),
            k: Vec::new(),
            v: Vec::new(),
            attended: Vec::new(),
            mlp: Vec::new(),
            rows: Vec::new(),
            logits: Vec::new(),
            partial: Vec::new(),
            scores: Vec::new(),
            acts: Acts::default(),
        }
    }

    /// Computes every layer's cross-attention keys and values of the encoded audio
    /// (at most `n_audio_ctx` rows of `n_audio_state`), and empties the token cache.
    pub fn set_audio(&mut self, model: &Model, audio: &[f32]) -> Result<()> {
        let n = audio.len() / model.dims.n_audio_state;
        if n == 0 || n > model.dims.n_audio_ctx {
            return Err(Error::Engine(format!(
                "{n} encoded positions for a window of {}",
                model.dims.n_audio_ctx
            )));
        }
        let rows = n * model.dims.n_text_state;
        for (l, layer) in model.decoder.iter().enumerate() {
            let c = &layer.cross;
            c.key.forward(audio, n, &mut self.cross_k[l][..rows])?;
            c.value.forward(audio, n, &mut self.cross_v[l][..rows])?;
            self.cross_k16[l][..rows].convert_from_f32_slice(&self.cross_k[l][..rows]);
            self.cross_v16[l][..rows].convert_from_f32_slice(&self.cross_v[l][..rows]);
        }
        self.n_audio = n;
        self.n_past = 0;
        Ok(())
    }

    /// Forgets the tokens (keeps the audio).
    pub fn reset(&mut self) {
        self.n_past = 0;
    }

    /// Runs `tokens` of the first sequence at its next positions; fills
    /// [`DecoderState::logits`] with the logits of the given rows of `tokens`, in order.
    pub fn forward(&mut self, model: &Model, tokens: &[u32], logit_rows: &[usize]) -> Result<()> {
        self.run(model, tokens, Rows::Sequence, logit_rows)
    }

    /// Runs the next token of each of the first `tokens.len()` sequences; fills
    /// [`DecoderState::logits`] with their logits, in order.
    pub fn forward_beams(&mut self, model: &Model, tokens: &[u32]) -> Result<()> {
        let rows: Vec<usize> = (0..tokens.len()).collect();
        self.run(model, tokens, Rows::Beams, &rows)
    }

    /// Makes sequence `i` a copy of (former) sequence `sources[i]`, for each `i`.
    pub fn reorder(&mut self, model: &Model, sources: &[usize]) {
        let len = self.n_past * model.dims.n_text_state;
        let mut old: Vec<Option<SelfCache>> = std::mem::take(&mut self.caches)
            .into_iter()
            .map(Some)
            .collect();
        // A source's first taker gets its cache as it is; the others copy it.
        let mut owner = vec![usize::MAX; old.len()];
        let mut new: Vec<Option<SelfCache>> = sources
            .iter()
            .enumerate()
            .map(|(i, &s)| {
                let c = old.get_mut(s).and_then(Option::take);
                if c.is_some() {
                    owner[s] = i;
                }
                c
            })
            .collect();
        let mut spare: Vec<SelfCache> = old.into_iter().flatten().collect();
        for (i, &s) in sources.iter().enumerate() {
            if new[i].is_none() {
                let mut c = spare.pop().unwrap_or_else(|| {
                    SelfCache::new(
                        model.decoder.len(),
                        model.dims.n_text_ctx * model.dims.n_text_state,
                    )
                });
                if let Some(src) = new.get(owner[s]).and_then(Option::as_ref) {
                    c.copy_prefix(src, len);
                }
                new[i] = Some(c);
            }
        }
        self.caches = new.into_iter().flatten().chain(spare).collect();
    }

    fn run(
        &mut self,
        model: &Model,
        tokens: &[u32],
        rows: Rows,
        logit_rows: &[usize],
    ) -> Result<()> {
        let dims = model.dims;
        let (d, m, pos) = (dims.n_text_state, tokens.len(), self.n_past);
        let positions = match rows {
            Rows::Sequence => m,
            Rows::Beams => 1,
        };
        if pos + positions > dims.n_text_ctx {
            return Err(Error::Engine(format!(
                "{} tokens exceed the decoder's {} positions",
                pos + positions,
                dims.n_text_ctx
            )));
        }
        if let Some(&t) = tokens.iter().find(|&&t| t as usize >= dims.n_vocab) {
            return Err(Error::Engine(format!(
                "token {t} is outside the vocabulary"
            )));
        }
        if let Rows::Beams = rows {
            while self.caches.len() < m {
                self.caches
                    .push(SelfCache::new(model.decoder.len(), dims.n_text_ctx * d));
            }
        }
        for b in [
            &mut self.x,
            &mut self.h,
            &mut self.q,
            &mut self.k,
            &mut self.v,
            &mut self.attended,
        ] {
            b.resize(m * d, 0.0);
        }
        for (i, &t) in tokens.iter().enumerate() {
            let p = match rows {
                Rows::Sequence => pos + i,
                Rows::Beams => pos,
            };
            let row = &mut self.x[i * d..(i + 1) * d];
            model.embed(t, row);
            add(row, &model.decoder_positions[p * d..(p + 1) * d]);
        }
        let heads = Heads {
            n_head: dims.n_text_head,
            n_kv_head: dims.n_text_head,
            head_dim: d / dims.n_text_head,
        };
        let layout = KvLayout {
            row: d,
            head: d / dims.n_text_head,
        };
        for (l, layer) in model.decoder.iter().enumerate() {
            // Self-attention over each sequence's own tokens.
            layer.attn_ln.apply(&self.x, &mut self.h);
            let a = &layer.attn;
            a.project_qkv(
                &self.h,
                m,
                (&mut self.q, &mut self.k, &mut self.v),
                &mut self.acts,
            )?;
            match rows {
                Rows::Sequence => {
                    let c = &mut self.caches[0];
                    c.k[l][pos * d..(pos + m) * d].convert_from_f32_slice(&self.k);
                    c.v[l][pos * d..(pos + m) * d].convert_from_f32_slice(&self.v);
                    attention(
                        heads,
                        &self.q,
                        &c.k[l],
                        &c.v[l],
                        layout,
                        pos,
                        m,
                        &mut self.attended,
                        &mut self.partial,
                    );
                }
                Rows::Beams => {
                    for (b, c) in self.caches.iter_mut().take(m).enumerate() {
                        let row = b * d..(b + 1) * d;
                        c.k[l][pos * d..(pos + 1) * d].convert_from_f32_slice(&self.k[row.clone()]);
                        c.v[l][pos * d..(pos + 1) * d].convert_from_f32_slice(&self.v[row.clone()]);
                        attention(
                            heads,
                            &self.q[row.clone()],
                            &c.k[l],
                            &c.v[l],
                            layout,
                            pos,
                            1,
                            &mut self.attended[row],
                            &mut self.partial,
                        );
                    }
                }
            }
            a.out.forward(&self.attended, m, &mut self.h)?;
            add(&mut self.x, &self.h);

            // Cross-attention: every token sees all of the audio.
            layer.cross_ln.apply(&self.x, &mut self.h);
            let c = &layer.cross;
            c.query.forward(&self.h, m, &mut self.q)?;
            let decoding = matches!(rows, Rows::Beams) || m == 1;
            if decoding {
                // One token per sequence: the f16 attention kernel, each key and value
                // read once for all the sequences (as grouped-query heads sharing it).
                let n = self.n_audio;
                let hd = heads.head_dim;
                self.grouped_q.resize(m * d, 0.0);
                self.grouped_out.resize(m * d, 0.0);
                for b in 0..m {
                    for h in 0..heads.n_head {
                        self.grouped_q[(h * m + b) * hd..][..hd]
                            .copy_from_slice(&self.q[b * d + h * hd..][..hd]);
                    }
                }
                let grouped = Heads {
                    n_head: heads.n_head * m,
                    n_kv_head: heads.n_head,
                    head_dim: hd,
                };
                attention(
                    grouped,
                    &self.grouped_q,
                    &self.cross_k16[l],
                    &self.cross_v16[l],
                    layout,
                    n - 1,
                    1,
                    &mut self.grouped_out,
                    &mut self.partial,
                );
                for b in 0..m {
                    for h in 0..heads.n_head {
                        self.attended[b * d + h * hd..][..hd]
                            .copy_from_slice(&self.grouped_out[(h * m + b) * hd..][..hd]);
                    }
                }
            } else {
                cross_attention(
                    &self.q,
                    &self.cross_k[l],
                    &self.cross_v[l],
                    &mut self.attended,
                    m,
                    self.n_audio,
                    heads,
                    &mut self.scores,
                );
            }
            c.out.forward(&self.attended, m, &mut self.h)?;
            add(&mut self.x, &self.h);

            layer.mlp_ln.apply(&self.x, &mut self.h);
            self.mlp.resize(m * layer.fc1.out_features(), 0.0);
            layer.fc1.forward(&self.h, m, &mut self.mlp)?;
            gelu(&mut self.mlp);
            layer.fc2.forward(&self.mlp, m, &mut self.h)?;
            add(&mut self.x, &self.h);
        }
        self.n_past += positions;
        let r = logit_rows.len();
        self.rows.resize(r * d, 0.0);
        for (j, &i) in logit_rows.iter().enumerate() {
            model.ln.apply(
                &self.x[i * d..(i + 1) * d],
                &mut self.rows[j * d..(j + 1) * d],
            );
        }
        self.logits.resize(r * model.logits.out_features(), 0.0);
        model.logits.matmul(&self.rows, r, &mut self.logits)?;
        Ok(())
    }
}

/// `out` (`m` rows of `d`) = attention of the query rows `q` over all `n` audio
/// positions' keys `k` and values `v` (`n` rows of `d`), head by head as matrix products
/// (the prompt's rows).
#[allow(clippy::too_many_arguments)]
fn cross_attention(
    q: &[f32],
    k: &[f32],
    v: &[f32],
    out: &mut [f32],
    m: usize,
    n: usize,
    heads: Heads,
    scores: &mut Vec<f32>,
) {
    let hd = heads.head_dim;
    let d = heads.n_head * hd;
    let scale = 1.0 / (hd as f32).sqrt();
    scores.resize(m * n, 0.0);
    for h in 0..heads.n_head {
        let off = h * hd;
        matmul_t(&q[off..], d, &k[off..], d, scores, n, (m, n, hd), scale);
        softmax_rows(scores, n);
        matmul(scores, n, &v[off..], d, &mut out[off..], d, (m, hd, n));
    }
}
