//! The model's part: one schema-constrained call per chunk, proposing action items
//! (with the words they came from), decisions and a note on the part. Nothing here is
//! trusted yet; grounding checks it against the transcript.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use inference::llm::{FinishReason, GenerateRequest, Llm, Message, Prompt, SamplingParams, Schema};
use serde::Deserialize;

use super::error::Result;
use super::repeats::RepeatWatch;

/// An action item as the model proposed it.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Proposed {
    pub quote: String,
    pub owner: String,
    pub task: String,
    pub due: String,
}

/// One chunk's answer.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Extraction {
    pub actions: Vec<Proposed>,
    pub decisions: Vec<String>,
    pub summary: String,
}

/// Token counts and times of the model calls.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    pub calls: usize,
    pub prompt_tokens: usize,
    pub cached_prompt_tokens: usize,
    pub completion_tokens: usize,
    pub prefill_s: f64,
    pub generate_s: f64,
    /// Answers cut off by the token limit (their complete items are kept).
    pub truncated: usize,
}

impl Usage {
    pub fn add(&mut self, out: &inference::llm::GenerateOutput) {
        self.calls += 1;
        self.prompt_tokens += out.prompt_tokens;
        self.cached_prompt_tokens += out.cached_prompt_tokens;
        self.completion_tokens += out.completion_tokens;
        self.prefill_s += out.prefill_s;
        self.generate_s += out.decode_s;
        if out.finish_reason == FinishReason::Length {
            self.truncated += 1;
        }
    }
}

/// Tokens kept for one chunk's answer.
pub const ANSWER_TOKENS: usize = 700;

/// Runs one chat prompt with a schema, greedy. Returns the text and the output stats.
/// A list the model starts to repeat is ended at the first copy (see [`RepeatWatch`]).
pub fn generate_json(
    llm: &Llm,
    prompt: &prompts::ChatPrompt,
    schema: Arc<Schema>,
    max_tokens: usize,
    cancel: Option<Arc<AtomicBool>>,
    usage: &mut Usage,
) -> Result<(String, FinishReason)> {
    let mut answers = generate_json_batch(
        llm,
        std::slice::from_ref(prompt),
        schema,
        max_tokens,
        cancel,
        usage,
    )?;
    Ok(answers.pop().unwrap_or((String::new(), FinishReason::Stop)))
}

/// [`generate_json`] for several prompts, decoded together (see
/// [`Llm::generate_batch`]): the answers in the prompts' order.
pub fn generate_json_batch(
    llm: &Llm,
    prompts: &[prompts::ChatPrompt],
    schema: Arc<Schema>,
    max_tokens: usize,
    cancel: Option<Arc<AtomicBool>>,
    usage: &mut Usage,
) -> Result<Vec<(String, FinishReason)>> {
    generate_json_batch_until(llm, prompts, schema, max_tokens, cancel, usage, &|_| false)
}

/// [`generate_json_batch`], each answer ended as soon as `settled(answer so far)` says
/// the rest cannot matter (`{"is_task": false` needs no owner or task): it is closed as
/// briefly as the schema allows, and its row leaves the batch's steps.
pub fn generate_json_batch_until(
    llm: &Llm,
    prompts: &[prompts::ChatPrompt],
    schema: Arc<Schema>,
    max_tokens: usize,
    cancel: Option<Arc<AtomicBool>>,
    usage: &mut Usage,
    settled: &dyn Fn(&str) -> bool,
) -> Result<Vec<(String, FinishReason)>> {
    // One flag of each kind per answer, raised from the text callback.
    let flags = || -> Vec<Arc<AtomicBool>> {
        prompts
            .iter()
            .map(|_| Arc::new(AtomicBool::new(false)))
            .collect()
    };
    let (close_arrays, finish_flags) = (flags(), flags());
    let requests: Vec<GenerateRequest> = prompts
        .iter()
        .zip(close_arrays.iter().zip(&finish_flags))
        .map(|(prompt, (close_array, finish_now))| GenerateRequest {
            prompt: Prompt::Chat(vec![
                Message::new("system", prompt.system.clone()),
                Message::new("user", prompt.user.clone()),
            ]),
            max_tokens,
            sampling: SamplingParams {
                temperature: 0.0,
                ..Default::default()
            },
            stop: Vec::new(),
            schema: Some(schema.clone()),
            cancel: cancel.clone(),
            ignore_eos: false,
            // Feeding the schema's text in the model's layout (`JumpForward::InLayout`)
            // saves steps but was measured on the development set and not taken.
            jump_forward: inference::llm::JumpForward::Off,
            close_array: Some(close_array.clone()),
            finish_now: Some(finish_now.clone()),
        })
        .collect();
    let mut watches: Vec<RepeatWatch> = prompts.iter().map(|_| RepeatWatch::default()).collect();
    let mut so_far = vec![String::new(); prompts.len()];
    let outputs = llm.generate_batch(&requests, &mut |i, piece| {
        if watches[i].push(piece) {
            tracing::info!("the model repeated a list element; the list is ended there");
            close_arrays[i].store(true, Ordering::Relaxed);
        }
        so_far[i].push_str(piece);
        if settled(&so_far[i]) {
            finish_flags[i].store(true, Ordering::Relaxed);
        }
    })?;
    let mut answers = Vec::with_capacity(outputs.len());
    for out in outputs {
        usage.add(&out);
        tracing::info!(
            prompt = out.prompt_tokens,
            cached = out.cached_prompt_tokens,
            generated = out.completion_tokens,
            prefill_s = out.prefill_s,
            decode_s = out.decode_s,
            decode_steps = out.decode_steps,
            batch = prompts.len(),
            finish = out.finish_reason.as_str(),
            "minutes call"
        );
        tracing::debug!("answer: {}", out.text);
        if out.finish_reason == FinishReason::Cancelled {
            return Err(super::error::MinutesError::Cancelled);
        }
        answers.push((out.text, out.finish_reason));
    }
    Ok(answers)
}

