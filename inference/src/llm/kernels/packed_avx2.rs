//! AVX2 mat-vec (decode) kernels on Q4_K / Q6_K weights repacked into 8-row records
//! ([`super::packed_k`]): 8 weight rows against one activation row per pass, each weight
//! byte read once.
//!
//! Per block of 32 weights and 8 rows: 8 `vpmaddubsw` of the unpacked weight dwords
//! against 4 activation bytes broadcast to every lane, summed in 16 bits while that
//! cannot overflow (Q4_K: all 8, `8 · 2 · 15 · 127 < 2¹⁵`; Q6_K: pairs, `2 · 2 · 63 · 127
//! < 2¹⁵`), then one `vpmaddwd` with the rows' integer group scales (exact), one
//! conversion and one FMA with the activation block's scale. The super-block scales
//! (`d`, and Q4_K's `dmin`) multiply once per super-block. Q6_K's offset of 32 is taken
//! off in integers (`32 · Σ scale · Σa` per group, from the activations' integer half-block
//! sums); Q4_K's minimums are one FMA per block with the activation block sums.

use super::formats::QType;
use super::packed::PackedMatrix;
use super::packed_k::{q4k, q6k, record_bytes, KROWS};
use super::Acts;
use core::arch::x86_64::*;

/// Bytes ahead of the weights being read to prefetch.
const PREFETCH: usize = 1536;

/// The 4 activation bytes at `p` in every 32-bit lane.
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
unsafe fn bcast4(p: *const i8) -> __m256i {
    _mm256_set1_epi32((p as *const i32).read_unaligned())
}

/// Dword `c` (0..8: weights `4c..4c + 4`) of the 8 rows' low 4 bits, from the block's 4
/// nibble vectors `l`.
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
pub(crate) unsafe fn nibbles(l: &[__m256i; 4], c: usize) -> __m256i {
    let m4 = _mm256_set1_epi8(0x0F);
    if c < 4 {
        _mm256_and_si256(l[c], m4)
    } else {
        _mm256_and_si256(_mm256_srli_epi16(l[c - 4], 4), m4)
    }
}

/// Q6_K's top 2 bits of dword `c` of the 8 rows, at bits 4 and 5, from the block's 2
/// vectors `h`.
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
pub(crate) unsafe fn top_bits(h: &[__m256i; 2], c: usize) -> __m256i {
    let v = h[c / 4];
    let v = match c % 4 {
        0 => _mm256_slli_epi16(v, 4),
        1 => _mm256_slli_epi16(v, 2),
        2 => v,
        _ => _mm256_srli_epi16(v, 2),
    };
    _mm256_and_si256(v, _mm256_set1_epi8(0x30))
}

/// The block's 4 nibble vectors at `p`.
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
pub(crate) unsafe fn load4(p: *const u8) -> [__m256i; 4] {
    let q = p as *const __m256i;
    [
        _mm256_load_si256(q),
        _mm256_load_si256(q.add(1)),
        _mm256_load_si256(q.add(2)),
        _mm256_load_si256(q.add(3)),
    ]
}

/// A Q6_K block's 2 top-bit vectors at `p`.
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
pub(crate) unsafe fn load_top(p: *const u8) -> [__m256i; 2] {
    let q = p as *const __m256i;
    [_mm256_load_si256(q), _mm256_load_si256(q.add(1))]
}

/// `vpmaddubsw` of the 8 weight dwords (`$u` of each `c`) against the block's
/// activations `$a`: the 16-bit pair sums per dword.
macro_rules! products {
    (|$c:ident| $u:expr, $a:expr) => {{
        let a = $a;
        let mut p = [_mm256_setzero_si256(); 8];
        for ($c, v) in p.iter_mut().enumerate() {
            *v = _mm256_maddubs_epi16($u, bcast4(a.add(4 * $c)));
        }
        p
    }};
}

