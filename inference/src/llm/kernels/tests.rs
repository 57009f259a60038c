use super::*;
use half::f16;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545F4914F6CDD1D)
    }
    fn byte(&mut self) -> u8 {
        (self.next() >> 56) as u8
    }
    /// Uniform in [-1, 1).
    fn f(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
}

fn put_f16(b: &mut [u8], at: usize, v: f32) {
    b[at..at + 2].copy_from_slice(&f16::from_f32(v).to_bits().to_le_bytes());
}

/// Random rows of `ty`: random quant bits, finite scales of realistic size.
fn random_matrix(ty: QType, rows: usize, cols: usize, rng: &mut Rng) -> Vec<u8> {
    let mut data: Vec<u8> = (0..rows * ty.row_bytes(cols)).map(|_| rng.byte()).collect();
    for blk in data.chunks_exact_mut(ty.block_bytes()) {
        match ty {
            QType::Q4_0 | QType::Q5_0 | QType::Q8_0 => put_f16(blk, 0, 0.02 * rng.f()),
            QType::Q4_1 => {
                put_f16(blk, 0, 0.02 * rng.f());
                put_f16(blk, 2, 0.1 * rng.f());
            }
            QType::Q4K => {
                put_f16(blk, 0, 0.002 * rng.f());
                put_f16(blk, 2, 0.004 * rng.f());
            }
            QType::Q6K => put_f16(blk, 208, 0.001 * rng.f()),
        }
    }
    data
}

fn random_acts(m: usize, k: usize, rng: &mut Rng) -> Vec<f32> {
    // Mostly small values with a few outliers, like real hidden states.
    (0..m * k)
        .map(|i| {
            let v = rng.f();
            if i % 97 == 5 {
                20.0 * v
            } else {
                v
            }
        })
        .collect()
}

/// Checks every supported ISA against the f32 reference, within the activation
/// quantization bound, and against the scalar kernel (same integers, other f32 order).
fn check(ty: QType, n: usize, k: usize, m: usize, seed: u64) {
    let mut rng = Rng(seed);
    let data = random_matrix(ty, n, k, &mut rng);
    let x = random_acts(m, k, &mut rng);
    check_with(ty, &data, &x, n, k, m);
}

/// [`check`] on given weights (`n × k` of `ty`) and activations (`m × k`).
fn check_with(ty: QType, data: &[u8], x: &[f32], n: usize, k: usize, m: usize) {
    let w = QMatrix::new(ty, n, k, data).expect("sizes");
    let rb = ty.row_bytes(k);
    let mut wf = vec![0f32; k];
    let mut scalar = vec![0f32; m * n];
    matmul_with(Isa::Scalar, &w, x, m, &mut scalar);
    for isa in Isa::supported() {
        let mut y = vec![f32::NAN; m * n];
        matmul_with(isa, &w, x, m, &mut y);
        for r in 0..n {
            dequantize_row(ty, &data[r * rb..(r + 1) * rb], &mut wf);
            for t in 0..m {
                let xr = &x[t * k..(t + 1) * k];
                let mut exact = 0f64;
                let mut bound = 0f64;
                let mut mag = 0f64;
                for (b, (wb, xb)) in wf.chunks(32).zip(xr.chunks(32)).enumerate() {
                    let amax = xb.iter().fold(0f32, |a, v| a.max(v.abs())) as f64;
                    for (wi, xi) in wb.iter().zip(xb) {
                        exact += *wi as f64 * *xi as f64;
                        bound += (*wi as f64).abs() * amax / 225.0;
                        mag += (*wi as f64 * *xi as f64).abs();
                    }
                    let _ = b;
                }
                let got = y[t * n + r] as f64;
                let tol = bound + 1e-5 * mag + 1e-6;
                assert!(
                    (got - exact).abs() <= tol,
                    "{ty:?} {isa:?} n={n} k={k} m={m} row {r} tok {t}: got {got}, exact {exact}, tol {tol}"
                );
                let s = scalar[t * n + r] as f64;
                assert!(
                    (got - s).abs() <= 1e-5 * mag + 1e-6,
                    "{ty:?} {isa:?} vs scalar row {r} tok {t}: {got} vs {s}"
                );
            }
        }
    }
}

#[test]
fn every_type_every_isa_small() {
    for ty in QType::ALL {
        let k0 = ty.block_len();
        for (i, &(n, kb, m)) in [
            (1, 1, 1),
            (5, 2, 1),
            (13, 3, 3),
            (9, 1, 8),
            (17, 2, 11),
            (8, 4, 17),
        ]
        .iter()
        .enumerate()
        {
            check(ty, n, kb * k0, m, 1 + i as u64);
        }
    }
}

