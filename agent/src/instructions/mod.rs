//! Voice and text instructions to calendar events, tasks and reminders (INTERFACES.md
//! `command --json`), reading top to bottom as the data flows:
//!
//! 1. [`slots`]: the deterministic parser finds the time words, people, departments and
//!    speaker words;
//! 2. [`model`]: the LLM, shown those as hints, answers the intent, a short title, a
//!    task's assignee and the place (schema-constrained JSON, fixed prompt prefix cached);
//!    [`fallback`] answers by rules when there is no model or it fails or times out;
//! 3. [`check`]: code checks the answer — people only from the directory and only those
//!    named in the text, times only from parsed spans ([`schedule`]'s default rules for
//!    what was not said), places only as written — and builds the [`Understood`] object.

pub mod check;
pub mod fallback;
pub mod model;
pub mod schedule;
pub mod slots;

use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use inference::llm::Llm;
use serde::Serialize;

use crate::directory::Directory;
pub use check::{Ambiguous, Duplicate, Intent, PersonRef, Understood};
pub use model::ModelTiming;
use slots::Slots;

/// Longest instruction accepted, in characters: a spoken or typed command, not a document.
pub const MAX_CHARS: usize = 2000;

/// How long the model may take before the rules answer instead.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(8);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InstructionError {
    #[error("the instruction is empty")]
    Empty,
    #[error("the instruction is {chars} characters long; a command is at most {MAX_CHARS}")]
    TooLong { chars: usize },
}

/// One instruction and what it is read against.
pub struct Request<'a> {
    pub text: &'a str,
    pub now: DateTime<FixedOffset>,
    pub tz: Tz,
    pub directory: &'a Directory,
}

/// Who answered, and how long each part took.
#[derive(Debug, Clone, Serialize)]
pub struct Trace {
    /// The model's name, or `rules` when the fallback answered.
    pub understood_by: String,
    /// Why the model did not answer, when it did not.
    pub model_error: Option<String>,
    pub model: Option<ModelTiming>,
    pub seconds: f64,
}

/// Understands one instruction. `llm: None` uses the rules alone.
pub fn understand(
    req: &Request,
    llm: Option<&Llm>,
    timeout: Duration,
) -> Result<(Understood, Trace), InstructionError> {
    let t0 = Instant::now();
    let text = req.text.trim();
    if text.is_empty() {
        return Err(InstructionError::Empty);
    }
    let chars = text.chars().count();
    if chars > MAX_CHARS {
        return Err(InstructionError::TooLong { chars });
    }
    let slots = Slots::find(text, req.now, req.tz, req.directory);
    let (answer, understood_by, model_error, timing) = match llm {
        None => (
            fallback::answer(text, &slots),
            "rules".to_string(),
            None,
            None,
        ),
        Some(llm) => match model::ask(llm, text, &slots.hints(), timeout) {
            Ok((answer, timing)) => (answer, llm.name().to_string(), None, Some(timing)),
            Err(e) => {
                tracing::warn!("the rules answer instead of the model: {e}");
                (
                    fallback::answer(text, &slots),
                    "rules".to_string(),
                    Some(e.to_string()),
                    None,
                )
            }
        },
    };
    let understood = check::build(text, req, &slots, answer);
    Ok((
        understood,
        Trace {
            understood_by,
            model_error,
            model: timing,
            seconds: t0.elapsed().as_secs_f64(),
        },
    ))
}
