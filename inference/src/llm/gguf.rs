//! A GGUF file, memory-mapped: its metadata and its tensors, with errors that name the
//! file and the tensor when something is missing or damaged.

use std::fs::File;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use candle_core::quantized::gguf_file::{Content, Value};
use candle_core::quantized::{ggml_file, QTensor};
use candle_core::{Device, Tensor};
use memmap2::Mmap;

use crate::{Error, Result};

pub struct Gguf {
    path: PathBuf,
    mmap: Mmap,
    content: Content,
}

impl Gguf {
    /// Maps the file and reads its header (metadata and tensor index, not the data).
    pub fn open(path: &Path) -> Result<Gguf> {
        let file = File::open(path).map_err(|e| Error::BadModel {
            path: path.to_path_buf(),
            detail: format!("cannot open: {e}"),
        })?;
        // SAFETY: the file is only read; model files are not modified while mishu runs.
        let mmap = unsafe { Mmap::map(&file) }.map_err(|e| Error::BadModel {
            path: path.to_path_buf(),
            detail: format!("cannot map into memory: {e}"),
        })?;
        let content = Content::read(&mut Cursor::new(&mmap[..])).map_err(|e| Error::BadModel {
            path: path.to_path_buf(),
            detail: format!("not a readable GGUF file: {e}"),
        })?;
        tracing::debug!(
            path = %path.display(),
            tensors = content.tensor_infos.len(),
            metadata = content.metadata.len(),
            "opened GGUF"
        );
        Ok(Gguf {
            path: path.to_path_buf(),
            mmap,
            content,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// An error about this file.
    pub fn error(&self, detail: impl Into<String>) -> Error {
        Error::BadModel {
            path: self.path.clone(),
            detail: detail.into(),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.content.metadata.get(key)
    }

    fn required(&self, key: &str) -> Result<&Value> {
        self.get(key)
            .ok_or_else(|| self.error(format!("metadata key '{key}' is missing")))
    }

    pub fn string(&self, key: &str) -> Result<&str> {
        self.required(key)?
            .to_string()
            .map(|s| s.as_str())
            .map_err(|e| self.error(format!("metadata key '{key}': {e}")))
    }

    pub fn opt_string(&self, key: &str) -> Option<&str> {
        self.get(key)
            .and_then(|v| v.to_string().ok())
            .map(|s| s.as_str())
    }

    /// An unsigned integer of any width.
    pub fn usize(&self, key: &str) -> Result<usize> {
        let v = self.required(key)?;
        value_to_u64(v)
            .map(|n| n as usize)
            .ok_or_else(|| self.error(format!("metadata key '{key}' is not an integer")))
    }

    pub fn opt_usize(&self, key: &str) -> Option<usize> {
        self.get(key).and_then(value_to_u64).map(|n| n as usize)
    }

    pub fn opt_f32(&self, key: &str) -> Option<f32> {
        match self.get(key)? {
            Value::F32(v) => Some(*v),
            Value::F64(v) => Some(*v as f32),
            v => value_to_u64(v).map(|n| n as f32),
        }
    }

    pub fn f32(&self, key: &str) -> Result<f32> {
        self.opt_f32(key)
            .ok_or_else(|| self.error(format!("metadata key '{key}' is missing or not a number")))
    }

    pub fn string_array(&self, key: &str) -> Result<Vec<&str>> {
        let arr = self
            .required(key)?
            .to_vec()
            .map_err(|e| self.error(format!("metadata key '{key}': {e}")))?;
        arr.iter()
            .map(|v| {
                v.to_string()
                    .map(|s| s.as_str())
                    .map_err(|e| self.error(format!("metadata key '{key}': {e}")))
            })
            .collect()
    }

    pub fn opt_i32_array(&self, key: &str) -> Option<Vec<i64>> {
        let arr = self.get(key)?.to_vec().ok()?;
        arr.iter()
            .map(|v| match v {
                Value::I32(x) => Some(*x as i64),
                Value::I64(x) => Some(*x),
                v => value_to_u64(v).map(|x| x as i64),
            })
            .collect()
    }

    /// The file's header and a reader over its bytes, as candle-transformers' model
    /// loaders take them.
    pub fn candle_reader(&self) -> Result<(Content, Cursor<&[u8]>)> {
        let mut reader = Cursor::new(&self.mmap[..]);
        let content = Content::read(&mut reader)
            .map_err(|e| self.error(format!("not a readable GGUF file: {e}")))?;
        Ok((content, reader))
    }

    pub fn has_tensor(&self, name: &str) -> bool {
        self.content.tensor_infos.contains_key(name)
    }

    /// The dimensions of a tensor as candle reports them (outermost first).
    pub fn tensor_dims(&self, name: &str) -> Option<Vec<usize>> {
        self.content
            .tensor_infos
            .get(name)
            .map(|t| t.shape.dims().to_vec())
    }

    /// Copies one tensor out of the mapped file, checking that it is present, that
    /// its shape is the expected one (when given) and that its bytes lie in the file.
    pub fn qtensor(&self, name: &str, expected_dims: Option<&[usize]>) -> Result<QTensor> {
        let info = self.content.tensor_infos.get(name).ok_or_else(|| {
            self.error(format!(
                "tensor '{name}' is missing: the file is incomplete or not a model this architecture knows"
            ))
        })?;
        let dims = info.shape.dims().to_vec();
        if let Some(expected) = expected_dims {
            if dims != expected {
                return Err(self.error(format!(
                    "tensor '{name}' has shape {dims:?}, expected {expected:?}: the file is corrupt or its metadata does not match its weights"
                )));
            }
        }
        let elems: usize = dims.iter().product();
        let block = info.ggml_dtype.block_size();
        if !elems.is_multiple_of(block) {
            return Err(self.error(format!(
                "tensor '{name}': {elems} elements is not a whole number of {:?} blocks",
                info.ggml_dtype
            )));
        }
        let size = elems / block * info.ggml_dtype.type_size();
        let start = self
            .content
            .tensor_data_offset
            .checked_add(info.offset)
            .map(|s| s as usize);
        let end = start.and_then(|s| s.checked_add(size));
        let (start, end) = match (start, end) {
            (Some(s), Some(e)) if e <= self.mmap.len() => (s, e),
            _ => {
                return Err(self.error(format!(
                    "tensor '{name}' ({size} bytes at offset {}) lies beyond the end of the file ({} bytes): the file is truncated or corrupt; fetch it again",
                    info.offset,
                    self.mmap.len()
                )))
            }
        };
        let bytes = &self.mmap[start..end];
        // Blocks are read in place; copy first if the data is not aligned for them.
        let aligned;
        let bytes = if (bytes.as_ptr() as usize).is_multiple_of(8) {
            bytes
        } else {
            aligned = bytes.to_vec();
            &aligned[..]
        };
        let q = ggml_file::qtensor_from_ggml(info.ggml_dtype, bytes, dims, &Device::Cpu)
            .map_err(|e| self.error(format!("tensor '{name}': {e}")))?;
        // The weights now live in the QTensor: let the kernel drop the mapped pages, so
        // the file is not counted twice in the resident memory.
        #[cfg(unix)]
        // SAFETY: the map is read-only and no slice of this range is alive any more; a
        // dropped page of a file mapping is read again from the file if touched.
        unsafe {
            let _ = self.mmap.unchecked_advise_range(
                memmap2::UncheckedAdvice::DontNeed,
                start,
                end - start,
            );
        }
        Ok(q)
    }

    /// A small tensor (norm weights, biases) as f32, checking its shape.
    pub fn f32_tensor(&self, name: &str, expected_dims: &[usize]) -> Result<Tensor> {
        let q = self.qtensor(name, Some(expected_dims))?;
        let t = q
            .dequantize(&Device::Cpu)
            .map_err(|e| self.error(format!("tensor '{name}': {e}")))?;
        check_finite(self, name, &t)?;
        Ok(t)
    }
}

fn check_finite(gguf: &Gguf, name: &str, t: &Tensor) -> Result<()> {
    let v: Vec<f32> = t
        .flatten_all()
        .and_then(|t| t.to_vec1())
        .map_err(|e| gguf.error(format!("tensor '{name}': {e}")))?;
    if v.iter().any(|x| !x.is_finite()) {
        return Err(gguf.error(format!(
            "tensor '{name}' holds NaN or infinite values: the file is corrupt; fetch it again"
        )));
    }
    Ok(())
}

fn value_to_u64(v: &Value) -> Option<u64> {
    match v {
        Value::U8(x) => Some(*x as u64),
        Value::U16(x) => Some(*x as u64),
        Value::U32(x) => Some(*x as u64),
        Value::U64(x) => Some(*x),
        Value::I8(x) if *x >= 0 => Some(*x as u64),
        Value::I16(x) if *x >= 0 => Some(*x as u64),
        Value::I32(x) if *x >= 0 => Some(*x as u64),
        Value::I64(x) if *x >= 0 => Some(*x as u64),
        _ => None,
    }
}
