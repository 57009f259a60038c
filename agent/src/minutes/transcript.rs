//! The meeting as the pipeline reads it: utterances in order, each with its speaker
//! (when known) and its times (when the input had them). Read from a `.txt` of
//! `Speaker: text` lines or from the JSON of `mishu transcribe`.

use serde_json::Value;

use super::error::{MinutesError, Result};

/// Who spoke an utterance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpeakerRef {
    /// An enrolled voice or a name: the directory id when known, and the name.
    Person { id: Option<String>, name: String },
    /// A label for a voice found but not recognised (`S1`).
    Label(String),
}

impl SpeakerRef {
    pub fn name(&self) -> &str {
        match self {
            SpeakerRef::Person { name, .. } => name,
            SpeakerRef::Label(l) => l,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Utterance {
    pub speaker: Option<SpeakerRef>,
    pub text: String,
    /// Seconds from the start of the recording, when known.
    pub start: Option<f64>,
    pub end: Option<f64>,
}

impl Utterance {
    /// The line the model reads: `Speaker: text`, or the text alone.
    pub fn line(&self) -> String {
        self.line_saying(&self.text)
    }

    /// The line with `text` (part of what was said) in place of the whole.
    pub fn line_saying(&self, text: &str) -> String {
        match &self.speaker {
            Some(s) => format!("{}: {}", s.name(), text),
            None => text.to_string(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Transcript {
    pub utterances: Vec<Utterance>,
    /// The language Whisper reported, when the input came from it.
    pub language: Option<String>,
    /// The recording's length, when known.
    pub duration_s: Option<f64>,
}

impl Transcript {
    pub fn has_speakers(&self) -> bool {
        self.utterances.iter().any(|u| u.speaker.is_some())
    }

    pub fn text_len(&self) -> usize {
        self.utterances.iter().map(|u| u.text.len()).sum()
    }
}

/// Most characters a speaker name may have before a colon; longer, the colon is text.
const MAX_SPEAKER_CHARS: usize = 40;

/// A transcript of `Speaker: text` lines. A line without a speaker continues the
/// previous speaker's utterance; with no speaker before it, it is an utterance of its
/// own (a transcript without any speakers is one utterance a line). `name` is for
/// messages.
pub fn from_text(text: &str, name: &str) -> Result<Transcript> {
    let mut utterances: Vec<Utterance> = Vec::new();
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        match split_speaker(line) {
            Some((speaker, words)) => utterances.push(Utterance {
                speaker: Some(SpeakerRef::Person {
                    id: None,
                    name: speaker.to_string(),
                }),
                text: words.to_string(),
                start: None,
                end: None,
            }),
            None => match utterances.last_mut() {
                Some(last) if last.speaker.is_some() => {
                    last.text.push(' ');
                    last.text.push_str(line);
                }
                _ => utterances.push(Utterance {
                    speaker: None,
                    text: line.to_string(),
                    start: None,
                    end: None,
                }),
            },
        }
    }
    utterances.retain(|u| has_words(&u.text));
    if utterances.is_empty() {
        return Err(MinutesError::BadInput(format!(
            "{name}: the transcript is empty (no words to write minutes from)"
        )));
    }
    Ok(Transcript {
        utterances,
        language: None,
        duration_s: None,
    })
}

/// Punctuation and dashes alone are no words to write minutes from.
fn has_words(text: &str) -> bool {
    text.chars().any(char::is_alphanumeric)
}

/// `Peter Chan: text` or `陳大文：text` → (speaker, text).
pub(crate) fn split_speaker(line: &str) -> Option<(&str, &str)> {
    let (at, colon_len) = [':', '：']
        .iter()
        .filter_map(|c| line.find(*c).map(|i| (i, c.len_utf8())))
        .min()?;
    let speaker = line[..at].trim();
    let chars = speaker.chars().count();
    if speaker.is_empty()
        || chars > MAX_SPEAKER_CHARS
        || speaker.chars().all(|c| c.is_ascii_digit())
        || speaker.contains("http")
        || (speaker.ends_with(|c: char| c.is_ascii_digit())
            && line[at + colon_len..].starts_with(|c: char| c.is_ascii_digit()))
    {
        return None;
    }
    Some((speaker, line[at + colon_len..].trim()))
}

/// The JSON of `mishu transcribe --json`: segments with `start`, `end`, `text` and
/// `speaker` (null, a label, or `{"id", "name"}`).
pub fn from_transcribe_json(doc: &Value, name: &str) -> Result<Transcript> {
    let bad = |what: String| MinutesError::BadInput(format!("{name}: {what}"));
    let segments = doc
        .get("segments")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("no \"segments\" array: not the JSON of `mishu transcribe`".into()))?;
    let mut utterances = Vec::new();
    for (i, seg) in segments.iter().enumerate() {
        let text = seg
            .get("text")
            .and_then(Value::as_str)
            .ok_or_else(|| bad(format!("segments[{i}].text is missing or not a string")))?
            .trim()
            .to_string();
        let time = |key: &str| -> Result<Option<f64>> {
            match seg.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => v
                    .as_f64()
                    .filter(|t| t.is_finite() && *t >= 0.0)
                    .map(Some)
                    .ok_or_else(|| bad(format!("segments[{i}].{key} is not a time in seconds"))),
            }
        };
        let speaker = match seg.get("speaker") {
            None | Some(Value::Null) => None,
            Some(Value::String(label)) if !label.trim().is_empty() => {
                Some(SpeakerRef::Label(label.trim().to_string()))
            }
            Some(Value::Object(o)) => {
                let name = o.get("name").and_then(Value::as_str).unwrap_or("").trim();
                let id = o.get("id").and_then(Value::as_str).map(str::to_string);
                if name.is_empty() && id.is_none() {
                    return Err(bad(format!(
                        "segments[{i}].speaker has neither id nor name"
                    )));
                }
                Some(SpeakerRef::Person {
                    name: if name.is_empty() {
                        id.clone().unwrap_or_default()
                    } else {
                        name.to_string()
                    },
                    id,
                })
            }
            Some(other) => {
                return Err(bad(format!(
                "segments[{i}].speaker must be null, a label or {{\"id\", \"name\"}}, not {other}"
            )))
            }
        };
        if !has_words(&text) {
            continue;
        }
        utterances.push(Utterance {
            speaker,
            text,
            start: time("start")?,
            end: time("end")?,
        });
    }
    if utterances.is_empty() {
        return Err(bad(
            "the transcript is empty (no words to write minutes from)".into(),
        ));
    }
    Ok(Transcript {
        utterances: merge_same_speaker(utterances),
        language: doc
            .get("language")
            .and_then(Value::as_str)
            .map(str::to_string),
        duration_s: doc.get("duration_s").and_then(Value::as_f64),
    })
}

/// Whisper cuts speech into ~30 s pieces; consecutive pieces of one known speaker are
/// one turn. Pieces without a speaker stay apart (they may be anyone's).
fn merge_same_speaker(utterances: Vec<Utterance>) -> Vec<Utterance> {
    let mut out: Vec<Utterance> = Vec::with_capacity(utterances.len());
    for u in utterances {
        if let Some(last) = out.last_mut() {
            if u.speaker.is_some() && last.speaker == u.speaker && last.text.len() < 600 {
                last.text.push(' ');
                last.text.push_str(&u.text);
                last.end = u.end.or(last.end);
                continue;
            }
        }
        out.push(u);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speaker_lines_in_both_colons_and_continuations() {
        let t = from_text(
            "Peter Chan: Budget first.\n\n陳大文：好。\n  and a second line\nNote 12:30 is lunch",
            "m.txt",
        )
        .unwrap();
        assert_eq!(t.utterances.len(), 2);
        assert_eq!(
            t.utterances[0].speaker.as_ref().unwrap().name(),
            "Peter Chan"
        );
        assert_eq!(
            t.utterances[1].text,
            "好。 and a second line Note 12:30 is lunch"
        );
    }

    #[test]
    fn lines_without_speakers_stay_apart() {
        let t = from_text(
            "I will send the quote by Friday.\nWe should update the CRM.\n\nAmy: Fine.\nand more",
            "plain.txt",
        )
        .unwrap();
        assert!(t.has_speakers());
        let texts: Vec<&str> = t.utterances.iter().map(|u| u.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "I will send the quote by Friday.",
                "We should update the CRM.",
                "Fine. and more"
            ]
        );
        assert_eq!(t.utterances[0].speaker, None);
        let none = from_text("first line\nsecond line", "none.txt").unwrap();
        assert!(!none.has_speakers());
        assert_eq!(none.utterances.len(), 2);
    }

    #[test]
    fn an_empty_transcript_is_bad_input() {
        let err = from_text("  \n\n", "empty.txt").unwrap_err();
        assert!(err.to_string().contains("empty.txt"), "{err}");
        let err = from_text("...\n---\nAmy: …\n", "dots.txt").unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
        let err = from_transcribe_json(&serde_json::json!({"segments": []}), "t.json").unwrap_err();
        assert!(matches!(err, MinutesError::BadInput(_)));
    }

    #[test]
    fn transcribe_json_keeps_times_and_speakers() {
        let doc = serde_json::json!({"language": "en", "segments": [
            {"start": 0.0, "end": 2.0, "text": "Hello", "speaker": {"id": "p001", "name": "Chan Tai Man"}},
            {"start": 2.0, "end": 3.0, "text": "again", "speaker": {"id": "p001", "name": "Chan Tai Man"}},
            {"start": 3.0, "end": 4.0, "text": "Hi", "speaker": "S2"},
            {"start": 4.0, "end": 5.0, "text": "x", "speaker": null}]});
        let t = from_transcribe_json(&doc, "t.json").unwrap();
        assert_eq!(t.utterances.len(), 3);
        assert_eq!(t.utterances[0].text, "Hello again");
        assert_eq!(t.utterances[0].end, Some(3.0));
        assert_eq!(
            t.utterances[1].speaker,
            Some(SpeakerRef::Label("S2".into()))
        );
        assert_eq!(t.language.as_deref(), Some("en"));
        let bad = serde_json::json!({"segments": [{"text": 3}]});
        assert!(from_transcribe_json(&bad, "b.json")
            .unwrap_err()
            .to_string()
            .contains("segments[0].text"));
    }
}
