//! Whisper's audio encoder: two convolutions over the log-mel frames, then transformer
//! layers with attention over all 1,500 positions, on plain f32 buffers.

use std::cell::RefCell;

use super::model::Model;
use super::ops::{add, add_bias, gelu, matmul, matmul_t, softmax_rows};
use crate::llm::kernels::pool::{self, SendPtr};
use crate::llm::kernels::Acts;
use crate::{Error, Result};

/// Buffers of one encoder pass, kept between windows.
#[derive(Default)]
pub(crate) struct EncoderScratch {
    columns: Vec<f32>,
    conv: Vec<f32>,
    /// The output: `n_audio_ctx` rows of `n_audio_state`.
    pub x: Vec<f32>,
    h: Vec<f32>,
    q: Vec<f32>,
    k: Vec<f32>,
    v: Vec<f32>,
    attended: Vec<f32>,
    mlp: Vec<f32>,
    acts: Acts,
}

thread_local! {
    static SCORES: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// Encodes `mel` (`n_mels` rows of `2 · n` frames) into `s.x` (`n` rows): `n` is the
/// model's window (`n_audio_ctx`) or fewer positions for short audio.
pub(crate) fn encode(
    model: &Model,
    mel: &[f32],
    n: usize,
    s: &mut EncoderScratch,
    abort: &dyn Fn() -> bool,
) -> Result<()> {
    let dims = model.dims;
    let (d, n_mels) = (dims.n_audio_state, dims.n_mels);
    assert!(n > 0 && n <= dims.n_audio_ctx);
    let frames = 2 * n;
    assert_eq!(mel.len(), n_mels * frames);
    // conv1 (kernel 3, padding 1) as a product: each frame's 3 neighbours of every bin.
    let k1 = n_mels * 3;
    resize(&mut s.columns, frames * k1);
    for t in 0..frames {
        let row = &mut s.columns[t * k1..(t + 1) * k1];
        for c in 0..n_mels {
            for j in 0..3 {
                let f = (t + j).checked_sub(1).filter(|&f| f < frames);
                row[c * 3 + j] = f.map_or(0.0, |f| mel[c * frames + f]);
            }
        }
    }
    resize(&mut s.conv, frames * d);
    matmul_t(
        &s.columns,
        k1,
        &model.conv1_w,
        k1,
        &mut s.conv,
        d,
        (frames, d, k1),
        1.0,
    );
    add_bias(&mut s.conv, &model.conv1_b);
    gelu(&mut s.conv);
    // conv2 (kernel 3, stride 2, padding 1).
    let k2 = d * 3;
    resize(&mut s.columns, n * k2);
    for t in 0..n {
        let row = &mut s.columns[t * k2..(t + 1) * k2];
        for j in 0..3 {
            let f = (2 * t + j).checked_sub(1).filter(|&f| f < frames);
            for c in 0..d {
                row[c * 3 + j] = f.map_or(0.0, |f| s.conv[f * d + c]);
            }
        }
    }
    resize(&mut s.x, n * d);
    model.conv2.forward(&s.columns, n, &mut s.x)?;
    gelu(&mut s.x);
    add(&mut s.x, &model.encoder_positions[..n * d]);

    for layer in &model.encoder {
        if abort() {
            return Err(Error::Cancelled);
        }
        for b in [&mut s.h, &mut s.q, &mut s.k, &mut s.v, &mut s.attended] {
            resize(b, n * d);
        }
        layer.attn_ln.apply(&s.x, &mut s.h);
        let a = &layer.attn;
        a.project_qkv(&s.h, n, (&mut s.q, &mut s.k, &mut s.v), &mut s.acts)?;
        attend_all(&s.q, &s.k, &s.v, &mut s.attended, n, d, dims.n_audio_head);
        a.out.forward(&s.attended, n, &mut s.h)?;
        add(&mut s.x, &s.h);

        layer.mlp_ln.apply(&s.x, &mut s.h);
        resize(&mut s.mlp, n * layer.fc1.out_features());
        layer.fc1.forward(&s.h, n, &mut s.mlp)?;
        gelu(&mut s.mlp);
        layer.fc2.forward(&s.mlp, n, &mut s.h)?;
        add(&mut s.x, &s.h);
    }
    model.ln_post.apply(&s.x, &mut s.h);
    std::mem::swap(&mut s.x, &mut s.h);
    Ok(())
}

fn resize(v: &mut Vec<f32>, len: usize) {
    v.resize(len, 0.0);
}

/// Every position attends to every position, head by head (`n` rows of `d`); the heads
/// are shared out over the kernels' threads.
fn attend_all(q: &[f32], k: &[f32], v: &[f32], out: &mut [f32], n: usize, d: usize, heads: usize) {
    let hd = d / heads;
    let scale = 1.0 / (hd as f32).sqrt();
    assert!(q.len() >= n * d && k.len() >= n * d && v.len() >= n * d && out.len() >= n * d);
    let outp = SendPtr(out.as_mut_ptr());
    let head = |h: usize| {
        SCORES.with(|s| {
            let mut s = s.borrow_mut();
            s.resize(n * n + n * hd, 0.0);
            let (scores, o) = s.split_at_mut(n * n);
            let off = h * hd;
            matmul_t(&q[off..], d, &k[off..], d, scores, n, (n, n, hd), scale);
            softmax_rows(scores, n);
            matmul(scores, n, &v[off..], d, o, hd, (n, hd, n));
            for (r, row) in o.chunks_exact(hd).enumerate() {
                // SAFETY: head h alone writes columns off..off + hd of the n rows of
                // `out` (n · d floats, asserted above).
                unsafe {
                    std::ptr::copy_nonoverlapping(row.as_ptr(), outp.get().add(r * d + off), hd)
                };
            }
        })
    };
    pool::global().for_each_task(heads, &head);
}
