//! Every quantized matrix multiply of the LLM goes through [`QLinear`], so the CPU
//! kernels behind it can change without touching the models.

use std::sync::{Arc, OnceLock};

use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{CpuStorage, CustomOp1, DType, Layout, Module, Shape, Tensor};

use crate::llm::kernels::{self, Acts, Isa, PackedMatrix, QMatrix, QType};
use crate::{Error, Result};

/// `y = x · Wᵀ` for a quantized weight `W` of shape (out, in).
#[derive(Debug)]
pub struct QLinear {
    /// The weights in their GGUF layout, for candle's `QMatMul` and our per-row kernels.
    /// Where the weights are repacked this copy is dropped at load and rebuilt from the
    /// packed one only if asked for (stock-candle comparisons).
    gguf: OnceLock<GgufWeights>,
    /// The weights repacked for the AVX-512 kernels, where they cover the format.
    packed: Option<PackedMatrix>,
    dtype: GgmlDType,
    in_features: usize,
    out_features: usize,
}

#[derive(Debug)]
struct GgufWeights {
    inner: QMatMul,
    /// Our kernels, for the block formats they cover (candle's `QMatMul` otherwise).
    kernel: Option<KernelMatMul>,
}

impl GgufWeights {
    fn new(w: QTensor) -> Result<GgufWeights> {
        let in_features = w.shape().dims2()?.1;
        let ty = kernel_type(w.dtype()).filter(|ty| in_features % ty.block_len() == 0);
        let w = Arc::new(w);
        Ok(GgufWeights {
            inner: QMatMul::from_arc(w.clone())?,
            kernel: ty.map(|ty| KernelMatMul { w, ty }),
        })
    }
}

impl QLinear {
    pub fn from_qtensor(w: QTensor) -> Result<QLinear> {
        let (out_features, in_features) = w.shape().dims2()?;
        let ty = kernel_type(w.dtype()).filter(|ty| in_features % ty.block_len() == 0);
        let packed = match ty {
            Some(ty) => {
                let data = w.data()?;
                QMatrix::new(ty, out_features, in_features, &data)
                    .and_then(|m| PackedMatrix::new(&m))
            }
            None => None,
        };
        let gguf = OnceLock::new();
        let dtype = w.dtype();
        if packed.is_none() {
            let _ = gguf.set(GgufWeights::new(w)?);
        }
        Ok(QLinear {
            gguf,
            packed,
            dtype,
            in_features,
            out_features,
        })
    }

    fn gguf(&self) -> Result<&GgufWeights> {
        if let Some(g) = self.gguf.get() {
            return Ok(g);
        }
        let Some(p) = &self.packed else {
            return Err(Error::Engine("linear layer without weights".into()));
        };
        let dims = vec![self.out_features, self.in_features];
        let w = candle_core::quantized::ggml_file::qtensor_from_ggml(
            self.dtype,
            &p.to_gguf(),
            dims,
            &candle_core::Device::Cpu,
        )?;
        let built = GgufWeights::new(w)?;
        Ok(self.gguf.get_or_init(|| built))
    }

    /// `x` is (…, in); the result is (…, out).
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let g = self.gguf()?;
        if let Some(op) = &g.kernel {
            if x.device().is_cpu() && x.dtype() == DType::F32 && x.rank() >= 2 && kernels_on() {
                return Ok(x.contiguous()?.apply_op1_no_bwd(op)?);
            }
        }
        Ok(g.inner.forward(x)?)
    }

    /// `y = x · Wᵀ` on slices: `x` is `m × in`, `y` is `m × out`.
    pub fn matmul(&self, x: &[f32], m: usize, y: &mut [f32]) -> Result<()> {
        project(x, m, &mut [(self, y)], &mut Acts::default())
    }

    /// candle's `QMatMul` (formats our kernels do not cover, and the stock mode).
    fn matmul_candle(&self, x: &[f32], m: usize, y: &mut [f32]) -> Result<()> {
        let (k, n) = (self.in_features, self.out_features);
        let t = Tensor::from_slice(&x[..m * k], (m, k), &candle_core::Device::Cpu)?;
        let out = self
            .gguf()?
            .inner
            .forward(&t)?
            .flatten_all()?
            .to_vec1::<f32>()?;
        y[..m * n].copy_from_slice(&out);
        Ok(())
    }

    pub fn in_features(&self) -> usize {
        self.in_features
    }

    pub fn out_features(&self) -> usize {
        self.out_features
    }
}

