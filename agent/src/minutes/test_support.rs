//! What the minutes' unit tests share.

use super::transcript::{SpeakerRef, Utterance};

/// A line said by `speaker` (a name, as a transcript gives it), without times.
pub(super) fn utt(speaker: &str, text: &str) -> Utterance {
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
