//! Q4_K and Q6_K repacked once at load for the AVX2 kernels: 8 rows interleaved so one
//! 256-bit vector holds 4 weights of each of the 8 rows (one row per 32-bit lane), the
//! layout of the AVX2 prefill panels ([`super::panel_avx2`]) kept in 4- and 2-bit form.
//! A `vpmaddubsw` of such a vector with 4 activation bytes broadcast does 32
//! multiply-adds for 8 rows at once, and the per-block scale work (the 6-bit K-quant
//! scales, f16 super-block scales) is one vector op for 8 rows; the GGUF layout makes the
//! mat-vec kernel decode every row's packed scales in scalar code and reduce each row's
//! sums across lanes.
//!
//! One record per 8 rows (a group) and super-block of 256 weights, records in row-group
//! order then super-block order, so a group's rows stream from one address onwards. The
//! last group of a matrix whose row count is not a multiple of 8 is padded with zero rows.
//! Inside a record, for each of its 8 blocks `j` of 32 weights (weight `i` of block `j`
//! is weight `32j + i` of the super-block):
//! - `q`: 4 vectors of 32 bytes; byte `4r + l` of vector `i` holds, in its low nibble,
//!   the low 4 bits of weight `4i + l` of row `r` and in its high nibble those of weight
//!   `16 + 4i + l`. Dword `c` (0..8) of the block's weights is therefore vector `c % 4`,
//!   low nibbles for `c < 4`, high nibbles above.
//! - Q6_K's top 2 bits, `h`: 2 vectors; bits `2e..2e + 2` of byte `4r + l` of vector `v`
//!   hold the top bits of weight `4(4v + e) + l` of row `r`.
//! - Q4_K: the 6-bit scales (byte `8j + r`), the 6-bit minimums (likewise), then the
//!   8 rows' f16 `d` and `dmin`. Q6_K: the signed scales of the block's two groups of
//!   16 (byte `16j + 2r + h`), then the 8 rows' f16 `d`.
//!
//! Q4_K takes 1,184 bytes per record against 8 × 144 in the file (+2.8%: the scales
//! unpacked to bytes), Q6_K 1,696 against 8 × 210 (+1%: padding to 32 bytes).

use super::formats::{decode_block, q4k_scale_min, QType};
use super::packed::PackedMatrix;
use super::Acts;

/// Rows interleaved per group.
pub(crate) const KROWS: usize = 8;

#[derive(Clone, Copy)]
#[repr(C, align(32))]
pub(crate) struct KLine(pub(crate) [u8; 32]);

/// Byte offsets inside a Q4_K record.
pub(crate) mod q4k {
    pub(crate) const SC: usize = 1024;
    pub(crate) const MN: usize = 1088;
    pub(crate) const D: usize = 1152;
    pub(crate) const DMIN: usize = 1168;
    pub(crate) const BYTES: usize = 1184;
}

/// Byte offsets inside a Q6_K record.
pub(crate) mod q6k {
    pub(crate) const H: usize = 1024;
    pub(crate) const SC: usize = 1536;
    pub(crate) const D: usize = 1664;
    pub(crate) const BYTES: usize = 1696;
}

/// Bytes of one record of `ty` (a K-quant).
pub(crate) const fn record_bytes(ty: QType) -> usize {
    match ty {
        QType::Q6K => q6k::BYTES,
        _ => q4k::BYTES,
    }
}

/// Whether `ty` is packed with this layout.
pub(crate) fn covers(ty: QType) -> bool {
    matches!(ty, QType::Q4K | QType::Q6K)
}

/// The records of `rows × cols` weights of `ty` (a K-quant) from their GGUF bytes.
pub(crate) fn pack(ty: QType, rows: usize, cols: usize, data: &[u8]) -> Vec<KLine> {
    let nsb = cols / 256;
    let groups = rows.div_ceil(KROWS);
    let rec = record_bytes(ty);
    let rb = ty.row_bytes(cols);
    let mut out = vec![KLine([0; 32]); groups * nsb * rec / 32];
    // SAFETY: KLine is 32 plain bytes; the byte view covers exactly the vector.
    let bytes =
        unsafe { std::slice::from_raw_parts_mut(out.as_mut_ptr() as *mut u8, out.len() * 32) };
    let mut u = [0u8; 256];
    for r in 0..rows {
        let (g, lr) = (r / KROWS, r % KROWS);
        for s in 0..nsb {
            let blk = &data[r * rb + s * ty.block_bytes()..][..ty.block_bytes()];
            let p = &mut bytes[(g * nsb + s) * rec..][..rec];
            block_u(ty, blk, &mut u);
            for j in 0..8 {
                for i in 0..4 {
                    for l in 0..4 {
                        let lo = u[32 * j + 4 * i + l] & 0xF;
                        let hi = u[32 * j + 16 + 4 * i + l] & 0xF;
                        p[128 * j + 32 * i + 4 * lr + l] = lo | (hi << 4);
                    }
                }
            }
            if ty == QType::Q4K {
                for j in 0..8 {
                    let (sc, m) = q4k_scale_min(&blk[4..16], j);
                    p[q4k::SC + 8 * j + lr] = sc;
                    p[q4k::MN + 8 * j + lr] = m;
                }
                p[q4k::D + 2 * lr..][..2].copy_from_slice(&blk[0..2]);
                p[q4k::DMIN + 2 * lr..][..2].copy_from_slice(&blk[2..4]);
            } else {
                for j in 0..8 {
                    for c in 0..8 {
                        let (v, e) = (c / 4, c % 4);
                        for l in 0..4 {
                            let top = u[32 * j + 4 * c + l] >> 4;
                            p[q6k::H + 64 * j + 32 * v + 4 * lr + l] |= top << (2 * e);
                        }
                    }
                    for h in 0..2 {
                        p[q6k::SC + 16 * j + 2 * lr + h] = blk[192 + 2 * j + h];
                    }
                }
                p[q6k::D + 2 * lr..][..2].copy_from_slice(&blk[208..210]);
            }
        }
    }
    out
}

