//! The model's half: intent, title, assignee and place, as JSON constrained by the
//! answer schema, within a time limit.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, OnceLock};
use std::time::{Duration, Instant};

use inference::llm::{FinishReason, GenerateRequest, Llm, Message, Prompt, SamplingParams, Schema};
use prompts::command::{Answer, Hint, ANSWER_SCHEMA};

/// Enough for the longest sensible answer (a 60-character title and a place).
const MAX_ANSWER_TOKENS: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("the model took longer than {0:?}")]
    TimedOut(Duration),
    #[error("the model failed: {0}")]
    Engine(#[from] inference::Error),
    #[error("the prompt: {0}")]
    Prompt(#[from] prompts::PromptError),
    #[error("the model's answer is not the expected JSON ({error}): {text}")]
    Answer { error: String, text: String },
}

/// How the model's part went.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ModelTiming {
    pub prompt_tokens: usize,
    pub cached_prompt_tokens: usize,
    pub completion_tokens: usize,
    pub seconds: f64,
}

fn schema() -> Result<Arc<Schema>, ModelError> {
    static SCHEMA: OnceLock<Arc<Schema>> = OnceLock::new();
    if let Some(s) = SCHEMA.get() {
        return Ok(s.clone());
    }
    let s = Arc::new(Schema::parse(ANSWER_SCHEMA.text())?);
    Ok(SCHEMA.get_or_init(|| s).clone())
}

/// Asks `llm` about one instruction; gives up (cancels the generation) after `timeout`.
pub fn ask(
    llm: &Llm,
    text: &str,
    hints: &[Hint],
    timeout: Duration,
) -> Result<(Answer, ModelTiming), ModelError> {
    let t0 = Instant::now();
    let chat = prompts::command::prompt(text, hints)?;
    let cancel = Arc::new(AtomicBool::new(false));
    let req = GenerateRequest {
        prompt: Prompt::Chat(vec![
            Message::new("system", chat.system),
            Message::new("user", chat.user),
        ]),
        max_tokens: MAX_ANSWER_TOKENS,
        sampling: SamplingParams {
            temperature: 0.0,
            ..Default::default()
        },
        stop: Vec::new(),
        schema: Some(schema()?),
        cancel: Some(cancel.clone()),
        ignore_eos: false,
        jump_forward: inference::llm::JumpForward::Compact,
        close_array: None,
        finish_now: None,
    };
    let (done, wait) = mpsc::channel::<()>();
    let watcher = std::thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(timeout) {
            cancel.store(true, Ordering::Relaxed);
        }
    });
    let out = llm.generate(&req, &mut |_| {});
    drop(done);
    let _ = watcher.join();
    let out = out?;
    if out.finish_reason == FinishReason::Cancelled {
        return Err(ModelError::TimedOut(timeout));
    }
    let answer: Answer = serde_json::from_str(&out.text).map_err(|e| ModelError::Answer {
        error: e.to_string(),
        text: out.text.clone(),
    })?;
    tracing::debug!(answer = %out.text, cached = out.cached_prompt_tokens, "model answer");
    Ok((
        answer,
        ModelTiming {
            prompt_tokens: out.prompt_tokens,
            cached_prompt_tokens: out.cached_prompt_tokens,
            completion_tokens: out.completion_tokens,
            seconds: t0.elapsed().as_secs_f64(),
        },
    ))
}
