//! `mishu generate`: run the local LLM directly — for people trying a model, demos and
//! benchmarks. Streams the text to stdout, or prints one JSON document with `--json`.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use inference::llm::{
    GenerateRequest, JumpForward, Llm, LlmConfig, Message, Prompt, SamplingParams, Schema,
};
use models::ModelStore;
use serde::Serialize;

use crate::cli::{GenerateArgs, GlobalArgs, JumpForwardArg};
use crate::exit::BadInput;

#[derive(Serialize)]
struct Report<'a> {
    model: &'a str,
    text: &'a str,
    prompt_tokens: usize,
    completion_tokens: usize,
    cached_prompt_tokens: usize,
    load_s: f64,
    prefill_s: f64,
    decode_s: f64,
    prefill_tokens_per_s: f64,
    decode_tokens_per_s: f64,
    decode_steps: usize,
    finish_reason: &'a str,
}

pub fn run(global: &GlobalArgs, args: GenerateArgs) -> anyhow::Result<()> {
    let temperature_ok = args.temperature.is_finite() && args.temperature >= 0.0;
    let top_p_ok = args.top_p > 0.0 && args.top_p <= 1.0;
    if !temperature_ok || !top_p_ok {
        return Err(BadInput("--temperature must be ≥ 0 and --top-p in (0, 1]".into()).into());
    }
    if args.max_tokens == 0 {
        return Err(BadInput("--max-tokens must be at least 1".into()).into());
    }
    let schema = match &args.schema {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| BadInput(format!("{}: {e}", path.display())))?;
            let schema =
                Schema::parse(&text).map_err(|e| BadInput(format!("{}: {e}", path.display())))?;
            Some(Arc::new(schema))
        }
    };
    let (path, name) = model_path(global, &args.model)?;

    let t0 = Instant::now();
    let config = LlmConfig {
        context: args.context,
        ..Default::default()
    };
    let llm = Llm::load(&path, &name, &config)
        .with_context(|| format!("cannot load the model {}", path.display()))?;
    let load_s = t0.elapsed().as_secs_f64();
    tracing::info!("loaded {name} from {} in {load_s:.2} s", path.display());

    let prompt = if args.raw {
        Prompt::Raw(args.prompt.clone())
    } else {
        let mut messages = Vec::new();
        if let Some(system) = &args.system {
            messages.push(Message::new("system", system.clone()));
        }
        messages.push(Message::new("user", args.prompt.clone()));
        Prompt::Chat(messages)
    };
    let req = GenerateRequest {
        prompt,
        max_tokens: args.max_tokens,
        sampling: SamplingParams {
            temperature: args.temperature,
            top_k: args.top_k,
            top_p: args.top_p,
            repetition_penalty: args.repeat_penalty,
            seed: args.seed,
            ..Default::default()
        },
        stop: args.stop.clone(),
        schema,
        cancel: None,
        ignore_eos: args.ignore_eos,
        jump_forward: match args.jump_forward {
            JumpForwardArg::Off => JumpForward::Off,
            JumpForwardArg::Compact => JumpForward::Compact,
            JumpForwardArg::Layout => JumpForward::InLayout,
        },
        close_array: None,
        finish_now: None,
    };

    let stream = !args.json;
    let mut stdout = std::io::stdout().lock();
    let out = llm.generate(&req, &mut |piece| {
        if stream {
            // A closed pipe should not stop the generation; the error shows at the end.
            let _ = stdout.write_all(piece.as_bytes());
            let _ = stdout.flush();
        }
    })?;
    tracing::info!(
        "{} prompt tokens ({} cached) in {:.2} s ({:.1} tok/s), {} tokens in {:.2} s ({:.1} tok/s), {}",
        out.prompt_tokens,
        out.cached_prompt_tokens,
        out.prefill_s,
        out.prefill_tokens_per_s,
        out.completion_tokens,
        out.decode_s,
        out.decode_tokens_per_s,
        out.finish_reason.as_str()
    );
    if args.json {
        let report = Report {
            model: &name,
            text: &out.text,
            prompt_tokens: out.prompt_tokens,
            completion_tokens: out.completion_tokens,
            cached_prompt_tokens: out.cached_prompt_tokens,
            load_s: round(load_s),
            prefill_s: round(out.prefill_s),
            decode_s: round(out.decode_s),
            prefill_tokens_per_s: round(out.prefill_tokens_per_s),
            decode_tokens_per_s: round(out.decode_tokens_per_s),
            decode_steps: out.decode_steps,
            finish_reason: out.finish_reason.as_str(),
        };
        serde_json::to_writer(&mut stdout, &report)?;
    }
    writeln!(stdout)?;
    Ok(())
}

fn round(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// A model name from the store, or the path of a `.gguf` file.
fn model_path(global: &GlobalArgs, model: &str) -> anyhow::Result<(PathBuf, String)> {
    let as_path = PathBuf::from(model);
    if model.ends_with(".gguf") || model.contains('/') {
        let name = as_path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| model.to_string());
        return Ok((as_path, name));
    }
    let store = ModelStore::open(global.models_dir.clone())?;
    Ok((store.primary_path(model)?, model.to_string()))
}