#[test]
fn every_type_every_isa_threaded() {
    // Large enough to be split over the pool; n not a multiple of 8; k not a multiple
    // of the 64-group coefficient chunk.
    for ty in QType::ALL {
        let k = if ty.block_len() == 256 {
            256 * 9
        } else {
            32 * 75
        };
        check(ty, 70, k, 1, 99);
        check(ty, 45, k, 10, 7);
    }
}

#[test]
fn every_type_every_isa_prefill_panels() {
    // AVX-512's panel GEMM (m ≥ 16): whole panels of 16 rows plus a row tail, full
    // activation tiles plus a tail, one and several blocks.
    for ty in QType::ALL {
        let k0 = ty.block_len();
        for (i, &(n, kb, m)) in [(16, 1, 16), (35, 3, 27), (48, 2, 40), (20, 5, 19)]
            .iter()
            .enumerate()
        {
            check(ty, n, kb * k0, m, 50 + i as u64);
        }
        // Several K slices (the panel kernel accumulates over slices of 1,024).
        let k = if k0 == 256 { 256 * 9 } else { 32 * 70 };
        check(ty, 32, k, 19, 60);
    }
}

#[test]
fn every_type_every_isa_prefill_threaded() {
    // Split over the pool: several chunks of panels, and rows left over.
    for ty in QType::ALL {
        let k = if ty.block_len() == 256 {
            256 * 3
        } else {
            32 * 19
        };
        check(ty, 150, k, 21, 11);
    }
}

#[test]
fn k_quant_panels_every_isa() {
    // AVX2's K-quant panel GEMM (from one tile of 4 activation rows): exactly one tile,
    // tiles plus a tail, panels of 8 rows plus a row tail, one and several super-blocks.
    for ty in [QType::Q4K, QType::Q6K] {
        for (i, &(n, kb, m)) in [(8, 1, 4), (15, 2, 5), (24, 1, 7), (9, 3, 8), (40, 2, 13)]
            .iter()
            .enumerate()
        {
            check(ty, n, 256 * kb, m, 80 + i as u64);
        }
    }
}

#[test]
fn k_quant_decode_every_isa() {
    // AVX2's K-quant mat-vec kernels (fewer activation rows than a tile): one and several
    // super-blocks, one to three activation rows.
    for ty in [QType::Q4K, QType::Q6K] {
        for (i, &(n, kb, m)) in [(1, 1, 1), (7, 5, 1), (13, 2, 2), (3, 9, 3), (40, 6, 1)]
            .iter()
            .enumerate()
        {
            check(ty, n, 256 * kb, m, 90 + i as u64);
        }
    }
}

