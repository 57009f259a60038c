//! x86-64 kernels: one body, stamped out twice by [`isa_kernels!`] — for AVX2
//! (`vpmaddubsw`, `vpmaddwd`) and for AVX-512 VNNI (`vpdpbusd` on 256-bit registers, 32 registers, so
//! wider token tiles). Selected at run time by the caller; never compiled for the host.
//!
//! Per 32-weight group: the weights are unpacked once into 32 unsigned bytes `u`, then for
//! each of the T activation rows of the tile: an integer dot `u · a` (8 × i32 lanes), one
//! conversion to f32, one multiply by `da` and one FMA with `ws`. The offset term
//! `Σ wc · (da · Σa)` is one f32 FMA per group across the tile's rows (the activations of a
//! tile are interleaved, see [`Acts`], so a tile needs one pointer, not T).

use super::Acts;

macro_rules! dp {
    (vnni, $u:expr, $a:expr) => {
        _mm256_dpbusd_epi32(_mm256_setzero_si256(), $u, $a)
    };
    (avx2, $u:expr, $a:expr) => {
        _mm256_madd_epi16(_mm256_maddubs_epi16($u, $a), _mm256_set1_epi16(1))
    };
}

/// 32 bits of `qh` → 32 bytes, 0x10 where the bit is set (Q5_0's fifth bit).
macro_rules! bits_0x10 {
    (vnni, $qh:expr) => {
        _mm256_maskz_set1_epi8($qh as __mmask32, 0x10)
    };
    (avx2, $qh:expr) => {{
        let v = _mm256_shuffle_epi8(
            _mm256_set1_epi32($qh as i32),
            _mm256_setr_epi64x(
                0x0000000000000000,
                0x0101010101010101,
                0x0202020202020202,
                0x0303030303030303,
            ),
        );
        let v = _mm256_or_si256(v, _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe));
        _mm256_and_si256(
            _mm256_cmpeq_epi8(v, _mm256_set1_epi64x(-1)),
            _mm256_set1_epi8(0x10),
        )
    }};
}

