//! The LLM proposes, code verifies. An action item is kept only when the words it
//! quotes are in the transcript (near the part it came from); its owner is the speaker
//! ("I'll…", "我嚟…"), a directory person named near those words, or nobody ("we",
//! a name not in the directory) with what was said kept; its due date is what the
//! time-word parser makes of the due words said there, never a date the model wrote.

use chrono::{DateTime, Duration, FixedOffset};
use chrono_tz::Tz;

use super::chunks::Chunk;
use super::extract::Proposed;
use super::text::{coverage, longest_common, normalize, units};
use super::transcript::{SpeakerRef, Utterance};
use crate::directory::{Directory, MentionKind};
use crate::timewords::{self, Value, When};

/// A person of the directory (or an enrolled voice).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PersonRef {
    pub id: String,
    pub name: String,
}

/// An action item that passed the checks.
#[derive(Debug, Clone, PartialEq)]
pub struct Grounded {
    pub task: String,
    pub owner: Option<PersonRef>,
    pub owner_text: String,
    pub due: Option<String>,
    /// The utterance its words are in.
    pub source: usize,
    /// The words, as said.
    pub quote: String,
}

/// The meeting's fixed facts grounding needs.
pub struct Context<'a> {
    pub utterances: &'a [Utterance],
    /// Each utterance's speaker, resolved against the directory.
    pub speakers: Vec<Option<PersonRef>>,
    pub directory: &'a Directory,
    pub now: DateTime<FixedOffset>,
    pub tz: Tz,
}

/// Utterances either side of the quoted one where the owner's name or the due words
/// may have been said ("Fiona, can you…" / "Sure, by Friday").
const OWNER_WINDOW: usize = 3;
const DUE_WINDOW: usize = 2;
/// How much of a quote must be found in one utterance.
const MIN_COVERAGE: f64 = 0.75;