#[test]
fn extreme_values_do_not_overflow() {
    // The largest unsigned weights (all quant bits set: 15, Q5_0 31, Q6_K 63) against
    // activations that all quantize to ±127: the 16-bit partial sums of the AVX2 panels
    // and of `vpmaddubsw` are at their largest. Scales and minimums of both signs.
    let mut rng = Rng(21);
    for ty in [
        QType::Q4_0,
        QType::Q4_1,
        QType::Q5_0,
        QType::Q4K,
        QType::Q6K,
    ] {
        let (n, k) = (17, 512);
        let mut data = random_matrix(ty, n, k, &mut rng);
        for blk in data.chunks_exact_mut(ty.block_bytes()) {
            match ty {
                QType::Q4_0 | QType::Q5_0 => blk[2..].fill(0xFF),
                QType::Q4_1 => blk[4..].fill(0xFF),
                QType::Q4K => {
                    blk[4..16].fill(0xFF);
                    blk[16..].fill(0xFF);
                }
                _ => {
                    blk[..192].fill(0xFF);
                    for s in &mut blk[192..208] {
                        *s = if rng.byte() < 128 { 127 } else { 0x80 };
                    }
                }
            }
        }
        // Decode (one row), fewer rows than a tile, panels with a tail.
        for m in [1, 3, 9] {
            for sign in [1.0f32, -1.0] {
                let x: Vec<f32> = (0..m * k)
                    .map(|i| if i % 3 == 0 { sign } else { sign * 0.999 })
                    .collect();
                check_with(ty, &data, &x, n, k, m);
            }
            let x: Vec<f32> = (0..m * k)
                .map(|i| if (i / 32) % 2 == 0 { 1.0 } else { -1.0 })
                .collect();
            check_with(ty, &data, &x, n, k, m);
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[test]
fn k_quant_panels_several_passes_on_one_thread() {
    // More panels than one pass holds, then a remainder pass and a row tail, on the
    // calling thread (the pool splits bigger products into chunks of one pass or less).
    if !Isa::supported().contains(&Isa::Avx2) {
        return;
    }
    let mut rng = Rng(33);
    for ty in [QType::Q4K, QType::Q6K] {
        let (k, m) = (256, 6);
        let n = panel_avx2::pass_panels(ty, k) * panel_avx2::ROWS + 4 * panel_avx2::ROWS + 3;
        let data = random_matrix(ty, n, k, &mut rng);
        let x = random_acts(m, k, &mut rng);
        let w = QMatrix::new(ty, n, k, &data).expect("sizes");
        let mut want = vec![0f32; m * n];
        matmul_with(Isa::Scalar, &w, &x, m, &mut want);
        let mut acts = Acts::default();
        acts.quantize(&x, m, k, Isa::Avx2.tile());
        let mut y = vec![f32::NAN; m * n];
        // SAFETY: AVX2 checked above; y holds m · n floats; w matches acts.
        unsafe { rows(Isa::Avx2, &w, &acts, 0, n, y.as_mut_ptr(), n) };
        for (i, (got, exp)) in y.iter().zip(&want).enumerate() {
            assert!(
                (got - exp).abs() <= 1e-5 * exp.abs().max(1.0),
                "{ty:?} n={n} row {} tok {}: {got} vs {exp}",
                i % n,
                i / n
            );
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[test]
fn simd_activation_quantization_is_exact() {
    let isas = Isa::supported();
    let mut rng = Rng(17);
    let mut blocks: Vec<[f32; 32]> = (0..2000)
        .map(|i| {
            let scale = [1e-3, 1.0, 40.0][i % 3];
            std::array::from_fn(|_| scale * rng.f())
        })
        .collect();
    // Ties (x · id exactly ±k.5), all zeros, one outlier, negative zero.
    blocks.push(std::array::from_fn(|i| (i as f32 - 16.0) * 0.5));
    blocks.push([0.0; 32]);
    blocks.push(std::array::from_fn(|i| if i == 7 { -300.0 } else { 0.01 }));
    blocks.push([-0.0; 32]);
    for x in &blocks {
        let mut qa = [0i8; 32];
        let want = quantize_block(x, &mut qa);
        for isa in &isas {
            let mut qb = [0i8; 32];
            // SAFETY: the CPU supports `isa` (and F16C with it); both buffers hold 32
            // values.
            let got = unsafe {
                match isa {
                    Isa::Avx512Vnni => quant_x86::block(x.as_ptr(), qb.as_mut_ptr()),
                    Isa::Avx2 => quant_x86::block_avx2(x.as_ptr(), qb.as_mut_ptr()),
                    Isa::Scalar => continue,
                }
            };
            assert_eq!(qa, qb, "{isa:?} {x:?}");
            assert_eq!(want.0.to_bits(), got.0.to_bits(), "{isa:?}");
            assert_eq!((want.1, want.2), (got.1, got.2), "{isa:?}");
        }
    }
}

/// Repacked weights against the unpacked scalar kernel (same integers; f32 order differs).
fn check_packed(ty: QType, n: usize, k: usize, m: usize, seed: u64) {
    let mut rng = Rng(seed);
    let data = random_matrix(ty, n, k, &mut rng);
    let x = random_acts(m, k, &mut rng);
    let w = QMatrix::new(ty, n, k, &data).expect("sizes");
    let p = PackedMatrix::pack(&w).expect("packable");
    let size = if packed_k::covers(ty) {
        n.div_ceil(packed_k::KROWS) * k / 256 * packed_k::record_bytes(ty)
    } else {
        data.len()
    };
    assert_eq!(p.bytes(), size, "{ty:?}: packed size");
    assert!(
        p.to_gguf() == data,
        "{ty:?}: unpacking gives back the GGUF bytes"
    );
    let mut want = vec![0f32; m * n];
    matmul_with(Isa::Scalar, &w, &x, m, &mut want);
    let rb = ty.row_bytes(k);
    for isa in Isa::supported() {
        let mut y = vec![f32::NAN; m * n];
        matmul_packed_with(isa, &p, &x, m, &mut y);
        for r in 0..n {
            let row = &data[r * rb..(r + 1) * rb];
            let mut wf = vec![0f32; k];
            dequantize_row(ty, row, &mut wf);
            for t in 0..m {
                let mag: f64 = (0..k)
                    .map(|i| (wf[i] as f64 * x[t * k + i] as f64).abs())
                    .sum();
                let (got, exp) = (y[t * n + r] as f64, want[t * n + r] as f64);
                assert!(
                    (got - exp).abs() <= 1e-5 * mag + 1e-6,
                    "{ty:?} {isa:?} n={n} k={k} m={m} row {r} tok {t}: {got} vs {exp}"
                );
            }
        }
    }
}

#[test]
fn packed_every_isa() {
    for ty in [QType::Q4_0, QType::Q4_1, QType::Q5_0, QType::Q8_0] {
        for (i, &(n, kb, m)) in [(16, 1, 1), (32, 3, 1), (48, 2, 9), (16, 5, 19)]
            .iter()
            .enumerate()
        {
            check_packed(ty, n, 32 * kb, m, 70 + i as u64);
        }
        // Split over the pool, decode and prefill shapes.
        check_packed(ty, 160, 32 * 19, 1, 5);
        check_packed(ty, 160, 32 * 19, 21, 6);
        // Prefill through panels unpacked from the packed records (m ≥ 32).
        check_packed(ty, 48, 32 * 5, 37, 8);
        check_packed(ty, 160, 32 * 19, 40, 9);
    }
}

/// Packed K-quants on every instruction set against the f32 reference (within the
/// activation quantization bound) and the unpacked kernels of the same instruction set;
/// where both run a panel GEMM (AVX2: full groups of 8 rows, AVX-512: full panels of 16;
/// a tile of activation rows or more) the results are bit for bit the same.
fn check_packed_k(ty: QType, data: &[u8], x: &[f32], n: usize, k: usize, m: usize) {
    let w = QMatrix::new(ty, n, k, data).expect("sizes");
    let p = PackedMatrix::pack(&w).expect("packable");
    assert!(
        p.to_gguf() == data,
        "{ty:?}: unpacking gives back the GGUF bytes"
    );
    let rb = ty.row_bytes(k);
    let mut wf = vec![0f32; k];
    for isa in Isa::supported() {
        let mut want = vec![0f32; m * n];
        matmul_with(isa, &w, x, m, &mut want);
        let mut y = vec![f32::NAN; m * n];
        matmul_packed_with(isa, &p, x, m, &mut y);
        for r in 0..n {
            dequantize_row(ty, &data[r * rb..(r + 1) * rb], &mut wf);
            for t in 0..m {
                let xr = &x[t * k..(t + 1) * k];
                let (mut exact, mut bound, mut mag) = (0f64, 0f64, 0f64);
                for (wb, xb) in wf.chunks(32).zip(xr.chunks(32)) {
                    let amax = xb.iter().fold(0f32, |a, v| a.max(v.abs())) as f64;
                    for (wi, xi) in wb.iter().zip(xb) {
                        exact += *wi as f64 * *xi as f64;
                        bound += (*wi as f64).abs() * amax / 225.0;
                        mag += (*wi as f64 * *xi as f64).abs();
                    }
                }
                let (got, unpacked) = (y[t * n + r] as f64, want[t * n + r] as f64);
                assert!(
                    (got - exact).abs() <= bound + 1e-5 * mag + 1e-6,
                    "{ty:?} {isa:?} n={n} k={k} m={m} row {r} tok {t}: got {got}, exact {exact}"
                );
                assert!(
                    (got - unpacked).abs() <= 1e-5 * mag + 1e-6,
                    "{ty:?} {isa:?} n={n} k={k} m={m} row {r} tok {t}: packed {got} vs {unpacked}"
                );
                if isa == Isa::Avx2 && m >= Isa::Avx2.tile() && r < n / 8 * 8
                    || isa == Isa::Avx512Vnni && m >= isa.tile() && r < n / 16 * 16
                {
                    assert_eq!(got, unpacked, "{ty:?} panels n={n} m={m} row {r} tok {t}");
                }
            }
        }
    }
}

#[test]
fn packed_k_quants_every_isa() {
    let mut rng = Rng(123);
    for ty in [QType::Q4K, QType::Q6K] {
        // Decode (m below the AVX2 tile) and prefill (panels) shapes: whole groups of 8,
        // row tails, fewer rows than a group, one and several super-blocks.
        for &(n, kb, m) in &[
            (8, 1, 1),
            (13, 2, 1),
            (5, 1, 1),
            (21, 3, 2),
            (16, 2, 3),
            (9, 2, 4),
            (27, 3, 7),
            (40, 2, 13),
            (3, 1, 5),
            // AVX-512 panels of two groups: one group only, a short second group.
            (8, 1, 8),
            (45, 1, 9),
            (29, 2, 16),
        ] {
            let data = random_matrix(ty, n, 256 * kb, &mut rng);
            let x = random_acts(m, 256 * kb, &mut rng);
            check_packed_k(ty, &data, &x, n, 256 * kb, m);
        }
        // Split over the pool: decode and prefill, a row tail in the last chunk; packed
        // by several threads (from 64 groups of 8 rows).
        for &(n, kb, m) in &[
            (150, 3, 1),
            (301, 6, 1),
            (150, 3, 21),
            (70, 9, 6),
            (517, 2, 1),
        ] {
            let data = random_matrix(ty, n, 256 * kb, &mut rng);
            let x = random_acts(m, 256 * kb, &mut rng);
            check_packed_k(ty, &data, &x, n, 256 * kb, m);
        }
        // More panels than one pass on one thread, then a remainder pass and a row tail.
        #[cfg(target_arch = "x86_64")]
        {
            let n = panel_avx2::pass_panels(ty, 256) * panel_avx2::ROWS + 4 * 8 + 3;
            let data = random_matrix(ty, n, 256, &mut rng);
            let x = random_acts(6, 256, &mut rng);
            check_packed_k(ty, &data, &x, n, 256, 6);
        }
    }
}

#[test]
fn packed_k_quants_simd_packing_equals_portable() {
    let mut rng = Rng(55);
    for ty in [QType::Q4K, QType::Q6K] {
        for &(n, kb) in &[(8, 1), (21, 3), (600, 2)] {
            let data = random_matrix(ty, n, 256 * kb, &mut rng);
            let a = packed_k::pack_with(ty, n, 256 * kb, &data, true);
            let b = packed_k::pack_with(ty, n, 256 * kb, &data, false);
            assert!(
                a.iter().zip(&b).all(|(x, y)| x.0 == y.0) && a.len() == b.len(),
                "{ty:?} {n} × {}",
                256 * kb
            );
        }
    }
}

#[test]
fn packed_k_quants_extreme_values() {
    // All quant bits set (15, Q6_K 63) and every scale and minimum at its largest, against
    // activations that all quantize to ±127: the 16-bit sums are at their largest, and
    // Q6_K's scales of both signs.
    let mut rng = Rng(77);
    for ty in [QType::Q4K, QType::Q6K] {
        let (n, k) = (19, 512);
        let mut data = random_matrix(ty, n, k, &mut rng);
        for blk in data.chunks_exact_mut(ty.block_bytes()) {
            if ty == QType::Q4K {
                blk[4..].fill(0xFF);
            } else {
                blk[..192].fill(0xFF);
                for s in &mut blk[192..208] {
                    *s = if rng.byte() < 128 { 127 } else { 0x80 };
                }
            }
        }
        for m in [1, 2, 5] {
            for sign in [1.0f32, -1.0] {
                let x: Vec<f32> = (0..m * k)
                    .map(|i| if i % 3 == 0 { sign } else { sign * 0.999 })
                    .collect();
                check_packed_k(ty, &data, &x, n, k, m);
            }
        }
    }
}

#[test]
fn packing_refuses_what_it_does_not_cover() {
    let mut rng = Rng(4);
    let q8 = random_matrix(QType::Q8_0, 20, 64, &mut rng);
    assert!(PackedMatrix::pack(&QMatrix::new(QType::Q8_0, 20, 64, &q8).unwrap()).is_none());
}

#[test]
fn zero_activations_give_zero() {
    let mut rng = Rng(3);
    for ty in QType::ALL {
        let k = 512;
        let data = random_matrix(ty, 4, k, &mut rng);
        let w = QMatrix::new(ty, 4, k, &data).unwrap();
        for isa in Isa::supported() {
            let mut y = vec![1f32; 8];
            matmul_with(isa, &w, &vec![0f32; 2 * k], 2, &mut y);
            assert!(y.iter().all(|v| *v == 0.0), "{ty:?} {isa:?}: {y:?}");
        }
    }
}

#[test]
fn bad_sizes_are_rejected() {
    assert!(QMatrix::new(QType::Q4K, 2, 100, &[0u8; 1000]).is_none());
    assert!(QMatrix::new(QType::Q8_0, 2, 64, &[0u8; 10]).is_none());
}
