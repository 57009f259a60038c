//! The BERT shape of a model, from the `config.json` beside its weights (its head
//! count, for one, cannot be read off the tensors).

use std::path::Path;

use candle_transformers::models::bert::Config;

pub fn load(dir: &Path) -> Result<Config, String> {
    let path = dir.join("config.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read it: {e}"))?;
    let config: Config =
        serde_json::from_str(&text).map_err(|e| format!("not a BERT config: {e}"))?;
    if config.num_attention_heads == 0
        || !config
            .hidden_size
            .is_multiple_of(config.num_attention_heads)
    {
        return Err(format!(
            "{} heads do not divide a hidden size of {}",
            config.num_attention_heads, config.hidden_size
        ));
    }
    Ok(config)
}
