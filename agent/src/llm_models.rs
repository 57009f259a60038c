//! LLMs loaded once per process and shared: the minutes and commands pipelines, the
//! CLI and the service all ask here, so a 1 GB model is in memory once however many
//! callers use it. A model stays loaded while anyone holds it and for the life of the
//! process after (loading takes seconds; memory is the price).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use inference::llm::{Llm, LlmConfig};
use models::ModelStore;

fn loaded() -> &'static Mutex<HashMap<PathBuf, Arc<Llm>>> {
    static LOADED: OnceLock<Mutex<HashMap<PathBuf, Arc<Llm>>>> = OnceLock::new();
    LOADED.get_or_init(Default::default)
}

/// The model `name` from the store in `models_dir` (`None`: the default store), loaded
/// on first use. A missing model is a `models::Error` whose message says which
/// `mishu models fetch` installs it (exit code 3).
pub fn shared(models_dir: Option<PathBuf>, name: &str) -> anyhow::Result<Arc<Llm>> {
    let store = ModelStore::open(models_dir)?;
    let path = store.primary_path(name)?;
    let mut map = loaded().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(llm) = map.get(&path) {
        return Ok(llm.clone());
    }
    let t0 = std::time::Instant::now();
    let llm = Arc::new(Llm::load(&path, name, &LlmConfig::default())?);
    tracing::info!("loaded {name} in {:.2} s", t0.elapsed().as_secs_f64());
    map.insert(path, llm.clone());
    Ok(llm)
}