impl<'a> Context<'a> {
    pub fn new(
        utterances: &'a [Utterance],
        directory: &'a Directory,
        now: DateTime<FixedOffset>,
        tz: Tz,
    ) -> Context<'a> {
        let speakers = utterances
            .iter()
            .map(|u| {
                u.speaker
                    .as_ref()
                    .and_then(|s| resolve_speaker(s, directory))
            })
            .collect();
        Context {
            utterances,
            speakers,
            directory,
            now,
            tz,
        }
    }

    /// Checks one proposed item from `chunk`; `None` when it is not backed by the
    /// transcript.
    pub fn ground(&self, p: &Proposed, chunk: &Chunk) -> Option<Grounded> {
        let task = p.task.trim();
        if task.is_empty() {
            return None;
        }
        let Some((source, exact)) = self.locate(&p.quote, chunk) else {
            tracing::info!(
                "dropped an action item whose words are not in the transcript: {:?}",
                p.quote
            );
            return None;
        };
        let quote = if exact {
            p.quote.trim().to_string()
        } else {
            self.utterances[source].text.clone()
        };
        let (mut owner, mut owner_text) = self.owner(p.owner.trim(), source);
        // "We should all…", "please submit…": words that ask a group give the task to
        // nobody in particular, unless the owner is named right there.
        if let Some(o) = &owner {
            let named_there = self
                .directory
                .find(&self.utterances[source].text)
                .iter()
                .any(|m| matches!(&m.kind, MentionKind::Person(p) if *p == o.id));
            if asks_a_group(&quote) && !named_there {
                owner = None;
                owner_text = group_words(&quote).unwrap_or_default();
            }
        }
        let due = self.due(p.due.trim(), &quote, source);
        Some(Grounded {
            task: task.to_string(),
            owner,
            owner_text,
            due,
            source,
            quote,
        })
    }

    /// The utterance (in or next to the chunk) holding the quote, and whether it is
    /// there word for word.
    fn locate(&self, quote: &str, chunk: &Chunk) -> Option<(usize, bool)> {
        let q = normalize(quote);
        let q_units = units(quote);
        if q_units.len() < 2 && q.chars().count() < 3 {
            return None;
        }
        let from = chunk.first.saturating_sub(1);
        let to = (chunk.last + 1).min(self.utterances.len() - 1);
        let mut best: Option<(usize, f64)> = None;
        for i in from..=to {
            // The model may copy the speaker's name with the words.
            let text = &self.utterances[i].line();
            let n = normalize(text);
            if n.contains(&q) {
                return Some((i, true));
            }
            let cov = coverage(&q_units, &units(text));
            let run = longest_common(&q, &n) as f64 / q.chars().count().max(1) as f64;
            let score = cov.min(run + 0.4);
            if cov >= MIN_COVERAGE && run >= 0.35 && best.is_none_or(|(_, s)| score > s) {
                best = Some((i, score));
            }
        }
        best.map(|(i, _)| (i, false))
    }

    fn owner(&self, said: &str, source: usize) -> (Option<PersonRef>, String) {
        let speaker_name = || {
            self.utterances[source]
                .speaker
                .as_ref()
                .map(|s| s.name().to_string())
        };
        let lower = said.to_lowercase();
        if said.is_empty() {
            return (None, String::new());
        }
        if is_self(&lower) {
            return match &self.speakers[source] {
                Some(p) => (Some(p.clone()), said.to_string()),
                None => (None, speaker_name().unwrap_or_else(|| said.to_string())),
            };
        }
        if is_group(&lower) {
            return (None, said.to_string());
        }
        let people: Vec<String> = self
            .directory
            .find(said)
            .into_iter()
            .filter_map(|m| match m.kind {
                MentionKind::Person(id) => Some(id),
                _ => None,
            })
            .collect();
        let [id] = people.as_slice() else {
            return (None, said.to_string());
        };
        // The model may name anyone; keep the person only if they spoke or were named
        // near the quoted words.
        let from = source.saturating_sub(OWNER_WINDOW);
        let to = (source + OWNER_WINDOW).min(self.utterances.len() - 1);
        let near = (from..=to).any(|i| {
            self.speakers[i].as_ref().is_some_and(|p| &p.id == id)
                || self
                    .directory
                    .find(&self.utterances[i].text)
                    .iter()
                    .any(|m| matches!(&m.kind, MentionKind::Person(p) if p == id))
        });
        if !near {
            tracing::info!("owner {said:?} is not named near the quoted words; left unassigned");
            return (None, said.to_string());
        }
        let person = self.directory.person(id).map(|p| PersonRef {
            id: p.id.clone(),
            name: p.name.clone(),
        });
        (person, said.to_string())
    }

    /// The due date: the time words the model names, if they were said near the
    /// quote; or, when it names none, a deadline in the quoted words themselves.
    fn due(&self, said: &str, quote: &str, source: usize) -> Option<String> {
        if said.is_empty() {
            let spans = timewords::find(quote, self.now, self.tz);
            return spans
                .iter()
                .find(|s| matches!(s.value, Value::Deadline(_)))
                .or_else(|| {
                    spans
                        .iter()
                        .find(|s| matches!(s.value, Value::Date(_) | Value::DateTime(_)))
                })
                .and_then(|s| self.render_due(&s.value));
        }
        let value = timewords::find(said, self.now, self.tz)
            .into_iter()
            .find_map(|s| self.render_due(&s.value))?;
        let from = source.saturating_sub(DUE_WINDOW);
        let to = (source + DUE_WINDOW).min(self.utterances.len() - 1);
        let said_norm = normalize(said);
        for i in from..=to {
            let text = &self.utterances[i].text;
            if normalize(text).contains(&said_norm) {
                return Some(value);
            }
            let again = timewords::find(text, self.now, self.tz)
                .iter()
                .any(|s| self.render_due(&s.value).as_deref() == Some(value.as_str()));
            if again {
                return Some(value);
            }
        }
        tracing::info!("due words {said:?} were not said near the item; no due date");
        None
    }

    /// A due value as `YYYY-MM-DD` or RFC 3339; `None` for what is not a due date
    /// (a past day, an impossible date).
    fn render_due(&self, value: &Value) -> Option<String> {
        let when = match value {
            Value::Deadline(w) => *w,
            Value::Date(d) => When::Date(*d),
            Value::DateTime(t) => When::DateTime(*t),
            Value::Interval { end, .. } => *end,
            Value::Recurrence { first, .. } => *first,
            Value::Duration { minutes } => {
                let at = self.now + Duration::minutes(i64::from(*minutes));
                if *minutes >= 24 * 60 {
                    When::Date(at.with_timezone(&self.tz).date_naive())
                } else {
                    When::DateTime(at)
                }
            }
            Value::InvalidDate { .. } => return None,
        };
        let today = self.now.with_timezone(&self.tz).date_naive();
        let day = match when {
            When::Date(d) => d,
            When::DateTime(t) => t.with_timezone(&self.tz).date_naive(),
        };
        (day >= today).then(|| when.render())
    }
}

