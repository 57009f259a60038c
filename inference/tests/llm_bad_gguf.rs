//! A GGUF with a missing or damaged tensor is refused with an error naming the tensor.

mod common;

use candle_core::quantized::gguf_file;
use inference::llm::{Llm, LlmConfig};

fn load_err(path: &std::path::Path) -> inference::Error {
    match Llm::load(path, "broken", &LlmConfig::default()) {
        Ok(_) => panic!("a broken GGUF loaded"),
        Err(e) => e,
    }
}

#[test]
fn missing_tensor_is_named() {
    let src = common::model_path("smollm2-135m");
    let mut f = std::fs::File::open(&src).unwrap();
    let content = gguf_file::Content::read(&mut f).unwrap();
    let dropped = "blk.7.ffn_up.weight";
    let mut tensors = Vec::new();
    for name in content.tensor_infos.keys() {
        if name != dropped {
            tensors.push((
                name.clone(),
                content
                    .tensor(&mut f, name, &candle_core::Device::Cpu)
                    .unwrap(),
            ));
        }
    }
    let metadata: Vec<(&str, &gguf_file::Value)> = content
        .metadata
        .iter()
        .map(|(k, v)| (k.as_str(), v))
        .collect();
    let tensor_refs: Vec<(&str, &candle_core::quantized::QTensor)> =
        tensors.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.gguf");
    let mut out = std::fs::File::create(&path).unwrap();
    gguf_file::write(&mut out, &metadata, &tensor_refs).unwrap();
    drop(out);
    let err = load_err(&path);
    let msg = err.to_string();
    assert!(msg.contains(dropped) && msg.contains("missing"), "{msg}");
    assert_eq!(err.kind(), inference::ErrorKind::ModelMissing);
}

#[test]
fn truncated_file_names_the_first_tensor_cut_off() {
    let src = common::model_path("smollm2-135m");
    let bytes = std::fs::read(&src).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("truncated.gguf");
    std::fs::write(&path, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let msg = load_err(&path).to_string();
    assert!(
        msg.contains("tensor '") && msg.contains("truncated"),
        "{msg}"
    );
}

#[test]
fn not_a_gguf_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junk.gguf");
    std::fs::write(&path, b"this is not a model").unwrap();
    let msg = load_err(&path).to_string();
    assert!(msg.contains("junk.gguf") && msg.contains("GGUF"), "{msg}");
}
