//! Whisper's text decoder: causal self-attention over an f16 cache of the tokens so far,
//! cross-attention over the encoded audio (its keys and values computed once per window),
//! and logits for the rows asked for.

use half::{f16, slice::HalfFloatSliceExt};

use super::model::{Model, Norm};
use super::ops::{add, add_bias, gelu, layer_norm, matmul, matmul_t, softmax_rows};
use crate::llm::kernels::Acts;
use crate::llm::linear::project;
use crate::llm::model::attention::{attention, Heads, KvLayout};
use crate::{Error, Result};

/// One decoding sequence: its caches and buffers.
pub(crate) struct DecoderState {
    self_k: Vec<Vec<f16>>,
    self_v: Vec<Vec<f16>>,
    /// Keys and values of the audio, per layer, `n_audio_ctx` rows of `n_text_state`.
    cross_k: Vec<Vec<f32>>,
    cross_v: Vec<Vec<f32>>,
    /// Tokens in the self-attention cache.
    pub n_past: usize,
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
        let cache = |len: usize| (0..layers).map(|_| vec![f16::ZERO; len]).collect();
        let audio = |len: usize| (0..layers).map(|_| vec![0f32; len]).collect();
        DecoderState {
            self_k: cache(model.dims.n_text_ctx * d),
            self_v: cache(model.dims.n_text_ctx * d),
            cross_k: audio(model.dims.n_audio_ctx * d),
            cross_v: audio(model.dims.n_audio_ctx * d),
            n_past: 0,
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
    /// (`n_audio_ctx` rows of `n_text_state`), and empties the token cache.
    pub fn set_audio(&mut self, model: &Model, audio: &[f32]) -> Result<()> {
        let n = model.dims.n_audio_ctx;
        for (l, layer) in model.decoder.iter().enumerate() {
            let c = &layer.cross;
            let (k, v) = (&mut self.cross_k[l], &mut self.cross_v[l]);
            project(audio, n, &mut [(&c.key.w, k), (&c.value.w, v)], &mut self.acts)?;
            if let Some(b) = &c.key.b {
                add_bias(&mut self.cross_k[l], b);
            }
            if let Some(b) = &c.value.b {
                add_bias(&mut self.cross_v[l], b);
            }
        }
        self.n_past = 0;
        Ok(())
    }

    /// Forgets the tokens (keeps the audio).
    pub fn reset(&mut self) {
        self.n_past = 0;
    }

    /// Runs `tokens` at the next positions; fills [`DecoderState::logits`] with the
    /// logits of the given rows of `tokens`, in order.
    pub fn forward(&mut self, model: &Model, tokens: &[u32], logit_rows: &[usize]) -> Result<()> {
        let dims = model.dims;
        let (d, m, pos) = (dims.n_text_state, tokens.len(), self.n_past);
        if pos + m > dims.n_text_ctx {
            return Err(Error::Engine(format!(
                "{} tokens exceed the decoder's {} positions",
                pos + m,
                dims.n_text_ctx
            )));
        }
        if let Some(&t) = tokens.iter().find(|&&t| t as usize >= dims.n_vocab) {
            return Err(Error::Engine(format!(
                "token {t} is outside the vocabulary"
            )));
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
            let row = &mut self.x[i * d..(i + 1) * d];
            model.embed(t, row);
            add(
                row,
                &model.decoder_positions[(pos + i) * d..(pos + i + 1) * d],
            );
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
            // Self-attention over this sequence's tokens.
            norm(&self.x, &layer.attn_ln, &mut self.h);
            let a = &layer.attn;
            project(
                &self.h,
                m,
                &mut [
                    (&a.query.w, &mut self.q),
                    (&a.key.w, &mut self.k),
                    (&a.value.w, &mut self.v),
                ],
                &mut self.acts,
            )?;
            if let Some(b) = &a.query.b {
                add_bias(&mut self.q, b);
            }
            if let Some(b) = &a.key.b {
                add_bias(&mut self.k, b);
            }
            if let Some(b) = &a.value.b {
                add_bias(&mut self.v, b);
            }
            self.self_k[l][pos * d..(pos + m) * d].convert_from_f32_slice(&self.k);
            self.self_v[l][pos * d..(pos + m) * d].convert_from_f32_slice(&self.v);
            attention(
                heads,
                &self.q,
                &self.self_k[l],
                &self.self_v[l],
                layout,
                pos,
                m,
                &mut self.attended,
                &mut self.partial,
            );
            a.out.forward(&self.attended, m, &mut self.h)?;
            add(&mut self.x, &self.h);

            // Cross-attention: every token sees all of the audio.
            norm(&self.x, &layer.cross_ln, &mut self.h);
            let c = &layer.cross;
            c.query.forward(&self.h, m, &mut self.q)?;
            cross_attention(
                &self.q,
                &self.cross_k[l],
                &self.cross_v[l],
                &mut self.attended,
                m,
                dims.n_audio_ctx,
                heads,
                &mut self.scores,
            );
            c.out.forward(&self.attended, m, &mut self.h)?;
            add(&mut self.x, &self.h);

            norm(&self.x, &layer.mlp_ln, &mut self.h);
            self.mlp.resize(m * layer.fc1.out_features(), 0.0);
            layer.fc1.forward(&self.h, m, &mut self.mlp)?;
            gelu(&mut self.mlp);
            layer.fc2.forward(&self.mlp, m, &mut self.h)?;
            add(&mut self.x, &self.h);
        }
        self.n_past += m;
        let r = logit_rows.len();
        self.rows.resize(r * d, 0.0);
        for (j, &i) in logit_rows.iter().enumerate() {
            layer_norm(
                &self.x[i * d..(i + 1) * d],
                &model.ln.w,
                &model.ln.b,
                &mut self.rows[j * d..(j + 1) * d],
            );
        }
        self.logits.resize(r * model.logits.out_features(), 0.0);
        model.logits.matmul(&self.rows, r, &mut self.logits)?;
        Ok(())
    }
}

/// `out` (`m` rows of `d`) = attention of the query rows `q` over all `n` audio
/// positions' keys `k` and values `v` (`n` rows of `d`), head by head.
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

fn norm(x: &[f32], n: &Norm, out: &mut [f32]) {
    layer_norm(x, &n.w, &n.b, out);
}
