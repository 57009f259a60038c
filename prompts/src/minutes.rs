//! The meeting-minutes pipeline's prompts: extraction per chunk of the transcript
//! (action items with the words they came from, decisions, a note on the part), a
//! second look at single lines the first reading may have passed over (one action item
//! or one decision each), and one summary of the whole meeting from the notes.

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

const REVIEW_SYSTEM: Template = template!("minutes/review_system.j2");
const REVIEW_USER: Template = template!("minutes/review_user.j2");
/// A second look's answer on one line: `is_task`, `owner`, `task`, `due`.
pub const REVIEW_SCHEMA: SchemaFile = schema!("minutes/review.schema.json");

const DECISION_SYSTEM: Template = template!("minutes/decision_system.j2");
const DECISION_USER: Template = template!("minutes/decision_user.j2");
/// A second look's answer on one line: `is_decision`, `decision`.
pub const DECISION_SCHEMA: SchemaFile = schema!("minutes/decision.schema.json");

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

/// One line of the transcript to look at again, with the lines around it
/// (`Speaker: words` each).
#[derive(Debug, Clone, Serialize)]
pub struct LineInput<'a> {
    pub before: &'a [String],
    pub line: &'a str,
    pub after: &'a [String],
    pub language_name: &'a str,
}

/// Whether `line` holds an action item (who, what, by when).
pub fn review(input: &LineInput<'_>) -> Result<ChatPrompt> {
    Ok(ChatPrompt {
        system: REVIEW_SYSTEM.render(serde_json::json!({}))?,
        user: REVIEW_USER.render(input)?,
    })
}

/// Whether `line` settles a decision (and the decision in one sentence).
pub fn decision(input: &LineInput<'_>) -> Result<ChatPrompt> {
    Ok(ChatPrompt {
        system: DECISION_SYSTEM.render(serde_json::json!({}))?,
        user: DECISION_USER.render(input)?,
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
    fn a_second_look_marks_its_line_between_the_others() {
        let before = ["Kenneth: Sandy, the allocation please.".to_string()];
        let after = ["Sandy: OK.".to_string(), "Kenneth: Thanks.".to_string()];
        let input = LineInput {
            before: &before,
            line: "Sandy: I'll redo it by Tuesday.",
            after: &after,
            language_name: "English",
        };
        for p in [review(&input).unwrap(), decision(&input).unwrap()] {
            assert!(
                p.user.starts_with(
                    "Kenneth: Sandy, the allocation please.\n>> Sandy: I'll redo it by Tuesday.\nSandy: OK.\nKenneth: Thanks."
                ),
                "{}",
                p.user
            );
            // Said again last, where a small model looks.
            assert!(
                p.user
                    .contains("\nThe marked line: Sandy: I'll redo it by Tuesday.\nIs "),
                "{}",
                p.user
            );
            assert!(p.user.ends_with("in English."), "{}", p.user);
        }
        assert!(review(&input).unwrap().system.contains("\"is_task\""));
        assert!(decision(&input).unwrap().system.contains("\"is_decision\""));
    }

    #[test]
    fn schemas_are_json_and_summary_lists_notes() {
        REVIEW_SCHEMA.json().unwrap();
        DECISION_SCHEMA.json().unwrap();
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
