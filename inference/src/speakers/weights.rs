//! The tensors of a speaker network's safetensors file, read as f32, with errors that
//! name the model to fetch again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};

use crate::error::{Error, Result};

/// Which network a file should hold, for the messages.
pub(crate) struct Expected {
    /// What the file is, in "cannot read the {what}": "speaker model".
    pub what: &'static str,
    /// What it is not when a tensor is wrong, in "this is not {network}": "a CAM++ model".
    pub network: &'static str,
    /// The catalogue name to fetch again.
    pub model: &'static str,
}

pub(crate) struct Weights {
    tensors: HashMap<String, Tensor>,
    path: PathBuf,
    expected: Expected,
}

impl Weights {
    pub(crate) fn load(path: &Path, expected: Expected) -> Result<Weights> {
        let tensors =
            candle_core::safetensors::load(path, &Device::Cpu).map_err(|e| Error::BadModel {
                path: path.to_path_buf(),
                detail: format!(
                    "cannot read the {} ({e}); run `mishu models fetch {}` again",
                    expected.what, expected.model
                ),
            })?;
        let tensors = tensors
            .into_iter()
            .map(|(k, v)| Ok((k, v.to_dtype(DType::F32)?)))
            .collect::<Result<HashMap<_, _>>>()?;
        Ok(Weights {
            tensors,
            path: path.to_path_buf(),
            expected,
        })
    }

    fn bad(&self, detail: String) -> Error {
        Error::BadModel {
            path: self.path.clone(),
            detail: format!(
                "{detail}: this is not {}; run `mishu models fetch {}` again",
                self.expected.network, self.expected.model
            ),
        }
    }

    /// The tensor `name`.
    pub(crate) fn get(&self, name: &str) -> Result<Tensor> {
        self.tensors
            .get(name)
            .cloned()
            .ok_or_else(|| self.bad(format!("tensor {name} is missing")))
    }

    /// The tensor `name`, which must have `shape`.
    pub(crate) fn shaped(&self, name: &str, shape: &[usize]) -> Result<Tensor> {
        let t = self.get(name)?;
        if t.dims() != shape {
            return Err(self.bad(format!(
                "tensor {name} has shape {:?}, not {shape:?}",
                t.dims()
            )));
        }
        Ok(t)
    }
}
