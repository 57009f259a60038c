//! The deterministic half of understanding: time words and directory names found in
//! the instruction, and the hints shown to the model.

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use prompts::command::Hint;

use crate::directory::{Directory, Mention, MentionKind};
use crate::timewords::{self, Span, Value};

/// Everything the parser found in one instruction.
#[derive(Debug, Clone)]
pub struct Slots {
    pub times: Vec<Span>,
    pub mentions: Vec<Mention>,
}

impl Slots {
    pub fn find(text: &str, now: DateTime<FixedOffset>, tz: Tz, directory: &Directory) -> Slots {
        Slots {
            times: timewords::find(text, now, tz),
            mentions: directory.find(text),
        }
    }

    /// What the model is shown, in the order of the text.
    pub fn hints(&self) -> Vec<Hint> {
        let mut hints: Vec<(usize, Hint)> = self
            .times
            .iter()
            .map(|s| {
                let kind = match s.value {
                    Value::DateTime(_) | Value::Interval { .. } => "time",
                    Value::Date(_) | Value::InvalidDate { .. } => "date",
                    Value::Deadline(_) => "deadline",
                    Value::Duration { .. } => "duration",
                    Value::Recurrence { .. } => "repeat",
                };
                (
                    s.start,
                    Hint {
                        kind,
                        text: s.text.clone(),
                    },
                )
            })
            .chain(self.mentions.iter().map(|m| {
                let kind = match m.kind {
                    MentionKind::Person(_) | MentionKind::AmbiguousPerson(_) => "person",
                    MentionKind::Department(_) => "department",
                    MentionKind::Speaker(_) => "speaker",
                };
                (
                    m.start,
                    Hint {
                        kind,
                        text: m.text.clone(),
                    },
                )
            }))
            .collect();
        hints.sort_by_key(|(start, _)| *start);
        hints.into_iter().map(|(_, h)| h).collect()
    }

    /// Ids of the people named, in order, each once.
    pub fn people(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = Vec::new();
        for m in &self.mentions {
            if let MentionKind::Person(id) = &m.kind {
                if !ids.contains(&id.as_str()) {
                    ids.push(id);
                }
            }
        }
        ids
    }

    /// Ids of the departments named, in order, each once.
    pub fn departments(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = Vec::new();
        for m in &self.mentions {
            if let MentionKind::Department(id) = &m.kind {
                if !ids.contains(&id.as_str()) {
                    ids.push(id);
                }
            }
        }
        ids
    }

    /// Names that several people share: (text, ids).
    pub fn ambiguous(&self) -> Vec<(&str, &[String])> {
        self.mentions
            .iter()
            .filter_map(|m| match &m.kind {
                MentionKind::AmbiguousPerson(ids) => Some((m.text.as_str(), ids.as_slice())),
                _ => None,
            })
            .collect()
    }

    /// Whether `start..end` of the text is covered by a time word or a name.
    pub fn covers(&self, start: usize, end: usize) -> bool {
        self.times
            .iter()
            .map(|s| (s.start, s.end))
            .chain(self.mentions.iter().map(|m| (m.start, m.end)))
            .any(|(s, e)| s <= start && end <= e)
    }
}

impl Slots {
    /// Whether `needle` is, wherever it appears in `text`, inside a time word or a name.
    pub fn covers_text(&self, text: &str, needle: &str) -> bool {
        let mut any = false;
        for (i, _) in text.match_indices(needle) {
            any = true;
            if !self.covers(i, i + needle.len()) {
                return false;
            }
        }
        any
    }
}
