//! Every quantized matrix multiply of the LLM goes through [`QLinear`], so the CPU
//! kernels behind it can change without touching the models.

use std::sync::Arc;

use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{CpuStorage, CustomOp1, DType, Layout, Module, Shape, Tensor};

use crate::llm::kernels::{self, QMatrix, QType};
use crate::Result;

/// `y = x · Wᵀ` for a quantized weight `W` of shape (out, in).
#[derive(Debug)]
pub struct QLinear {
    inner: QMatMul,
    /// Our kernels, for the block formats they cover (candle's `QMatMul` otherwise).
    kernel: Option<KernelMatMul>,
    in_features: usize,
    out_features: usize,
}

impl QLinear {
    pub fn from_qtensor(w: QTensor) -> Result<QLinear> {
        let (out_features, in_features) = w.shape().dims2()?;
        let ty = kernel_type(w.dtype()).filter(|ty| in_features % ty.block_len() == 0);
        let w = Arc::new(w);
        Ok(QLinear {
            inner: QMatMul::from_arc(w.clone())?,
            kernel: ty.map(|ty| KernelMatMul { w, ty }),
            in_features,
            out_features,
        })
    }

    /// `x` is (…, in); the result is (…, out).
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        if let Some(op) = &self.kernel {
            if x.device().is_cpu() && x.dtype() == DType::F32 && x.rank() >= 2 && kernels_on() {
                return Ok(x.contiguous()?.apply_op1_no_bwd(op)?);
            }
        }
        Ok(self.inner.forward(x)?)
    }

    pub fn in_features(&self) -> usize {
        self.in_features
    }

    pub fn out_features(&self) -> usize {
        self.out_features
    }
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