/// `y_i = x · W_iᵀ` for projections that read the same input `x` (`m × in`): with our
/// kernels `x` is quantized once, into `acts`, for all of them.
pub fn project(
    x: &[f32],
    m: usize,
    outs: &mut [(&QLinear, &mut [f32])],
    acts: &mut Acts,
) -> Result<()> {
    let isa = Isa::detect();
    let mut quantized = None;
    for (l, y) in outs.iter_mut() {
        let (k, n) = (l.in_features, l.out_features);
        if x.len() < m * k || y.len() < m * n {
            return Err(Error::Engine(format!(
                "projection ({n} x {k}) given {} inputs and {} outputs for {m} rows",
                x.len(),
                y.len()
            )));
        }
        if !kernels_on() {
            l.matmul_candle(x, m, y)?;
            continue;
        }
        if let Some(p) = &l.packed {
            if quantized != Some(k) {
                acts.quantize(&x[..m * k], m, k, isa.tile());
                quantized = Some(k);
            }
            kernels::matmul_packed_quantized(isa, p, acts, &mut y[..m * n]);
            continue;
        }
        match &l.gguf()?.kernel {
            Some(op) => {
                if quantized != Some(k) {
                    acts.quantize(&x[..m * k], m, k, isa.tile());
                    quantized = Some(k);
                }
                let data = op.w.data()?;
                let w = QMatrix::new(op.ty, n, k, &data).ok_or_else(|| {
                    Error::Engine(format!("weight data does not hold {n} x {k} {:?}", op.ty))
                })?;
                kernels::matmul_quantized(isa, &w, acts, &mut y[..m * n]);
            }
            _ => l.matmul_candle(x, m, y)?,
        }
    }
    Ok(())
}

thread_local! {
    static STOCK: std::cell::Cell<bool> = std::cell::Cell::new(
        std::env::var("MISHU_KERNELS").is_ok_and(|v| v == "candle"),
    );
}

fn kernels_on() -> bool {
    !STOCK.with(|s| s.get())
}

/// Runs `f` with every [`QLinear`] on this thread using candle's stock `QMatMul` instead of
/// our kernels (as `MISHU_KERNELS=candle` does for the whole process): for comparisons.
pub fn with_stock_candle<R>(f: impl FnOnce() -> R) -> R {
    let before = STOCK.with(|s| s.replace(true));
    let r = f();
    STOCK.with(|s| s.set(before));
    r
}

fn kernel_type(dt: GgmlDType) -> Option<QType> {
    Some(match dt {
        GgmlDType::Q4_0 => QType::Q4_0,
        GgmlDType::Q4_1 => QType::Q4_1,
        GgmlDType::Q5_0 => QType::Q5_0,
        GgmlDType::Q8_0 => QType::Q8_0,
        GgmlDType::Q4K => QType::Q4K,
        GgmlDType::Q6K => QType::Q6K,
        _ => return None,
    })
}

/// `y = x · Wᵀ` by [`kernels::matmul`], as a candle op on the raw GGUF blocks.
#[derive(Debug)]
struct KernelMatMul {
    w: Arc<QTensor>,
    ty: QType,
}

impl CustomOp1 for KernelMatMul {
    fn name(&self) -> &'static str {
        "mishu-qmatmul"
    }

    fn cpu_fwd(
        &self,
        storage: &CpuStorage,
        layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (n, k) = self.w.shape().dims2()?;
        let Some((start, end)) = layout.contiguous_offsets() else {
            candle_core::bail!("mishu-qmatmul: input is not contiguous {layout:?}")
        };
        let mut dims = layout.shape().dims().to_vec();
        if dims.pop() != Some(k) {
            candle_core::bail!("mishu-qmatmul: input {layout:?} does not match weight ({n}, {k})")
        }
        dims.push(n);
        let x = &storage.as_slice::<f32>()?[start..end];
        let m = x.len() / k;
        let data = self.w.data()?;
        let Some(w) = QMatrix::new(self.ty, n, k, &data) else {
            candle_core::bail!(
                "mishu-qmatmul: weight data does not hold {n} x {k} {:?}",
                self.ty
            )
        };
        let mut y = vec![0f32; m * n];
        kernels::matmul(&w, x, m, &mut y);
        Ok((CpuStorage::F32(y), Shape::from(dims)))
    }
}
