//! Shared by the LLM tests: where the installed models are.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use inference::llm::{Llm, LlmConfig};

/// The GGUF of an installed model (`MISHU_MODELS_DIR` or the default model directory).
/// Panics, so the test fails, when it is not installed.
pub fn model_path(name: &str) -> PathBuf {
    let dir = std::env::var_os("MISHU_MODELS_DIR").map(PathBuf::from);
    let store = models::ModelStore::open(dir).expect("model directory");
    match store.primary_path(name) {
        Ok(p) => p,
        Err(e) => {
            panic!("model {name} is needed by this test: {e} (run `mishu models fetch {name}`)")
        }
    }
}

/// SmolLM2-135M with a 2,048-token context, loaded fresh so that tests running in
/// parallel do not share (and disturb) one prompt cache.
pub fn smollm() -> Arc<Llm> {
    let config = LlmConfig {
        context: Some(2048),
        ..Default::default()
    };
    Arc::new(Llm::load(&model_path("smollm2-135m"), "smollm2-135m", &config).expect("load smollm2"))
}
