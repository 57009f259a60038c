//! Every quantized matrix multiply of the LLM goes through [`QLinear`], so the CPU
//! kernels behind it can change without touching the models.

use candle_core::quantized::{QMatMul, QTensor};
use candle_core::{Module, Tensor};

use crate::Result;

/// `y = x · Wᵀ` for a quantized weight `W` of shape (out, in).
#[derive(Debug)]
pub struct QLinear {
    inner: QMatMul,
    in_features: usize,
    out_features: usize,
}

impl QLinear {
    pub fn from_qtensor(w: QTensor) -> Result<QLinear> {
        let (out_features, in_features) = w.shape().dims2()?;
        Ok(QLinear {
            inner: QMatMul::from_qtensor(w)?,
            in_features,
            out_features,
        })
    }

    /// `x` is (…, in); the result is (…, out).
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(self.inner.forward(x)?)
    }

    pub fn in_features(&self) -> usize {
        self.in_features
    }

    pub fn out_features(&self) -> usize {
        self.out_features
    }
}
