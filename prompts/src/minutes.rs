//! The meeting-minutes pipeline's prompts: extraction per chunk of the transcript
//! (action items with the words they came from, decisions, a note on the part), and
//! one summary of the whole meeting from those notes.

use serde::Serialize;

use crate::{schema, template, ChatPrompt, Result, SchemaFile, Template};

const EXTRACT_SYSTEM: Template = template!("minutes/extract_system.j2");
const EXTRACT_USER: Template = template!("minutes/extract_user.j2");
/// What one chunk's extraction must answer: `actions` (quote, owner, task, due),
/// `decisions`, `summary`.
pub const EXTRACT_SCHEMA: SchemaFile = schema!("minutes/extract.schema.json");

const SUMMARY_SYSTEM: Template = template!("minutes/summary_system.j2");
const SUMMARY_USER: Template = template!("minutes/summary_user.j2");
/// The summary's answer: `{"summary": "…"}`.
pub const SUMMARY_SCHEMA: SchemaFile = schema!("minutes/summary.schema.json");

/// One chunk of a transcript to extract from.
#[derive(Debug, Clone, Serialize)]
pub struct ExtractInput<'a> {
    /// `Speaker: words` lines.
    pub transcript: &'a str,
    /// 1-based.
    pub part: usize,
    pub part_count: usize,
    /// How the answer's language is named to the model ("English", "繁體中文（粵語）").
    pub language_name: &'a str,
}

/// The fixed system part is the same for every chunk, so the engine keeps it cached.
pub fn extract(input: &ExtractInput<'_>) -> Result<ChatPrompt> {
    Ok(ChatPrompt {
        system: EXTRACT_SYSTEM.render(serde_json::json!({}))?,
        user: EXTRACT_USER.render(input)?,
    })
}

/// The notes of every part and the decisions, for the whole meeting's summary.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryInput<'a> {
    pub notes: &'a [String],
    pub decisions: &'a [String],
    pub language_name: &'a str,
}

pub fn summary(input: &SummaryInput<'_>) -> Result<ChatPrompt> {
    Ok(ChatPrompt {
        system: SUMMARY_SYSTEM.render(serde_json::json!({}))?,
        user: SUMMARY_USER.render(input)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extraction_prompt_carries_the_transcript_and_part() {
        let p = extract(&ExtractInput {
            transcript: "Amy: I'll send it by Friday.",
            part: 2,
            part_count: 3,
            language_name: "English",
        })
        .unwrap();
        assert!(p.user.contains("Part 2 of 3"));
        assert!(p.user.contains("Amy: I'll send it by Friday."));
        assert!(p.system.contains("\"quote\""));
        let single = extract(&ExtractInput {
            part: 1,
            part_count: 1,
            ..ExtractInput {
                transcript: "x",
                part: 1,
                part_count: 1,
                language_name: "English",
            }
        })
        .unwrap();
        assert!(!single.user.contains("Part"));
    }

    #[test]
    fn schemas_are_json_and_summary_lists_notes() {
        EXTRACT_SCHEMA.json().unwrap();
        SUMMARY_SCHEMA.json().unwrap();
        let p = summary(&SummaryInput {
            notes: &["budget".into(), "hiring".into()],
            decisions: &["cap at 4%".into()],
            language_name: "English",
        })
        .unwrap();
        assert!(p.user.contains("1. budget") && p.user.contains("2. hiring"));
        assert!(p.user.contains("- cap at 4%"));
    }
}