/// One group of 8 Q4_K rows (`nsb` records from `rec`) against one activation row:
/// quantized values `qa`, block scales `da`, block sums `c32`.
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
unsafe fn group_q4k(
    rec: *const u8,
    nsb: usize,
    qa: *const i8,
    da: *const f32,
    c32: *const f32,
) -> __m256 {
    // Row r's 6-bit scale as both 16-bit halves of lane r (blocks 2i, 2i + 1 share a load).
    let dup = [
        _mm256_setr_epi8(
            0, -1, 0, -1, 1, -1, 1, -1, 2, -1, 2, -1, 3, -1, 3, -1, 4, -1, 4, -1, 5, -1, 5, -1, 6,
            -1, 6, -1, 7, -1, 7, -1,
        ),
        _mm256_setr_epi8(
            8, -1, 8, -1, 9, -1, 9, -1, 10, -1, 10, -1, 11, -1, 11, -1, 12, -1, 12, -1, 13, -1, 13,
            -1, 14, -1, 14, -1, 15, -1, 15, -1,
        ),
    ];
    let mut acc = _mm256_setzero_ps();
    for s in 0..nsb {
        let p = rec.add(s * q4k::BYTES);
        // Two chains each: even and odd blocks.
        let mut am = [_mm256_setzero_ps(); 2];
        let mut an = [_mm256_setzero_ps(); 2];
        let mut scb = _mm256_setzero_si256();
        for j in 0..8 {
            let b = s * 8 + j;
            _mm_prefetch::<_MM_HINT_T0>(p.add(128 * j + PREFETCH) as *const i8);
            _mm_prefetch::<_MM_HINT_T0>(p.add(128 * j + 64 + PREFETCH) as *const i8);
            let l = load4(p.add(128 * j));
            let pr = products!(|c| nibbles(&l, c), qa.add(32 * b));
            let s16 = _mm256_add_epi16(
                _mm256_add_epi16(
                    _mm256_add_epi16(pr[0], pr[1]),
                    _mm256_add_epi16(pr[2], pr[3]),
                ),
                _mm256_add_epi16(
                    _mm256_add_epi16(pr[4], pr[5]),
                    _mm256_add_epi16(pr[6], pr[7]),
                ),
            );
            if j % 2 == 0 {
                scb = _mm256_broadcastsi128_si256(_mm_loadu_si128(
                    p.add(q4k::SC + 8 * j) as *const __m128i
                ));
            }
            let i = _mm256_madd_epi16(s16, _mm256_shuffle_epi8(scb, dup[j % 2]));
            am[j % 2] =
                _mm256_fmadd_ps(_mm256_cvtepi32_ps(i), _mm256_set1_ps(*da.add(b)), am[j % 2]);
            let mn =
                _mm256_cvtepu8_epi32(_mm_loadl_epi64(p.add(q4k::MN + 8 * j) as *const __m128i));
            an[j % 2] = _mm256_fmadd_ps(
                _mm256_cvtepi32_ps(mn),
                _mm256_set1_ps(*c32.add(b)),
                an[j % 2],
            );
        }
        let d = _mm256_cvtph_ps(_mm_load_si128(p.add(q4k::D) as *const __m128i));
        let dmin = _mm256_cvtph_ps(_mm_load_si128(p.add(q4k::DMIN) as *const __m128i));
        acc = _mm256_fmadd_ps(_mm256_add_ps(am[0], am[1]), d, acc);
        acc = _mm256_fnmadd_ps(_mm256_add_ps(an[0], an[1]), dmin, acc);
    }
    acc
}

