//! Q4_K and Q6_K repacked once at load for the AVX2 and AVX-512 kernels: 8 rows
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

/// The records of `rows × cols` weights of `ty` (a K-quant) from their GGUF bytes, the
/// row groups shared out over the CPU's threads (a model's weights pack in a fraction of
/// their load time).
pub(crate) fn pack(ty: QType, rows: usize, cols: usize, data: &[u8]) -> Vec<KLine> {
    pack_with(ty, rows, cols, data, true)
}

/// [`pack`], with the AVX2 code for whole groups where the CPU has it, or (`simd` false)
/// the portable code only.
pub(crate) fn pack_with(
    ty: QType,
    rows: usize,
    cols: usize,
    data: &[u8],
    simd: bool,
) -> Vec<KLine> {
    let simd = simd && super::Isa::supported().contains(&super::Isa::Avx2);
    let nsb = cols / 256;
    let groups = rows.div_ceil(KROWS);
    let gb = nsb * record_bytes(ty);
    let lines = groups * gb / 32;
    // Zeroed by the allocator (fresh pages from the OS are zero already, so there is no
    // extra pass over them; the padding rows stay zero), first touched by the threads
    // below, which share out the page faults too.
    let mut out: Vec<KLine> = if lines == 0 {
        Vec::new()
    } else {
        let layout = std::alloc::Layout::array::<KLine>(lines).expect("packed size");
        // SAFETY: the layout is non-empty; a zeroed KLine is a valid KLine; the vector
        // takes the allocation with the layout it was made with.
        unsafe {
            let p = std::alloc::alloc_zeroed(layout) as *mut KLine;
            if p.is_null() {
                std::alloc::handle_alloc_error(layout);
            }
            Vec::from_raw_parts(p, lines, lines)
        }
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let per = groups.div_ceil(threads).max(1);
    let rb = ty.row_bytes(cols);
    let pack_groups = |g0: usize, dst: &mut [u8]| {
        for (i, rec) in dst.chunks_exact_mut(gb).enumerate() {
            let g = g0 + i;
            let full = (g + 1) * KROWS <= rows;
            #[cfg(target_arch = "x86_64")]
            if full && simd {
                // SAFETY: AVX2 is supported (checked); the group's 8 rows lie in `data`
                // and `rec` holds its records.
                unsafe { super::packed_avx2::pack_quants(ty, &data[g * KROWS * rb..], rb, rec) };
                for lr in 0..KROWS {
                    pack_row_scales(ty, &data[(g * KROWS + lr) * rb..][..rb], lr, rec);
                }
                continue;
            }
            let _ = (full, simd);
            for lr in 0..KROWS.min(rows - g * KROWS) {
                let row = &data[(g * KROWS + lr) * rb..][..rb];
                pack_row(ty, row, lr, rec);
            }
        }
    };
    // SAFETY: KLine is 32 plain bytes; the byte view covers exactly the vectors.
    let bytes =
        unsafe { std::slice::from_raw_parts_mut(out.as_mut_ptr() as *mut u8, out.len() * 32) };
    if threads == 1 || groups < 64 {
        pack_groups(0, bytes);
    } else {
        std::thread::scope(|scope| {
            for (c, dst) in bytes.chunks_mut(per * gb).enumerate() {
                let pack_groups = &pack_groups;
                scope.spawn(move || pack_groups(c * per, dst));
            }
        });
    }
    out
}

#[inline]
fn word(b: &[u8], at: usize) -> u32 {
    let w: [u8; 4] = b[at..at + 4].try_into().expect("4 bytes");
    u32::from_le_bytes(w)
}

#[inline]
fn put_word(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// Writes row `lr` of a group (its GGUF bytes `row`) into the group's records `recs`.
fn pack_row(ty: QType, row: &[u8], lr: usize, recs: &mut [u8]) {
    pack_row_quants(ty, row, lr, recs);
    pack_row_scales(ty, row, lr, recs);
}

/// The quant bits of [`pack_row`].
fn pack_row_quants(ty: QType, row: &[u8], lr: usize, recs: &mut [u8]) {
    const LO: u32 = 0x0F0F_0F0F;
    let rec = record_bytes(ty);
    for (blk, p) in row
        .chunks_exact(ty.block_bytes())
        .zip(recs.chunks_exact_mut(rec))
    {
        // Block j's weight x is bits `shift..shift + 4` of byte `base + x` (x < 32);
        // 4 weights at a time as the bytes of a u32.
        for j in 0..8 {
            let (base, shift) = if ty == QType::Q4K {
                (16 + 32 * (j / 2), 4 * (j % 2))
            } else {
                let (n, q) = (j / 4, j % 4);
                (64 * n + 32 * (q % 2), 4 * (q / 2))
            };
            for i in 0..4 {
                let lo = (word(blk, base + 4 * i) >> shift) & LO;
                let hi = (word(blk, base + 16 + 4 * i) >> shift) & LO;
                put_word(p, 128 * j + 32 * i + 4 * lr, lo | (hi << 4));
            }
        }
        if ty == QType::Q6K {
            for j in 0..8 {
                // Top bits of block j's weight x: bits 2q, 2q + 1 of qh byte 32n + x.
                let (n, q) = (j / 4, j % 4);
                for v in 0..2 {
                    let mut h = 0u32;
                    for e in 0..4 {
                        let w = word(blk, 128 + 32 * n + 4 * (4 * v + e));
                        h |= ((w >> (2 * q)) & 0x0303_0303) << (2 * e);
                    }
                    put_word(p, q6k::H + 64 * j + 32 * v + 4 * lr, h);
                }
            }
        }
    }
}

/// The scales of [`pack_row`].
fn pack_row_scales(ty: QType, row: &[u8], lr: usize, recs: &mut [u8]) {
    let rec = record_bytes(ty);
    for (blk, p) in row
        .chunks_exact(ty.block_bytes())
        .zip(recs.chunks_exact_mut(rec))
    {
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
                for h in 0..2 {
                    p[q6k::SC + 16 * j + 2 * lr + h] = blk[192 + 2 * j + h];
                }
            }
            p[q6k::D + 2 * lr..][..2].copy_from_slice(&blk[208..210]);
        }
    }
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
