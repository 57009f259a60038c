//! What a generation asks for and what it returns, and the bookkeeping of the text it
//! produces: streaming only whole characters, and holding back text that may turn out
//! to be the start of a stop string.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use serde::Serialize;

use crate::llm::chat_template::Message;
use crate::llm::constrained::Schema;
use crate::llm::sampling::SamplingParams;

/// The input: chat messages (rendered with the model's template) or raw prompt text.
#[derive(Debug, Clone)]
pub enum Prompt {
    Chat(Vec<Message>),
    Raw(String),
}

/// Whether, under a schema, the text the schema dictates is fed to the model in one
/// step instead of one token per step. Feeding several tokens costs far less than one
/// step each, and the model is not asked about text it has no choice over.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum JumpForward {
    /// Every token is the model's.
    #[default]
    Off,
    /// The dictated text is written compactly (`","title":"`): for short answers whose
    /// format the prompt shows compact. A model that would lay the JSON out over lines
    /// may answer differently when made to write it compactly.
    Compact,
    /// The dictated text is written in the layout the model has used so far in the
    /// document (`",\n    "title": "`); a gap whose layout the model has not shown yet is
    /// left to the model. The model's answer stays what it would have written.
    InLayout,
}

#[derive(Clone)]
pub struct GenerateRequest {
    pub prompt: Prompt,
    pub max_tokens: usize,
    pub sampling: SamplingParams,
    /// Generation stops before any of these strings; they are not part of the text.
    pub stop: Vec<String>,
    /// Constrain the output to JSON valid against this schema.
    pub schema: Option<Arc<Schema>>,
    /// Set to true (from any thread) to stop generating after the current token.
    pub cancel: Option<Arc<AtomicBool>>,
    /// Never stop at an end-of-sequence token (benchmarks that need a fixed length).
    pub ignore_eos: bool,
    /// With a schema: feed the text the schema dictates (`","title":"`) in one step
    /// instead of one step per token (see [`JumpForward`]).
    pub jump_forward: JumpForward,
    /// With a schema: set to true (typically from the text callback, on seeing the
    /// model repeat itself) to end the array being written at once — the element under
    /// way finished as briefly as the schema allows, then `]`. The decoder clears it and
    /// generation goes on after the array.
    pub close_array: Option<Arc<AtomicBool>>,
    /// Set to true (typically from the text callback, once the answer so far settles
    /// all the caller needs) to end the answer before the next token; with a schema the
    /// document is closed as briefly as the schema allows. The finish reason is `stop`.
    pub finish_now: Option<Arc<AtomicBool>>,
}

impl GenerateRequest {
    pub fn chat(messages: Vec<Message>) -> GenerateRequest {
        GenerateRequest {
            prompt: Prompt::Chat(messages),
            max_tokens: 256,
            sampling: SamplingParams::default(),
            stop: Vec::new(),
            schema: None,
            cancel: None,
            ignore_eos: false,
            jump_forward: JumpForward::Off,
            close_array: None,
            finish_now: None,
        }
    }