/// One group of 8 Q6_K rows (`nsb` records from `rec`) against one activation row:
/// quantized values `qa`, block scales `da`, integer half-block sums `s16`.
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
unsafe fn group_q6k(
    rec: *const u8,
    nsb: usize,
    qa: *const i8,
    da: *const f32,
    s16: *const u32,
) -> __m256 {
    // Lane r of the scales (i16): [scale of group 0, of group 1]; each duplicated.
    let dup = [
        _mm256_setr_epi8(
            0, 1, 0, 1, 4, 5, 4, 5, 8, 9, 8, 9, 12, 13, 12, 13, 0, 1, 0, 1, 4, 5, 4, 5, 8, 9, 8, 9,
            12, 13, 12, 13,
        ),
        _mm256_setr_epi8(
            2, 3, 2, 3, 6, 7, 6, 7, 10, 11, 10, 11, 14, 15, 14, 15, 2, 3, 2, 3, 6, 7, 6, 7, 10, 11,
            10, 11, 14, 15, 14, 15,
        ),
    ];
    let mut acc = _mm256_setzero_ps();
    for s in 0..nsb {
        let p = rec.add(s * q6k::BYTES);
        let mut ab = [_mm256_setzero_ps(); 2];
        for j in 0..8 {
            let b = s * 8 + j;
            _mm_prefetch::<_MM_HINT_T0>(p.add(128 * j + PREFETCH) as *const i8);
            _mm_prefetch::<_MM_HINT_T0>(p.add(128 * j + 64 + PREFETCH) as *const i8);
            _mm_prefetch::<_MM_HINT_T0>(p.add(q6k::H + 64 * j + PREFETCH) as *const i8);
            let l = load4(p.add(128 * j));
            let h = load_top(p.add(q6k::H + 64 * j));
            let pr = products!(
                |c| _mm256_or_si256(nibbles(&l, c), top_bits(&h, c)),
                qa.add(32 * b)
            );
            let scp =
                _mm256_cvtepi8_epi16(_mm_loadu_si128(p.add(q6k::SC + 16 * j) as *const __m128i));
            let (sc0, sc1) = (
                _mm256_shuffle_epi8(scp, dup[0]),
                _mm256_shuffle_epi8(scp, dup[1]),
            );
            let i = _mm256_add_epi32(
                _mm256_add_epi32(
                    _mm256_madd_epi16(_mm256_add_epi16(pr[0], pr[1]), sc0),
                    _mm256_madd_epi16(_mm256_add_epi16(pr[2], pr[3]), sc0),
                ),
                _mm256_add_epi32(
                    _mm256_madd_epi16(_mm256_add_epi16(pr[4], pr[5]), sc1),
                    _mm256_madd_epi16(_mm256_add_epi16(pr[6], pr[7]), sc1),
                ),
            );
            // The weights are u − 32: take 32 · Σ_g scale_g · Σa_g off.
            let off = _mm256_madd_epi16(scp, _mm256_set1_epi32(*s16.add(b) as i32));
            let i = _mm256_sub_epi32(i, _mm256_slli_epi32(off, 5));
            ab[j % 2] =
                _mm256_fmadd_ps(_mm256_cvtepi32_ps(i), _mm256_set1_ps(*da.add(b)), ab[j % 2]);
        }
        let d = _mm256_cvtph_ps(_mm_load_si128(p.add(q6k::D) as *const __m128i));
        acc = _mm256_fmadd_ps(_mm256_add_ps(ab[0], ab[1]), d, acc);
    }
    acc
}

/// `y[t·n + r] = W[r] · x[t]` for rows `r0..r1` (`r0` a multiple of 8) and all `acts.m`
/// activation rows, which must be stored one by one (fewer than a tile, or a tile of 1).
///
/// # Safety
/// The CPU supports AVX2, FMA and F16C; `p` holds K-quant records of `acts.k` columns;
/// `y` points at `acts.m · p.rows` floats, of which only columns `r0..r1` are written.
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
pub(crate) unsafe fn rows(p: &PackedMatrix, acts: &Acts, r0: usize, r1: usize, y: *mut f32) {
    debug_assert!(r0.is_multiple_of(KROWS) && r1 <= p.rows && acts.k == p.cols);
    debug_assert!(acts.m < acts.tile || acts.tile == 1);
    let k = acts.k;
    let nb = k / 32;
    let nsb = k / 256;
    let n = p.rows;
    let gb = nsb * record_bytes(p.ty);
    let base = p.kq.as_ptr() as *const u8;
    for g in r0 / KROWS..r1.div_ceil(KROWS) {
        let rec = base.add(g * gb);
        let row0 = g * KROWS;
        for t in 0..acts.m {
            let qa = acts.qs.as_ptr().add(t * k);
            let da = acts.d.as_ptr().add(t * nb);
            let v = if p.ty == QType::Q4K {
                group_q4k(rec, nsb, qa, da, acts.c32.as_ptr().add(t * nb))
            } else {
                group_q6k(rec, nsb, qa, da, acts.s16.as_ptr().add(t * nb))
            };
            let out = y.add(t * n + row0);
            if row0 + KROWS <= r1 {
                _mm256_storeu_ps(out, v);
            } else {
                let mut tmp = [0f32; KROWS];
                _mm256_storeu_ps(tmp.as_mut_ptr(), v);
                for (i, x) in tmp.iter().enumerate().take(r1 - row0) {
                    *out.add(i) = *x;
                }
            }
        }
    }
}