/// The speaker as a directory person: an enrolled voice's id, or a name looked up.
pub fn resolve_speaker(s: &SpeakerRef, directory: &Directory) -> Option<PersonRef> {
    match s {
        SpeakerRef::Person { id: Some(id), name } => Some(match directory.person(id) {
            Some(p) => PersonRef {
                id: p.id.clone(),
                name: p.name.clone(),
            },
            None => PersonRef {
                id: id.clone(),
                name: name.clone(),
            },
        }),
        SpeakerRef::Person { id: None, name } | SpeakerRef::Label(name) => {
            let ids: Vec<String> = directory
                .find(name)
                .into_iter()
                .filter_map(|m| match m.kind {
                    MentionKind::Person(id) => Some(id),
                    _ => None,
                })
                .collect();
            match ids.as_slice() {
                [id] => directory.person(id).map(|p| PersonRef {
                    id: p.id.clone(),
                    name: p.name.clone(),
                }),
                _ => None,
            }
        }
    }
}

/// Words that give a task to a group, and none that take it on oneself.
fn asks_a_group(quote: &str) -> bool {
    group_words(quote).is_some() && !says_i(quote)
}

fn group_words(quote: &str) -> Option<String> {
    const WORDS: &[&str] = &[
        "we",
        "let's",
        "lets",
        "us",
        "everyone",
        "everybody",
        "all",
        "each",
        "please",
        "you",
    ];
    const CJK: &[&str] = &[
        "我哋", "我地", "我們", "我们", "大家", "各自", "每個", "每个", "各位", "請", "请",
    ];
    let lower = quote.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .collect();
    WORDS
        .iter()
        .find(|w| words.contains(w))
        .map(|w| w.to_string())
        .or_else(|| {
            CJK.iter()
                .find(|w| quote.contains(*w))
                .map(|w| w.to_string())
        })
}

/// "I", "I'll", "me", "my", or 我 not followed by 哋/地/們/们.
fn says_i(quote: &str) -> bool {
    let lower = quote.to_lowercase();
    let latin = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .any(|w| {
            matches!(
                w,
                "i" | "i'll" | "i'm" | "i've" | "i'd" | "me" | "my" | "myself"
            )
        });
    let chars: Vec<char> = quote.chars().collect();
    let cjk = chars
        .iter()
        .enumerate()
        .any(|(i, &c)| c == '我' && !chars.get(i + 1).is_some_and(|n| "哋地們们".contains(*n)));
    latin || cjk
}

fn is_self(lower: &str) -> bool {
    matches!(
        lower,
        "i" | "me"
            | "myself"
            | "i'll"
            | "speaker"
            | "the speaker"
            | "我"
            | "我自己"
            | "本人"
            | "自己"
    )
}