macro_rules! isa_kernels {
    ($modname:ident, $isa:ident, $feat:literal, $tile:expr) => {
        pub(super) mod $modname {
            use super::Acts;
            use crate::llm::kernels::formats::QType;
            use core::arch::x86_64::*;

            /// Bytes ahead of the current weight block to prefetch.
            const PREFETCH: usize = 768;

            /// Activation rows per tile for prefill.
            pub(crate) const TILE: usize = $tile;

            #[target_feature(enable = $feat)]
            #[inline]
            unsafe fn f16(p: *const u8) -> f32 {
                let bits = (p as *const u16).read_unaligned();
                _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(bits as i32)))
            }

            #[target_feature(enable = $feat)]
            #[inline]
            unsafe fn hsum(v: __m256) -> f32 {
                let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
                let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
                let s = _mm_add_ss(s, _mm_movehdup_ps(s));
                _mm_cvtss_f32(s)
            }

            /// One 32-weight group against the T activation rows of the tile. The tile's
            /// activations are interleaved ([`Acts`]): `qa` points at this group's T × 32
            /// bytes, `da` at its T scales.
            #[target_feature(enable = $feat)]
            #[inline]
            unsafe fn step<const T: usize>(
                acc: &mut [__m256; T],
                u: __m256i,
                wsv: __m256,
                qa: *const i8,
                da: *const f32,
            ) {
                for t in 0..T {
                    let a = _mm256_loadu_si256(qa.add(32 * t) as *const __m256i);
                    let p = dp!($isa, u, a);
                    let f = _mm256_mul_ps(_mm256_cvtepi32_ps(p), _mm256_broadcast_ss(&*da.add(t)));
                    acc[t] = _mm256_fmadd_ps(f, wsv, acc[t]);
                }
            }

            /// Like [`step`] for signed weights `w` (Q8_0 on AVX2: `|w| · sign(a, w)`,
            /// since `vpmaddubsw` would saturate on `w + 128`).
            #[target_feature(enable = $feat)]
            #[inline]
            #[allow(dead_code)]
            unsafe fn step_signed<const T: usize>(
                acc: &mut [__m256; T],
                w: __m256i,
                wsv: __m256,
                qa: *const i8,
                da: *const f32,
            ) {
                let u = _mm256_sign_epi8(w, w);
                for t in 0..T {
                    let a = _mm256_loadu_si256(qa.add(32 * t) as *const __m256i);
                    let p = dp!($isa, u, _mm256_sign_epi8(a, w));
                    let f = _mm256_mul_ps(_mm256_cvtepi32_ps(p), _mm256_broadcast_ss(&*da.add(t)));
                    acc[t] = _mm256_fmadd_ps(f, wsv, acc[t]);
                }
            }

            /// Nibbles of 16 bytes: low nibbles are weights 0..16, high nibbles 16..32.
            #[target_feature(enable = $feat)]
            #[inline]
            unsafe fn nibbles16(p: *const u8) -> __m256i {
                let q = _mm_loadu_si128(p as *const __m128i);
                let m4 = _mm_set1_epi8(0x0F);
                let lo = _mm_and_si128(q, m4);
                let hi = _mm_and_si128(_mm_srli_epi16(q, 4), m4);
                _mm256_set_m128i(hi, lo)
            }

            /// Dot products of one weight row against the T activation rows of the tile
            /// starting at row `t0`, for the 32-weight formats (`Q`: 0 Q4_0, 1 Q4_1,
            /// 2 Q5_0, 3 Q8_0). `out[t]` receives row · activation `t0 + t`.
            #[target_feature(enable = $feat)]
            unsafe fn tile_simple<const T: usize, const Q: u8>(
                row: *const u8,
                acts: &Acts,
                t0: usize,
                out: &mut [f32; T],
            ) {
                let k = acts.k;
                let nb = k / 32;
                let bytes = [18, 20, 22, 34][Q as usize];
                // Two sets of accumulators, for even and odd blocks: two independent FMA
                // chains, which matters for decode (T = 1).
                let mut acc = [[_mm256_setzero_ps(); T]; 2];
                let mut offs = [[0f32; T]; 2];
                let qa0 = acts.qs.as_ptr().add(t0 * k);
                let da0 = acts.d.as_ptr().add(t0 * nb);
                let c0 = acts.c32.as_ptr().add(t0 * nb);
                macro_rules! block {
                    ($b:expr, $acc:expr, $offs:expr) => {{
                        let b = $b;
                        let p = row.add(b * bytes);
                        let qa = qa0.add(b * 32 * T);
                        let da = da0.add(b * T);
                        let d = f16(p);
                        let wsv = _mm256_set1_ps(d);
                        let coef;
                        match Q {
                            0 => {
                                coef = 8.0 * d;
                                step::<T>($acc, nibbles16(p.add(2)), wsv, qa, da);
                            }
                            1 => {
                                coef = -f16(p.add(2));
                                step::<T>($acc, nibbles16(p.add(4)), wsv, qa, da);
                            }
                            2 => {
                                coef = 16.0 * d;
                                let qh = (p.add(2) as *const u32).read_unaligned();
                                let u = _mm256_or_si256(nibbles16(p.add(6)), bits_0x10!($isa, qh));
                                step::<T>($acc, u, wsv, qa, da);
                            }
                            _ => {
                                let w = _mm256_loadu_si256(p.add(2) as *const __m256i);
                                coef = q8!($isa, $acc, w, wsv, qa, da, d);
                            }
                        }
                        let c = c0.add(b * T);
                        for t in 0..T {
                            $offs[t] += coef * *c.add(t);
                        }
                    }};
                }
                let [acc0, acc1] = &mut acc;
                let [offs0, offs1] = &mut offs;
                let mut b = 0;
                while b + 2 <= nb {
                    // Decode streams the weights from memory: ask for them early.
                    _mm_prefetch::<_MM_HINT_T0>(row.add(b * bytes + PREFETCH) as *const i8);
                    block!(b, acc0, offs0);
                    block!(b + 1, acc1, offs1);
                    b += 2;
                }
                if b < nb {
                    block!(b, acc0, offs0);
                }
                for t in 0..T {
                    out[t] = hsum(_mm256_add_ps(acc0[t], acc1[t])) - (offs0[t] + offs1[t]);
                }
            }

            #[target_feature(enable = $feat)]
            unsafe fn tile_q4k<const T: usize>(
                row: *const u8,
                acts: &Acts,
                t0: usize,
                out: &mut [f32; T],
            ) {
                let k = acts.k;
                let nb = k / 32;
                let mut acc = [[_mm256_setzero_ps(); T]; 2];
                let mut offs = [[0f32; T]; 2];
                let qa0 = acts.qs.as_ptr().add(t0 * k);
                let da0 = acts.d.as_ptr().add(t0 * nb);
                let c0 = acts.c32.as_ptr().add(t0 * nb);
                let m4 = _mm256_set1_epi8(0x0F);
                for sb in 0..k / 256 {
                    let p = row.add(sb * 144);
                    _mm_prefetch::<_MM_HINT_T0>(p.add(PREFETCH) as *const i8);
                    _mm_prefetch::<_MM_HINT_T0>(p.add(PREFETCH + 64) as *const i8);
                    _mm_prefetch::<_MM_HINT_T0>(p.add(PREFETCH + 128) as *const i8);
                    let d = f16(p);
                    let dmin = f16(p.add(2));
                    let sc = core::slice::from_raw_parts(p.add(4), 12);
                    let qs = p.add(16);
                    for jj in 0..4 {
                        let q = _mm256_loadu_si256(qs.add(32 * jj) as *const __m256i);
                        for h in 0..2 {
                            let j = 2 * jj + h;
                            let (s, m) = crate::llm::kernels::formats::q4k_scale_min(sc, j);
                            let u = if h == 0 {
                                _mm256_and_si256(q, m4)
                            } else {
                                _mm256_and_si256(_mm256_srli_epi16(q, 4), m4)
                            };
                            let b = sb * 8 + j;
                            let wsv = _mm256_set1_ps(d * s as f32);
                            step::<T>(&mut acc[h], u, wsv, qa0.add(b * 32 * T), da0.add(b * T));
                            let coef = dmin * m as f32;
                            let c = c0.add(b * T);
                            for t in 0..T {
                                offs[h][t] += coef * *c.add(t);
                            }
                        }
                    }
                }
                for t in 0..T {
                    out[t] = hsum(_mm256_add_ps(acc[0][t], acc[1][t])) - (offs[0][t] + offs[1][t]);
                }
            }

            #[target_feature(enable = $feat)]
            unsafe fn tile_q6k<const T: usize>(
                row: *const u8,
                acts: &Acts,
                t0: usize,
                out: &mut [f32; T],
            ) {
                let k = acts.k;
                let nb = k / 32;
                let mut acc = [[_mm256_setzero_ps(); T]; 2];
                let mut offs = [[0f32; T]; 2];
                let qa0 = acts.qs.as_ptr().add(t0 * k);
                let da0 = acts.d.as_ptr().add(t0 * nb);
                let c0 = acts.c16.as_ptr().add(t0 * 2 * nb);
                let m4 = _mm256_set1_epi8(0x0F);
                let m30 = _mm256_set1_epi8(0x30);
                for sb in 0..k / 256 {
                    let p = row.add(sb * 210);
                    for l in 0..4 {
                        _mm_prefetch::<_MM_HINT_T0>(p.add(PREFETCH + 64 * l) as *const i8);
                    }
                    let d = f16(p.add(208));
                    for n in 0..2 {
                        let ql = p.add(64 * n);
                        let qla = _mm256_loadu_si256(ql as *const __m256i);
                        let qlb = _mm256_loadu_si256(ql.add(32) as *const __m256i);
                        let qh = _mm256_loadu_si256(p.add(128 + 32 * n) as *const __m256i);
                        let sc = p.add(192 + 8 * n) as *const i8;
                        let us = [
                            _mm256_or_si256(
                                _mm256_and_si256(qla, m4),
                                _mm256_and_si256(_mm256_slli_epi16(qh, 4), m30),
                            ),
                            _mm256_or_si256(
                                _mm256_and_si256(qlb, m4),
                                _mm256_and_si256(_mm256_slli_epi16(qh, 2), m30),
                            ),
                            _mm256_or_si256(
                                _mm256_and_si256(_mm256_srli_epi16(qla, 4), m4),
                                _mm256_and_si256(qh, m30),
                            ),
                            _mm256_or_si256(
                                _mm256_and_si256(_mm256_srli_epi16(qlb, 4), m4),
                                _mm256_and_si256(_mm256_srli_epi16(qh, 2), m30),
                            ),
                        ];
                        for (g, u) in us.into_iter().enumerate() {
                            let lo = d * *sc.add(2 * g) as f32;
                            let hi = d * *sc.add(2 * g + 1) as f32;
                            let wsv = _mm256_set_m128(_mm_set1_ps(hi), _mm_set1_ps(lo));
                            let b = sb * 8 + 4 * n + g;
                            step::<T>(&mut acc[g % 2], u, wsv, qa0.add(b * 32 * T), da0.add(b * T));
                            let (clo, chi) = (32.0 * lo, 32.0 * hi);
                            let c = c0.add(2 * b * T);
                            for t in 0..T {
                                offs[g % 2][t] += clo * *c.add(t) + chi * *c.add(T + t);
                            }
                        }
                    }
                }
                for t in 0..T {
                    out[t] = hsum(_mm256_add_ps(acc[0][t], acc[1][t])) - (offs[0][t] + offs[1][t]);
                }
            }

            #[target_feature(enable = $feat)]
            unsafe fn tile<const T: usize>(
                ty: QType,
                row: *const u8,
                acts: &Acts,
                t0: usize,
                out: &mut [f32; T],
            ) {
                match ty {
                    QType::Q4K => tile_q4k::<T>(row, acts, t0, out),
                    QType::Q6K => tile_q6k::<T>(row, acts, t0, out),
                    QType::Q4_0 => tile_simple::<T, 0>(row, acts, t0, out),
                    QType::Q4_1 => tile_simple::<T, 1>(row, acts, t0, out),
                    QType::Q5_0 => tile_simple::<T, 2>(row, acts, t0, out),
                    QType::Q8_0 => tile_simple::<T, 3>(row, acts, t0, out),
                }
            }

            /// `y[t·n + r] = W[r] · x[t]` for rows `r0..r1` and all `acts.m` activation rows.
            ///
            /// # Safety
            /// The CPU must support the features of this module; `w` holds `n` rows of
            /// `acts.k` weights of type `ty`; `y` points at `acts.m · n` floats, of which
            /// only columns `r0..r1` are written (other threads may write other columns).
            #[target_feature(enable = $feat)]
            pub(crate) unsafe fn rows(
                ty: QType,
                w: &[u8],
                acts: &Acts,
                r0: usize,
                r1: usize,
                y: *mut f32,
                n: usize,
            ) {
                let rb = ty.row_bytes(acts.k);
                let m = acts.m;
                // Rows per chunk: ~48 KiB of weights, reused from L2 by every tile.
                let rc = (48 * 1024 / rb.max(1)).max(1);
                let mut c0 = r0;
                while c0 < r1 {
                    let c1 = (c0 + rc).min(r1);
                    let mut t0 = 0;
                    while t0 + TILE <= m {
                        for r in c0..c1 {
                            let mut out = [0f32; TILE];
                            tile::<TILE>(ty, w.as_ptr().add(r * rb), acts, t0, &mut out);
                            for (t, v) in out.iter().enumerate() {
                                *y.add((t0 + t) * n + r) = *v;
                            }
                        }
                        t0 += TILE;
                    }
                    while t0 < m {
                        for r in c0..c1 {
                            let mut out = [0f32; 1];
                            tile::<1>(ty, w.as_ptr().add(r * rb), acts, t0, &mut out);
                            *y.add(t0 * n + r) = out[0];
                        }
                        t0 += 1;
                    }
                    c0 = c1;
                }
            }
        }
    };
}

/// Q8_0: VNNI takes `w + 128` as unsigned with offset `128 · d`; AVX2 uses the sign trick.
/// Evaluates to the offset coefficient.
macro_rules! q8 {
    (vnni, $acc:expr, $w:ident, $wsv:ident, $qa:ident, $da:ident, $d:ident) => {{
        let u = _mm256_xor_si256($w, _mm256_set1_epi8(-128));
        step::<T>($acc, u, $wsv, $qa, $da);
        128.0 * $d
    }};
    (avx2, $acc:expr, $w:ident, $wsv:ident, $qa:ident, $da:ident, $d:ident) => {{
        step_signed::<T>($acc, $w, $wsv, $qa, $da);
        0.0
    }};
}

isa_kernels!(avx2, avx2, "avx2,fma,f16c", 4);
isa_kernels!(
    avx512,
    vnni,
    "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni",
    8
);