/// [`rows`] compiled where AVX-512 is enabled too, for AVX-512 machines: the same
/// instructions' EVEX forms and 32 vector registers instead of 16.
///
/// # Safety
/// As [`rows`], and the CPU supports AVX-512 F/BW/VL/VNNI.
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
pub(crate) unsafe fn rows_on_avx512(
    p: &PackedMatrix,
    acts: &Acts,
    r0: usize,
    r1: usize,
    y: *mut f32,
) {
    rows(p, acts, r0, r1, y)
}

/// The quant bits of 8 whole rows (GGUF rows of `rb` bytes from `rows`) into their
/// records `recs` (the scales are left to the caller): dword `m` of each row's 32-byte
/// vectors is brought into lane `r` by one 8 × 8 transpose, after which every record
/// vector is a few lane-parallel bit operations.
///
/// # Safety
/// The CPU supports AVX2; `rows` holds 8 rows of `rb` bytes of `ty` (a K-quant), `recs`
/// the group's records.
#[target_feature(enable = "avx2,fma,f16c")]
pub(crate) unsafe fn pack_quants(ty: QType, rows: &[u8], rb: usize, recs: &mut [u8]) {
    assert!(rows.len() >= KROWS * rb && recs.len() >= rb / ty.block_bytes() * record_bytes(ty));
    let m4 = _mm256_set1_epi8(0x0F);
    let mf0 = _mm256_set1_epi8(-16);
    let m3 = _mm256_set1_epi8(3);
    let src = rows.as_ptr();
    let dst = recs.as_mut_ptr();
    // The 32 bytes at `off` of each of the 8 rows (off + 32 ≤ rb: inside a row).
    macro_rules! load8 {
        ($off:expr) => {{
            let off = $off;
            let mut v = [_mm256_setzero_si256(); 8];
            for (r, x) in v.iter_mut().enumerate() {
                *x = _mm256_loadu_si256(src.add(r * rb + off) as *const __m256i);
            }
            v
        }};
    }
    // Blocks `je` (low nibbles of the loaded bytes) and `jo` (high nibbles) from the
    // transposed nibble bytes `t`.
    macro_rules! nibble_blocks {
        ($t:expr, $rec:expr, $je:expr, $jo:expr) => {{
            let t = $t;
            for i in 0..4 {
                let even = _mm256_or_si256(
                    _mm256_and_si256(t[i], m4),
                    _mm256_slli_epi16(_mm256_and_si256(t[4 + i], m4), 4),
                );
                let odd = _mm256_or_si256(
                    _mm256_and_si256(_mm256_srli_epi16(t[i], 4), m4),
                    _mm256_and_si256(t[4 + i], mf0),
                );
                _mm256_store_si256($rec.add(128 * $je + 32 * i) as *mut __m256i, even);
                _mm256_store_si256($rec.add(128 * $jo + 32 * i) as *mut __m256i, odd);
            }
        }};
    }
    let bb = ty.block_bytes();
    let rec_bytes = record_bytes(ty);
    for s in 0..rb / bb {
        let rec = dst.add(s * rec_bytes);
        if ty == QType::Q4K {
            for jj in 0..4 {
                let t = super::panel_avx2::transpose(load8!(s * bb + 16 + 32 * jj));
                nibble_blocks!(t, rec, 2 * jj, 2 * jj + 1);
            }
        } else {
            for n in 0..2 {
                for h in 0..2 {
                    let t = super::panel_avx2::transpose(load8!(s * bb + 64 * n + 32 * h));
                    nibble_blocks!(t, rec, 4 * n + h, 4 * n + 2 + h);
                }
                let th = super::panel_avx2::transpose(load8!(s * bb + 128 + 32 * n));
                for q in 0..4 {
                    let sh = _mm_cvtsi32_si128(2 * q as i32);
                    for v in 0..2 {
                        let mut out = _mm256_setzero_si256();
                        for e in 0..4 {
                            let x = _mm256_and_si256(_mm256_srl_epi16(th[4 * v + e], sh), m3);
                            let x = _mm256_sll_epi16(x, _mm_cvtsi32_si128(2 * e as i32));
                            out = _mm256_or_si256(out, x);
                        }
                        let at = q6k::H + 64 * (4 * n + q) + 32 * v;
                        _mm256_store_si256(rec.add(at) as *mut __m256i, out);
                    }
                }
            }
        }
    }
}
