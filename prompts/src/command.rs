//! The voice/text command pipeline's prompts: understanding one instruction.
//!
//! The system part (instructions and examples) is the same for every command, so the
//! LLM engine keeps it in its prefix cache; the user part is the instruction and the
//! time words and names the deterministic parser found in it. The model answers with
//! [`Answer`] (schema `command/answer.schema.json`): the intent, a short title, who must
//! do a task and the place. It never produces times or directory ids; code does.
//!
//! The constrained decoder holds the schema's `maxLength` (in characters); the caller
//! still trims the strings.

use serde::{Deserialize, Serialize};

use crate::{schema, template, ChatPrompt, Result, SchemaFile, Template};

pub const SYSTEM: Template = template!("command/system.j2");
pub const USER: Template = template!("command/user.j2");
pub const ANSWER_SCHEMA: SchemaFile = schema!("command/answer.schema.json");

/// One thing the parser found, shown to the model as `kind "text"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hint {
    /// `time`, `date`, `deadline`, `duration`, `repeat`, `person`, `department`, `speaker`.
    pub kind: &'static str,
    pub text: String,
}

/// What the model answers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Answer {
    pub intent: AnswerIntent,
    pub title: String,
    pub assignee: Option<String>,
    pub location: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerIntent {
    Event,
    Task,
    Reminder,
    None,
}

/// The chat prompt for one instruction.
pub fn prompt(text: &str, hints: &[Hint]) -> Result<ChatPrompt> {
    Ok(ChatPrompt {
        system: SYSTEM.render(serde_json::json!({}))?,
        user: USER.render(serde_json::json!({"text": text, "hints": hints}))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_part_does_not_depend_on_the_instruction() {
        let a = prompt("聽日三點同 Peter 開會", &[]).unwrap();
        let hint = Hint {
            kind: "person",
            text: "Amy".into(),
        };
        let b = prompt("Ask Amy to send the budget", &[hint]).unwrap();
        assert_eq!(a.system, b.system);
        assert_ne!(a.user, b.user);
        assert!(b.user.contains("person \"Amy\""), "{}", b.user);
        assert!(a.user.ends_with("Found: nothing"), "{}", a.user);
    }

    #[test]
    fn every_example_answer_matches_the_schema() {
        let schema = ANSWER_SCHEMA.json().unwrap();
        let intents: Vec<&str> = schema["properties"]["intent"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let system = SYSTEM.render(serde_json::json!({})).unwrap();
        let answers: Vec<&str> = system.lines().filter(|l| l.starts_with('{')).collect();
        assert!(answers.len() >= 8);
        for line in answers {
            let a: Answer = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            let intent = serde_json::to_value(a.intent).unwrap();
            assert!(intents.contains(&intent.as_str().unwrap()), "{line}");
        }
    }
}
