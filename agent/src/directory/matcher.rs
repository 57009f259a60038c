//! Finding names in text with one Aho-Corasick automaton over every name form.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::model::{Department, Person};
use super::normalize::simplified;

/// Who the speaker words point at; the caller knows who is speaking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    Me,
    We,
}

impl Speaker {
    pub fn as_str(self) -> &'static str {
        match self {
            Speaker::Me => "me",
            Speaker::We => "we",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MentionKind {
    /// A person's directory id.
    Person(String),
    /// A name that several people share: all their ids.
    AmbiguousPerson(Vec<String>),
    /// A department's directory id.
    Department(String),
    Speaker(Speaker),
}

/// A name found in text; `start`/`end` are byte offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub kind: MentionKind,
}

const SPEAKER_WORDS: [(&str, Speaker); 9] = [
    ("me", Speaker::Me),
    ("I", Speaker::Me),
    ("myself", Speaker::Me),
    ("我", Speaker::Me),
    ("we", Speaker::We),
    ("我哋", Speaker::We),
    ("我地", Speaker::We),
    ("我們", Speaker::We),
    ("我们", Speaker::We),
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    People(Vec<String>),
    Department(String),
    Speaker(Speaker),
}

#[derive(Debug)]
pub(super) struct Matcher {
    automaton: Option<AhoCorasick>,
    forms: Vec<String>,
    targets: Vec<Target>,
    /// Matched with its exact case: `I` (not the `i` of `i.e.`), acronyms (`IT`, not `it`).
    exact_case: Vec<bool>,
}

impl Matcher {
    pub fn new(people: &[Person], departments: &[Department]) -> Self {
        let mut m = Matcher {
            automaton: None,
            forms: Vec::new(),
            targets: Vec::new(),
            exact_case: Vec::new(),
        };
        for p in people {
            m.add(&p.name, Target::People(vec![p.id.clone()]), false);
            for alias in &p.aliases {
                m.add(alias, Target::People(vec![p.id.clone()]), false);
            }
        }
        for d in departments {
            for name in &d.names {
                m.add(name, Target::Department(d.id.clone()), false);
            }
        }
        for (word, speaker) in SPEAKER_WORDS {
            m.add(word, Target::Speaker(speaker), word == "I");
        }
        m.automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&m.forms)
            .ok();
        m
    }

    /// Adds one name form. A form already taken keeps its first owner, except that a name
    /// several people share becomes ambiguous between them.
    fn add(&mut self, form: &str, target: Target, exact_case: bool) {
        let form = simplified(form.trim());
        if form.is_empty() {
            return;
        }
        if let Some(i) = self
            .forms
            .iter()
            .position(|f| f.eq_ignore_ascii_case(&form))
        {
            if let (Target::People(ids), Target::People(new)) = (&mut self.targets[i], target) {
                for id in new {
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
            }
            return;
        }
        // Acronyms (`IT`, `HR`) are ordinary words in lower case (`it`): match their case.
        let acronym = form.len() <= 5 && form.bytes().all(|b| b.is_ascii_uppercase());
        self.forms.push(form);
        self.targets.push(target);
        self.exact_case.push(exact_case || acronym);
    }

    pub fn find(&self, text: &str) -> Vec<Mention> {
        let Some(automaton) = &self.automaton else {
            return Vec::new();
        };
        let normalized = simplified(text);
        let mut candidates: Vec<(usize, usize, usize)> = automaton
            .find_overlapping_iter(&normalized)
            .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
            .filter(|&(start, end, _)| whole_word(text, start, end))
            .filter(|&(start, end, p)| {
                !self.exact_case[p] || normalized[start..end] == self.forms[p]
            })
            .collect();
        // Leftmost first, then longest.
        candidates.sort_by_key(|&(start, end, _)| (start, std::cmp::Reverse(end)));
        let mut found = Vec::new();
        let mut next_free = 0;
        for (start, end, pattern) in candidates {
            if start < next_free {
                continue;
            }
            next_free = end;
            found.push(Mention {
                start,
                end,
                text: text[start..end].to_string(),
                kind: self.kind(pattern),
            });
        }
        found
    }

    fn kind(&self, pattern: usize) -> MentionKind {
        match &self.targets[pattern] {
            Target::People(ids) if ids.len() == 1 => MentionKind::Person(ids[0].clone()),
            Target::People(ids) => MentionKind::AmbiguousPerson(ids.clone()),
            Target::Department(id) => MentionKind::Department(id.clone()),
            Target::Speaker(s) => MentionKind::Speaker(*s),
        }
    }
}

/// Latin names match whole words only: `Ann` is not in `Annual`.
fn whole_word(text: &str, start: usize, end: usize) -> bool {
    let bytes = text.as_bytes();
    let starts_latin = bytes.get(start).is_some_and(|b| b.is_ascii_alphanumeric());
    let ends_latin = end > 0
        && bytes
            .get(end - 1)
            .is_some_and(|b| b.is_ascii_alphanumeric());
    let before_ok = !starts_latin || start == 0 || !bytes[start - 1].is_ascii_alphanumeric();
    let after_ok = !ends_latin || bytes.get(end).is_none_or(|b| !b.is_ascii_alphanumeric());
    before_ok && after_ok
}