/// The unsigned weights `u` of one GGUF block (as [`decode_block`] gives them).
fn block_u(ty: QType, blk: &[u8], u: &mut [u8; 256]) {
    let (mut ws, mut wc) = ([0f32; 16], [0f32; 16]);
    decode_block(ty, blk, u, &mut ws, &mut wc);
}

impl PackedMatrix {
    /// Row `r` of packed K-quant weights in its GGUF bytes (`out`: one row).
    pub(crate) fn k_row_gguf(&self, r: usize, out: &mut [u8]) {
        let ty = self.ty;
        let nsb = self.cols / 256;
        let rec = record_bytes(ty);
        // SAFETY: KLine is 32 plain bytes.
        let bytes = unsafe {
            std::slice::from_raw_parts(self.kq.as_ptr() as *const u8, self.kq.len() * 32)
        };
        let (g, lr) = (r / KROWS, r % KROWS);
        let bb = ty.block_bytes();
        for s in 0..nsb {
            let p = &bytes[(g * nsb + s) * rec..][..rec];
            let blk = &mut out[s * bb..][..bb];
            let mut u = [0u8; 256];
            for j in 0..8 {
                for i in 0..4 {
                    for l in 0..4 {
                        let b = p[128 * j + 32 * i + 4 * lr + l];
                        u[32 * j + 4 * i + l] = b & 0xF;
                        u[32 * j + 16 + 4 * i + l] = b >> 4;
                    }
                }
            }
            if ty == QType::Q4K {
                let sc = |j: usize| p[q4k::SC + 8 * j + lr];
                let mn = |j: usize| p[q4k::MN + 8 * j + lr];
                blk[0..2].copy_from_slice(&p[q4k::D + 2 * lr..][..2]);
                blk[2..4].copy_from_slice(&p[q4k::DMIN + 2 * lr..][..2]);
                // The inverse of ggml's get_scale_min_k4.
                for j in 0..4 {
                    blk[4 + j] = sc(j) | ((sc(j + 4) >> 4) << 6);
                    blk[8 + j] = mn(j) | ((mn(j + 4) >> 4) << 6);
                    blk[12 + j] = (sc(j + 4) & 0xF) | ((mn(j + 4) & 0xF) << 4);
                }
                for jj in 0..4 {
                    for l in 0..32 {
                        blk[16 + 32 * jj + l] = u[64 * jj + l] | (u[64 * jj + 32 + l] << 4);
                    }
                }
            } else {
                for j in 0..8 {
                    for c in 0..8 {
                        let (v, e) = (c / 4, c % 4);
                        for l in 0..4 {
                            let h = p[q6k::H + 64 * j + 32 * v + 4 * lr + l];
                            u[32 * j + 4 * c + l] |= ((h >> (2 * e)) & 3) << 4;
                        }
                    }
                    for h in 0..2 {
                        blk[192 + 2 * j + h] = p[q6k::SC + 16 * j + 2 * lr + h];
                    }
                }
                for n in 0..2 {
                    for l in 0..32 {
                        let o = 128 * n + l;
                        blk[64 * n + l] = (u[o] & 0xF) | ((u[o + 64] & 0xF) << 4);
                        blk[64 * n + 32 + l] = (u[o + 32] & 0xF) | ((u[o + 96] & 0xF) << 4);
                        blk[128 + 32 * n + l] = (u[o] >> 4)
                            | ((u[o + 32] >> 4) << 2)
                            | ((u[o + 64] >> 4) << 4)
                            | ((u[o + 96] >> 4) << 6);
                    }
                }
                blk[208..210].copy_from_slice(&p[q6k::D + 2 * lr..][..2]);
            }
        }
    }
}

/// Portable kernel on packed K-quant weights, rows `r0..r1`, every activation row (any
/// tile layout): each row rebuilt in its GGUF form, then the f32 sums of the scalar
/// kernel per group of 16.
pub(crate) fn rows_scalar(p: &PackedMatrix, acts: &Acts, r0: usize, r1: usize, y: &mut [f32]) {
    let ty = p.ty;
    let n = p.rows;
    let mut row = vec![0u8; ty.row_bytes(p.cols)];
    let (mut u, mut ws, mut wc) = ([0u8; 256], [0f32; 16], [0f32; 16]);
    for r in r0..r1 {
        p.k_row_gguf(r, &mut row);
        for t in 0..acts.m {
            let mut acc = 0f32;
            for (s, blk) in row.chunks_exact(ty.block_bytes()).enumerate() {
                decode_block(ty, blk, &mut u, &mut ws, &mut wc);
                for j in 0..8 {
                    let (qa, da, _) = acts.block(t, 8 * s + j);
                    for h in 0..2 {
                        let g = 2 * j + h;
                        let (mut isum, mut asum) = (0i32, 0i32);
                        for i in 0..16 {
                            let a = qa[16 * h + i] as i32;
                            isum += u[16 * g + i] as i32 * a;
                            asum += a;
                        }
                        acc += ws[g] * da * isum as f32 - wc[g] * (da * asum as f32);
                    }
                }
            }
            y[t * n + r] = acc;
        }
    }
}