/// Splits `n` calls into batches of at most `most`, as even as they can be (so that
/// five calls under a limit of four run as three and two, not four and one).
pub fn batches(n: usize, most: usize) -> Vec<std::ops::Range<usize>> {
    if n == 0 {
        return Vec::new();
    }
    let count = n.div_ceil(most.max(1));
    let size = n.div_ceil(count);
    (0..n).step_by(size).map(|s| s..(s + size).min(n)).collect()
}

/// Reads a chunk's answer. A complete answer is valid against the schema; one cut off
/// by the token limit keeps the action items it finished.
pub fn parse(text: &str, finish: FinishReason) -> Extraction {
    let mut e = read(text, finish);
    // An item left blank where a repeated list was ended carries nothing.
    e.actions
        .retain(|a| !(a.quote.trim().is_empty() && a.task.trim().is_empty()));
    e
}

fn read(text: &str, finish: FinishReason) -> Extraction {
    if let Ok(e) = serde_json::from_str::<Extraction>(text) {
        return e;
    }
    if finish == FinishReason::Length {
        if let Some(repaired) = close_after_last_item(text) {
            if let Ok(e) = serde_json::from_str::<Extraction>(&repaired) {
                tracing::warn!(
                    "an answer was cut off by the token limit; {} complete action item(s) kept",
                    e.actions.len()
                );
                return e;
            }
        }
    }
    tracing::warn!("an answer could not be read and is skipped: {text:.200}");
    Extraction::default()
}

/// `{"actions":[{…},{…},{"quo` → `{"actions":[{…},{…}]}`: the prefix up to the last
/// complete element of the first array, closed.
fn close_after_last_item(text: &str) -> Option<String> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut last_end = None;
    for (i, b) in text.bytes().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 2 && b == b'}' {
                    last_end = Some(i + 1);
                }
                if depth < 2 {
                    // The array is closed: whatever follows was cut; keep up to here.
                    return Some(format!("{}}}", &text[..=i]));
                }
            }
            _ => {}
        }
    }
    let end = last_end?;
    Some(format!("{}]}}", &text[..end]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_even_and_cover_every_call() {
        assert!(batches(0, 4).is_empty());
        assert_eq!(batches(3, 4), vec![0..3]);
        assert_eq!(batches(5, 4), vec![0..3, 3..5]);
        assert_eq!(batches(8, 4), vec![0..4, 4..8]);
        assert_eq!(batches(9, 4), vec![0..3, 3..6, 6..9]);
        assert_eq!(batches(2, 0), vec![0..1, 1..2]);
    }

    #[test]
    fn a_cut_answer_keeps_its_complete_items() {
        let cut = r#"{"actions":[{"quote":"I'll send it","owner":"I","task":"send","due":"Friday"},{"quote":"and th"#;
        let e = parse(cut, FinishReason::Length);
        assert_eq!(e.actions.len(), 1);
        assert_eq!(e.actions[0].due, "Friday");
        let cut2 = r#"{"actions":[],"decisions":["go"],"summ"#;
        let e2 = parse(cut2, FinishReason::Length);
        assert!(e2.actions.is_empty());
        assert_eq!(parse("garbage", FinishReason::Stop), Extraction::default());
    }

    #[test]
    fn a_blank_item_is_not_an_item() {
        let e = parse(
            r#"{"actions":[{"quote":"I'll send it","owner":"I","task":"send","due":""},{"quote":"","owner":"","task":"","due":""}],"decisions":[],"summary":""}"#,
            FinishReason::SchemaComplete,
        );
        assert_eq!(e.actions.len(), 1);
    }

    #[test]
    fn a_complete_answer_is_read_whole() {
        let e = parse(
            r#"{"actions":[],"decisions":["Stop the trial"],"summary":"Carriers."}"#,
            FinishReason::SchemaComplete,
        );
        assert_eq!(e.decisions, ["Stop the trial"]);
        assert_eq!(e.summary, "Carriers.");
    }
}