    pub fn raw(text: impl Into<String>) -> GenerateRequest {
        GenerateRequest {
            prompt: Prompt::Raw(text.into()),
            ..GenerateRequest::chat(Vec::new())
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// A stop token or stop string.
    Stop,
    /// `max_tokens` reached, or the context is full.
    Length,
    /// The JSON document required by the schema is complete.
    SchemaComplete,
    /// The caller cancelled.
    Cancelled,
}

impl FinishReason {
    pub fn as_str(self) -> &'static str {
        match self {
            FinishReason::Stop => "stop",
            FinishReason::Length => "length",
            FinishReason::SchemaComplete => "schema_complete",
            FinishReason::Cancelled => "cancelled",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct GenerateOutput {
    pub text: String,
    /// The generated token ids (the stop token, if any, excluded).
    pub tokens: Vec<u32>,
    pub prompt_tokens: usize,
    /// Prompt tokens whose keys/values were reused from an earlier call.
    pub cached_prompt_tokens: usize,
    pub completion_tokens: usize,
    pub prefill_s: f64,
    pub decode_s: f64,
    /// Prompt tokens actually run per second of prefill.
    pub prefill_tokens_per_s: f64,
    /// Model steps per second while decoding.
    pub decode_tokens_per_s: f64,
    /// Model steps while decoding: fewer than the tokens generated when the text a
    /// schema dictates was fed several tokens a step.
    pub decode_steps: usize,
    /// Seconds spent computing constrained-decoding masks (included in decode_s).
    pub mask_s: f64,
    pub finish_reason: FinishReason,
}

/// The generated bytes, and how much of them has been handed to the stream.
pub(crate) struct TextTracker {
    bytes: Vec<u8>,
    emitted: usize,
    stop: Vec<String>,
}

impl TextTracker {
    pub fn new(stop: &[String]) -> TextTracker {
        TextTracker {
            bytes: Vec::new(),
            emitted: 0,
            stop: stop.iter().filter(|s| !s.is_empty()).cloned().collect(),
        }
    }

    pub fn push(&mut self, token_bytes: &[u8]) {
        self.bytes.extend_from_slice(token_bytes);
    }

    /// The byte offset of the first stop string, if one has appeared.
    pub fn stop_at(&self) -> Option<usize> {
        // Only the tail can hold a new match; search a window that covers the longest
        // stop string plus the latest token.
        let longest = self.stop.iter().map(|s| s.len()).max()?;
        let from = self.emitted.saturating_sub(longest);
        let hay = &self.bytes[from..];
        self.stop
            .iter()
            .filter_map(|s| find(hay, s.as_bytes()).map(|i| from + i))
            .min()
    }

    /// Truncates the text at a stop string.
    pub fn cut(&mut self, at: usize) {
        self.bytes.truncate(at);
    }

    /// New text safe to stream: whole UTF-8 characters that cannot be the start of a
    /// stop string. With `flush`, everything left.
    pub fn take_ready(&mut self, flush: bool) -> Option<String> {
        let len = self.bytes.len();
        let mut end = len;
        if !flush {
            // Hold back a tail that is a prefix of a stop string.
            for s in &self.stop {
                let s = s.as_bytes();
                for k in (1..s.len().min(len - self.emitted + 1)).rev() {
                    if self.bytes[len - k..] == s[..k] {
                        end = end.min(len - k);
                        break;
                    }
                }
            }
            // Hold back an incomplete UTF-8 character.
            end = self.emitted + valid_utf8_prefix(&self.bytes[self.emitted..end]);
        }
        if end <= self.emitted {
            return None;
        }
        let s = String::from_utf8_lossy(&self.bytes[self.emitted..end]).into_owned();
        self.emitted = end;
        Some(s)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Length of the longest prefix that does not end inside a UTF-8 character.
fn valid_utf8_prefix(b: &[u8]) -> usize {
    match std::str::from_utf8(b) {
        Ok(_) => b.len(),
        Err(e) if e.error_len().is_none() => e.valid_up_to(),
        // Invalid bytes in the middle: emit them (as U+FFFD) rather than stall.
        Err(_) => b.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_back_possible_stop_prefix_and_cuts_at_stop() {
        let mut t = TextTracker::new(&["END".to_string()]);
        t.push(b"hello E");
        assert_eq!(t.take_ready(false).as_deref(), Some("hello "));
        t.push(b"N");
        assert_eq!(t.take_ready(false), None);
        t.push(b"D more");
        let at = t.stop_at().unwrap();
        t.cut(at);
        assert_eq!(t.take_ready(true), None);
        assert_eq!(t.text(), "hello ");
    }

    #[test]
    fn streams_whole_characters_only() {
        let mut t = TextTracker::new(&[]);
        let s = "會".as_bytes();
        t.push(&s[..2]);
        assert_eq!(t.take_ready(false), None);
        t.push(&s[2..]);
        assert_eq!(t.take_ready(false).as_deref(), Some("會"));
    }
}
