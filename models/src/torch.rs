//! PyTorch zip checkpoints (`torch.save` of a state_dict) → safetensors, in Rust.
//!
//! The zip holds `archive/data.pkl` (a pickle whose tensors are persistent-load
//! references: `torch._utils._rebuild_tensor_v2(storage, offset, shape, stride)`)
//! and one `archive/data/N` blob per storage; candle's pickle reader follows them.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Tensor};

use crate::checksum::sha256_file;
use crate::error::{Error, Result};
use crate::progress::Silent;
use crate::store::FileRecord;

/// Reads every floating-point tensor of the state_dict in `src` (as f32; integer
/// bookkeeping such as BatchNorm's `num_batches_tracked` is dropped) and writes them
/// to `dest` as safetensors. `required` names tensors that must be present, so a
/// checkpoint of some other network is refused here rather than at load time.
pub fn torch_to_safetensors(
    src: &Path,
    dest: &Path,
    required: &[&str],
    key: Option<&str>,
) -> Result<FileRecord> {
    let bad = |detail: String| {
        Error::bad_file(
            src,
            format!("not a readable PyTorch checkpoint ({detail}); the file may be damaged"),
        )
    };
    let tensors = read_state_dict(src, key).map_err(|e| bad(e.to_string()))?;
    let mut out: HashMap<String, Tensor> = HashMap::new();
    for (name, tensor) in tensors {
        if !tensor.dtype().is_float() {
            continue;
        }
        let tensor = tensor
            .to_dtype(DType::F32)
            .and_then(|t| t.contiguous())
            .map_err(|e| bad(format!("{name}: {e}")))?;
        out.insert(name, tensor);
    }
    if out.is_empty() {
        return Err(bad("it holds no tensors".into()));
    }
    if let Some(missing) = required.iter().find(|n| !out.contains_key(**n)) {
        return Err(bad(format!("tensor {missing} is missing")));
    }
    candle_core::safetensors::save(&out, dest)
        .map_err(|e| Error::bad_file(dest, format!("cannot write safetensors: {e}")))?;
    let sha256 = sha256_file(dest, &Silent)?;
    let size = std::fs::metadata(dest)
        .map_err(Error::io(format!("cannot read {}", dest.display())))?
        .len();
    Ok(FileRecord {
        path: dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        size,
        sha256,
    })
}

/// The named tensors of a zip checkpoint. candle's reader panics on nothing we know
/// of, but a damaged pickle is untrusted input: a panic in it is turned into an error.
fn read_state_dict(
    src: &Path,
    key: Option<&str>,
) -> std::result::Result<Vec<(String, Tensor)>, String> {
    let src = src.to_path_buf();
    let key = key.map(str::to_string);
    std::panic::catch_unwind(move || candle_core::pickle::read_all_with_key(&src, key.as_deref()))
        .map_err(|_| "its pickle could not be read".to_string())?
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A real checkpoint, written the way `torch.save` writes one (protocol 2 pickle,
    /// one storage), so the reader is checked against the format, not against itself.
    fn tiny_checkpoint(path: &Path) {
        write_checkpoint(path, false)
    }

    /// The same, nested as a training checkpoint holds it: `{'state_dict': {...}}`.
    fn write_checkpoint(path: &Path, nested: bool) {
        // {'w': tensor([[1., 2., 3.], [4., 5., 6.]])} as torch.save emits it.
        let mut pkl: Vec<u8> = vec![0x80, 0x02, b'}', b'q', 0x00];
        pkl.extend_from_slice(b"X\x01\x00\x00\x00wq\x01ctorch._utils\n_rebuild_tensor_v2\nq\x02");
        pkl.extend_from_slice(b"((X\x07\x00\x00\x00storageq\x03ctorch\nFloatStorage\nq\x04X\x01\x00\x00\x000q\x05X\x03\x00\x00\x00cpuq\x06K\x06tq\x07QK\x00K\x02K\x03\x86q\x08K\x03K\x01\x86q\x09\x89ccollections\nOrderedDict\nq\x0a)Rq\x0btq\x0cRq\x0ds.");
        if nested {
            // An outer dict (no memo entries of its own) whose 'state_dict' is the above.
            let inner = &pkl[2..pkl.len() - 1];
            let mut outer: Vec<u8> = vec![0x80, 0x02, b'}'];
            outer.extend_from_slice(b"X\x0a\x00\x00\x00state_dict");
            outer.extend_from_slice(inner);
            outer.extend_from_slice(b"s.");
            pkl = outer;
        }
        let file = std::fs::File::create(path).unwrap();
        let mut zip = zip::ZipWriter::new(file);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file("archive/data.pkl", opts).unwrap();
        zip.write_all(&pkl).unwrap();
        zip.start_file("archive/data/0", opts).unwrap();
        for v in [1f32, 2., 3., 4., 5., 6.] {
            zip.write_all(&v.to_le_bytes()).unwrap();
        }
        zip.finish().unwrap();
    }

    #[test]
    fn converts_a_checkpoint_to_safetensors() {
        let dir = tempfile::TempDir::new().unwrap();
        let src = dir.path().join("m.pt");
        let dest = dir.path().join("m.safetensors");
        tiny_checkpoint(&src);
        let record = torch_to_safetensors(&src, &dest, &["w"], None).unwrap();
        assert_eq!(record.path, "m.safetensors");
        let back = candle_core::safetensors::load(&dest, &candle_core::Device::Cpu).unwrap();
        let w = back["w"].to_vec2::<f32>().unwrap();
        assert_eq!(w, vec![vec![1., 2., 3.], vec![4., 5., 6.]]);
    }

    #[test]
    fn a_nested_state_dict_is_read_by_its_key() {
        let dir = tempfile::TempDir::new().unwrap();
        let src = dir.path().join("m.ckpt");
        let dest = dir.path().join("m.safetensors");
        write_checkpoint(&src, true);
        torch_to_safetensors(&src, &dest, &["w"], Some("state_dict")).unwrap();
        let back = candle_core::safetensors::load(&dest, &candle_core::Device::Cpu).unwrap();
        assert_eq!(back["w"].to_vec2::<f32>().unwrap()[1], vec![4., 5., 6.]);
        // Without the key the file holds no tensors at its top level.
        let err = torch_to_safetensors(&src, &dest, &["w"], None).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::BadInput, "{err}");
    }

    #[test]
    fn a_missing_tensor_is_named() {
        let dir = tempfile::TempDir::new().unwrap();
        let src = dir.path().join("m.pt");
        tiny_checkpoint(&src);
        let err = torch_to_safetensors(
            &src,
            &dir.path().join("o"),
            &["w", "head.conv1.weight"],
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("head.conv1.weight is missing"), "{err}");
    }

    #[test]
    fn a_damaged_file_is_a_clear_error() {
        let dir = tempfile::TempDir::new().unwrap();
        let src = dir.path().join("m.pt");
        tiny_checkpoint(&src);
        let bytes = std::fs::read(&src).unwrap();
        for cut in [0, 10, bytes.len() / 2, bytes.len() - 30] {
            std::fs::write(&src, &bytes[..cut]).unwrap();
            let err = torch_to_safetensors(&src, &dir.path().join("o"), &["w"], None).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::BadInput);
            assert!(err.to_string().contains("damaged"), "{err}");
        }
    }
}
