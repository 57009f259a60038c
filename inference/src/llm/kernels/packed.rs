//! Weights repacked once at load. Q4_K and Q6_K for the AVX2 and AVX-512 kernels: 8 rows
//! interleaved, see [`super::packed_k`]. The other formats for the AVX-512 VNNI kernels: 16
//! rows interleaved so one
//! 512-bit vector holds 4 weights of each of the 16 rows (one row per 32-bit lane), the
//! layout of the prefill panels ([`super::panel`]) kept in the file's compact form. A
//! `vpdpbusd` with 4 activation bytes broadcast then does 64 multiply-adds, and the
//! per-block scale work (f16 → f32, scale, offset) is one vector op for 16 rows instead of
//! 16 scalar ones — which is what limits the per-row mat-vec kernel at decode.
//!
//! Same bytes per weight as the GGUF formats (Q4_0 18, Q4_1 20, Q5_0 22, Q8_0 34 per 32).
//! For each group of 16 rows and each 32-weight block:
//! - `q`: Q4_0/Q4_1/Q5_0: 4 lines; lane `r` of line `i` is dword `i` of row `r`'s 16
//!   nibble bytes (low nibbles: weights `4i..4i+4`, high: `16+4i..`). Q8_0: 8 lines, lane
//!   `r` of line `c` = weights `4c..4c+4` of row `r`;
//! - `hb` (Q5_0): 8 masks of 64 bits, bit `4r + j` of mask `c` = fifth bit of weight
//!   `4c + j` of row `r`;
//! - `d`: the 16 rows' f16 scales; `mn` (Q4_1): their f16 minimums.

use super::formats::{f16_at, QType};
use super::packed_k::{self, KLine};
use super::{Acts, Isa, QMatrix};

/// Rows interleaved per group.
pub(crate) const ROWS: usize = 16;

#[derive(Clone, Copy)]
#[repr(C, align(64))]
pub(crate) struct Line(pub(crate) [u8; 64]);

/// A weight matrix repacked for the AVX-512 kernels or (K-quants) the AVX2 kernels
/// ([`PackedMatrix::new`]).
pub struct PackedMatrix {
    pub(crate) ty: QType,
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    pub(crate) q: Vec<Line>,
    pub(crate) hb: Vec<u64>,
    pub(crate) d: Vec<u16>,
    pub(crate) mn: Vec<u16>,
    /// Q4_K / Q6_K: the records of [`super::packed_k`] (the other fields are empty).
    pub(crate) kq: Vec<KLine>,
}

impl std::fmt::Debug for PackedMatrix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PackedMatrix")
            .field("ty", &self.ty)
            .field("rows", &self.rows)
            .field("cols", &self.cols)
            .finish()
    }
}

impl PackedMatrix {
    /// Repacks `w`, or `None` where packing does not pay or apply. With AVX-512 VNNI:
    /// Q4_0/Q4_1/Q5_0/Q8_0 with a row count that is a multiple of 16, Q4_K and Q6_K with
    /// any. With AVX2 (and no AVX-512, or `MISHU_KERNELS=avx2`): Q4_K and Q6_K, any row
    /// count. The caller keeps using `w` otherwise.
    pub fn new(w: &QMatrix) -> Option<PackedMatrix> {
        match Isa::detect() {
            Isa::Avx512Vnni => Self::pack(w),
            Isa::Avx2 if packed_k::covers(w.ty) => Self::pack(w),
            _ => None,
        }
    }

    /// [`PackedMatrix::new`] without the CPU check (the tests pack on any machine).
    pub(crate) fn pack(w: &QMatrix) -> Option<PackedMatrix> {
        let ty = w.ty;
        if packed_k::covers(ty) {
            return (w.rows > 0).then(|| PackedMatrix {
                ty,
                rows: w.rows,
                cols: w.cols,
                q: Vec::new(),
                hb: Vec::new(),
                d: Vec::new(),
                mn: Vec::new(),
                kq: packed_k::pack(ty, w.rows, w.cols, w.data),
            });
        }
        if !matches!(ty, QType::Q4_0 | QType::Q4_1 | QType::Q5_0 | QType::Q8_0)
            || !w.rows.is_multiple_of(ROWS)
            || w.rows == 0
        {
            return None;
        }
        let nb = w.cols / 32;
        let groups = w.rows / ROWS;
        let lines = if ty == QType::Q8_0 { 8 } else { 4 };
        let rb = ty.row_bytes(w.cols);
        let bb = ty.block_bytes();
        let mut p = PackedMatrix {
            ty,
            rows: w.rows,
            cols: w.cols,
            q: vec![Line([0; 64]); groups * nb * lines],
            hb: vec![
                0;
                if ty == QType::Q5_0 {
                    groups * nb * 8
                } else {
                    0
                }
            ],
            d: vec![0; groups * nb * ROWS],
            mn: vec![
                0;
                if ty == QType::Q4_1 {
                    groups * nb * ROWS
                } else {
                    0
                }
            ],
            kq: Vec::new(),
        };
        let qo = quant_offset(ty);
        for g in 0..groups {
            for b in 0..nb {
                let rec = g * nb + b;
                for r in 0..ROWS {
                    let blk = &w.data[(g * ROWS + r) * rb + b * bb..][..bb];
                    p.d[rec * ROWS + r] = u16::from_le_bytes([blk[0], blk[1]]);
                    if ty == QType::Q4_1 {
                        p.mn[rec * ROWS + r] = u16::from_le_bytes([blk[2], blk[3]]);
                    }
                    for i in 0..lines {
                        p.q[rec * lines + i].0[4 * r..4 * r + 4]
                            .copy_from_slice(&blk[qo + 4 * i..qo + 4 * i + 4]);
                    }
                    if ty == QType::Q5_0 {
                        let qh = u32::from_le_bytes([blk[2], blk[3], blk[4], blk[5]]);
                        for c in 0..8 {
                            let bits = ((qh >> (4 * c)) & 0xF) as u64;
                            p.hb[rec * 8 + c] |= bits << (4 * r);
                        }
                    }
                }
            }
        }
        Some(p)
    }

