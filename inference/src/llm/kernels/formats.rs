//! The GGUF (ggml) block formats the kernels read, byte for byte as they sit in the file,
//! and a plain dequantizer for each: the reference the kernels are tested against.
//!
//! Every format is decoded here as `value = ws · u − wc` per group of 32 (Q6_K: 16)
//! weights, with `u` a small unsigned integer. The kernels multiply `u` (u8) by the
//! 8-bit activations with integer dot products and subtract `wc · Σa` separately.

use half::f16;

/// A quantized weight format the kernels cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QType {
    Q4_0,
    Q4_1,
    Q5_0,
    Q8_0,
    Q4K,
    Q6K,
}

impl QType {
    pub const ALL: [QType; 6] = [
        QType::Q4_0,
        QType::Q4_1,
        QType::Q5_0,
        QType::Q8_0,
        QType::Q4K,
        QType::Q6K,
    ];

    /// Weights per block.
    pub const fn block_len(self) -> usize {
        match self {
            QType::Q4_0 | QType::Q4_1 | QType::Q5_0 | QType::Q8_0 => 32,
            QType::Q4K | QType::Q6K => 256,
        }
    }

    /// Bytes per block.
    pub const fn block_bytes(self) -> usize {
        match self {
            QType::Q4_0 => 18,
            QType::Q4_1 => 20,
            QType::Q5_0 => 22,
            QType::Q8_0 => 34,
            QType::Q4K => 144,
            QType::Q6K => 210,
        }
    }

    /// Bytes of one row of `cols` weights (`cols` must be a multiple of the block length).
    pub const fn row_bytes(self, cols: usize) -> usize {
        cols / self.block_len() * self.block_bytes()
    }
}

#[inline]
pub(crate) fn f16_at(b: &[u8], i: usize) -> f32 {
    f16::from_bits(u16::from_le_bytes([b[i], b[i + 1]])).to_f32()
}

/// Q4_K's packed 6-bit scale and min of sub-block `j` (0..8), as ggml's `get_scale_min_k4`.
#[inline]
pub(crate) fn q4k_scale_min(scales: &[u8], j: usize) -> (u8, u8) {
    if j < 4 {
        (scales[j] & 63, scales[j + 4] & 63)
    } else {
        (
            (scales[j + 4] & 0xF) | ((scales[j - 4] >> 6) << 4),
            (scales[j + 4] >> 4) | ((scales[j] >> 6) << 4),
        )
    }
}

/// Decodes one block into `u` (one unsigned integer per weight, in order), `ws` (the scale
/// of each group of 16 weights) and `wc` (the offset of each group of 16), so that weight
/// `i` is `ws[i / 16] · u[i] − wc[i / 16]`. Slices are one block long (`u`: block_len,
/// `ws`, `wc`: block_len / 16).
pub(crate) fn decode_block(ty: QType, b: &[u8], u: &mut [u8], ws: &mut [f32], wc: &mut [f32]) {
    match ty {
        QType::Q4_0 | QType::Q4_1 | QType::Q5_0 => {
            let d = f16_at(b, 0);
            let (qs, off, c) = match ty {
                QType::Q4_0 => (&b[2..18], 0u8, 8.0 * d),
                QType::Q4_1 => (&b[4..20], 0u8, -f16_at(b, 2)),
                _ => (&b[6..22], 1u8, 16.0 * d),
            };
            let qh = u32::from_le_bytes([b[2], b[3], b[4], b[5]]);
            for j in 0..16 {
                u[j] = qs[j] & 0xF;
                u[j + 16] = qs[j] >> 4;
                if off == 1 {
                    u[j] |= (((qh >> j) & 1) as u8) << 4;
                    u[j + 16] |= (((qh >> (j + 16)) & 1) as u8) << 4;
                }
            }
            ws.fill(d);
            wc.fill(c);
        }
        QType::Q8_0 => {
            let d = f16_at(b, 0);
            for j in 0..32 {
                u[j] = (b[2 + j] as i8 as i16 + 128) as u8;
            }
            ws.fill(d);
            wc.fill(128.0 * d);
        }
        QType::Q4K => {
            let d = f16_at(b, 0);
            let dmin = f16_at(b, 2);
            let scales = &b[4..16];
            let qs = &b[16..144];
            for j in 0..8 {
                let (sc, m) = q4k_scale_min(scales, j);
                let q = &qs[32 * (j / 2)..32 * (j / 2) + 32];
                for l in 0..32 {
                    u[32 * j + l] = if j % 2 == 0 { q[l] & 0xF } else { q[l] >> 4 };
                }
                ws[2 * j] = d * sc as f32;
                ws[2 * j + 1] = d * sc as f32;
                wc[2 * j] = dmin * m as f32;
                wc[2 * j + 1] = dmin * m as f32;
            }
        }
        QType::Q6K => {
            let d = f16_at(b, 208);
            for n in 0..2 {
                let ql = &b[64 * n..64 * n + 64];
                let qh = &b[128 + 32 * n..128 + 32 * n + 32];
                let sc = &b[192 + 8 * n..192 + 8 * n + 8];
                for l in 0..32 {
                    let o = 128 * n + l;
                    u[o] = (ql[l] & 0xF) | ((qh[l] & 3) << 4);
                    u[o + 32] = (ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4);
                    u[o + 64] = (ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4);
                    u[o + 96] = (ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4);
                }
                for g in 0..8 {
                    // Group g of 16 within this half: 32-group g / 2, scale index g.
                    let s = d * (sc[g] as i8) as f32;
                    ws[8 * n + g] = s;
                    wc[8 * n + g] = 32.0 * s;
                }
            }
        }
    }
}

/// Dequantizes one row (`row.len()` = row_bytes) into `out` (cols values): the reference.
pub fn dequantize_row(ty: QType, row: &[u8], out: &mut [f32]) {
    let bl = ty.block_len();
    let mut u = [0u8; 256];
    let mut ws = [0f32; 16];
    let mut wc = [0f32; 16];
    for (blk, o) in row
        .chunks_exact(ty.block_bytes())
        .zip(out.chunks_exact_mut(bl))
    {
        let g = bl / 16;
        decode_block(ty, blk, &mut u[..bl], &mut ws[..g], &mut wc[..g]);
        for (i, v) in o.iter_mut().enumerate() {
            *v = ws[i / 16] * u[i] as f32 - wc[i / 16];
        }
    }
}