fn is_group(lower: &str) -> bool {
    const GROUP: &[&str] = &[
        "we",
        "us",
        "everyone",
        "everybody",
        "all",
        "we all",
        "all of us",
        "each",
        "team",
        "the team",
        "let's",
        "everyone else",
        "each of us",
        "我哋",
        "我地",
        "我們",
        "我们",
        "大家",
        "各位",
        "每個人",
        "每个人",
        "各自",
        "我哋各自",
        "全部人",
        "大家一齊",
        "大家一起",
    ];
    GROUP.contains(&lower)
        || lower.starts_with("we ")
        || lower.starts_with("all ")
        || lower.starts_with("我哋")
        || lower.starts_with("我們")
        || lower.starts_with("我们")
        || lower.starts_with("大家")
        || lower.starts_with("每個")
        || lower.starts_with("每个")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directory() -> Directory {
        Directory::from_json(
            r#"{"people":[
              {"id":"p001","name":"Chan Tai Man","aliases":["陳大文","大文","Peter"]},
              {"id":"p002","name":"Wong Mei Ling","aliases":["Amy"]},
              {"id":"p003","name":"Lee Ka Kit","aliases":["Ken"]}]}"#,
        )
        .unwrap()
    }

    fn utt(speaker: &str, text: &str) -> Utterance {
        Utterance {
            speaker: Some(SpeakerRef::Person {
                id: None,
                name: speaker.into(),
            }),
            text: text.into(),
            start: None,
            end: None,
        }
    }

    fn proposed(quote: &str, owner: &str, due: &str) -> Proposed {
        Proposed {
            quote: quote.into(),
            owner: owner.into(),
            task: "do it".into(),
            due: due.into(),
        }
    }

    #[test]
    fn checks_quotes_owners_and_dues() {
        let dir = directory();
        let us = vec![
            utt("Peter", "Amy, can you send the deck to the client?"),
            utt("Amy", "Sure, I'll send it by Friday."),
            utt("大文", "我聽日覆你。"),
            utt("Ken", "We should all clean the CRM."),
        ];
        let now = DateTime::parse_from_rfc3339("2026-11-24T10:00:00+08:00").unwrap();
        let ctx = Context::new(&us, &dir, now, chrono_tz::Asia::Hong_Kong);
        let chunk = Chunk {
            first: 0,
            last: 3,
            text: String::new(),
        };
        let g = ctx
            .ground(
                &proposed("I'll send it by Friday", "I", "by Friday"),
                &chunk,
            )
            .unwrap();
        assert_eq!(g.owner.unwrap().id, "p002");
        assert_eq!(g.due.as_deref(), Some("2026-11-27"));
        assert_eq!(g.source, 1);

        let named = ctx
            .ground(&proposed("send the deck", "Amy", ""), &chunk)
            .unwrap();
        assert_eq!(named.owner.unwrap().id, "p002");

        let cantonese = ctx
            .ground(&proposed("我聽日覆你", "我", "聽日"), &chunk)
            .unwrap();
        assert_eq!(cantonese.owner.unwrap().id, "p001");
        assert_eq!(cantonese.due.as_deref(), Some("2026-11-25"));

        let asked = ctx
            .ground(&proposed("We should all clean the CRM", "Ken", ""), &chunk)
            .unwrap();
        assert!(asked.owner.is_none(), "the speaker asks everyone");
        assert_eq!(asked.owner_text, "we");
        let we = ctx
            .ground(&proposed("clean the CRM", "we", ""), &chunk)
            .unwrap();
        assert!(we.owner.is_none());
        assert_eq!(we.owner_text, "we");

        assert!(ctx
            .ground(&proposed("book the venue in Macau", "Ken", ""), &chunk)
            .is_none());
        let invented_due = ctx
            .ground(&proposed("clean the CRM", "we", "next Monday"), &chunk)
            .unwrap();
        assert_eq!(invented_due.due, None, "due words nobody said");
        let stranger = ctx
            .ground(&proposed("clean the CRM", "Chan Tai Man", ""), &chunk)
            .unwrap();
        assert_eq!(
            stranger.owner.map(|p| p.id).as_deref(),
            Some("p001"),
            "大文 spoke nearby"
        );
    }
}