    /// The original GGUF bytes (`rows × row_bytes(cols)`), rebuilt exactly from the packed
    /// records: a caller that keeps only the packed copy can still hand the matrix to
    /// another engine (e.g. candle's stock `QMatMul` for comparisons) on demand.
    pub fn to_gguf(&self) -> Vec<u8> {
        let ty = self.ty;
        if packed_k::covers(ty) {
            let rb = ty.row_bytes(self.cols);
            let mut out = vec![0u8; self.rows * rb];
            for (r, row) in out.chunks_exact_mut(rb).enumerate() {
                self.k_row_gguf(r, row);
            }
            return out;
        }
        let nb = self.cols / 32;
        let rb = ty.row_bytes(self.cols);
        let bb = ty.block_bytes();
        let lines = if ty == QType::Q8_0 { 8 } else { 4 };
        let qo = quant_offset(ty);
        let mut out = vec![0u8; self.rows * rb];
        for g in 0..self.rows / ROWS {
            for b in 0..nb {
                let rec = g * nb + b;
                for r in 0..ROWS {
                    let blk = &mut out[(g * ROWS + r) * rb + b * bb..][..bb];
                    blk[..2].copy_from_slice(&self.d[rec * ROWS + r].to_le_bytes());
                    if ty == QType::Q4_1 {
                        blk[2..4].copy_from_slice(&self.mn[rec * ROWS + r].to_le_bytes());
                    }
                    for i in 0..lines {
                        blk[qo + 4 * i..qo + 4 * i + 4]
                            .copy_from_slice(&self.q[rec * lines + i].0[4 * r..4 * r + 4]);
                    }
                    if ty == QType::Q5_0 {
                        let qh = (0..8).fold(0u32, |qh, c| {
                            qh | ((((self.hb[rec * 8 + c] >> (4 * r)) & 0xF) as u32) << (4 * c))
                        });
                        blk[2..6].copy_from_slice(&qh.to_le_bytes());
                    }
                }
            }
        }
        out
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    pub fn qtype(&self) -> QType {
        self.ty
    }

    /// Bytes held (about the GGUF size of the matrix).
    pub fn bytes(&self) -> usize {
        self.q.len() * 64
            + self.hb.len() * 8
            + (self.d.len() + self.mn.len()) * 2
            + self.kq.len() * 32
    }

    /// Unsigned weight `i` (0..32) of row `r` (0..16) of block record `rec`, and the
    /// block's scale and offset (weight = `ws · u − wc`): the portable reference.
    pub(crate) fn weight(&self, rec: usize, r: usize, i: usize) -> (u8, f32, f32) {
        let d = f16_at(&self.d[rec * ROWS + r].to_le_bytes(), 0);
        match self.ty {
            QType::Q8_0 => {
                let v = self.q[rec * 8 + i / 4].0[4 * r + i % 4];
                ((v as i8 as i16 + 128) as u8, d, 128.0 * d)
            }
            ty => {
                let byte = self.q[rec * 4 + (i % 16) / 4].0[4 * r + i % 4];
                let mut u = if i < 16 { byte & 0xF } else { byte >> 4 };
                let wc = match ty {
                    QType::Q4_0 => 8.0 * d,
                    QType::Q4_1 => -f16_at(&self.mn[rec * ROWS + r].to_le_bytes(), 0),
                    _ => {
                        u |= (((self.hb[rec * 8 + i / 4] >> (4 * r + i % 4)) & 1) as u8) << 4;
                        16.0 * d
                    }
                };
                (u, d, wc)
            }
        }
    }
}

/// Offset of the quant bytes inside a block of the packable formats.
fn quant_offset(ty: QType) -> usize {
    match ty {
        QType::Q4_0 | QType::Q8_0 => 2,
        QType::Q4_1 => 4,
        _ => 6,
    }
}

/// Portable kernel on packed weights: rows `r0..r1` (multiples of 16) for every activation
/// row (any tile layout).
pub(crate) fn rows_scalar(p: &PackedMatrix, acts: &Acts, r0: usize, r1: usize, y: &mut [f32]) {
    let nb = p.cols / 32;
    let n = p.rows;
    for r in r0..r1 {
        let (g, rr) = (r / ROWS, r % ROWS);
        for t in 0..acts.m {
            let mut acc = 0f32;
            for b in 0..nb {
                let (qa, da, c32) = acts.block(t, b);
                let mut isum = 0i32;
                let mut ws = 0.0;
                let mut wc = 0.0;
                for (i, a) in qa.iter().enumerate() {
                    let (u, s, c) = p.weight(g * nb + b, rr, i);
                    isum += u as i32 * *a as i32;
                    (ws, wc) = (s, c);
                }
                acc += ws * da * isum as f32 - wc * c32;
            }
            y[t * n + r] = acc;
        }
    }
}
