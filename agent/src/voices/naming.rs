//! Naming a recording's speakers: each diarized speaker's centroid against the enrolled
//! voices (of the same speaker model), named only on a clear match, one person to one
//! speaker at most; the rest keep their label (`S1`).

use inference::speakers::voiceprint::candidates;
use inference::speakers::{name_speakers, Diarization, NamingOptions, EMBEDDING_DIM};
use serde::Serialize;
use serde_json::{json, Value};

use crate::speakers::label;
use crate::store::voices::Voiceprint;

/// The enrolled voices a recording's speakers may be named after.
#[derive(Debug, Clone, Default)]
pub struct KnownVoices {
    people: Vec<(String, String)>,
    prints: Vec<Vec<f32>>,
    options: NamingOptions,
}

impl KnownVoices {
    /// The stored voiceprints made by `model` (another model's embeddings do not compare).
    pub fn new(stored: Vec<Voiceprint>, model: &str) -> KnownVoices {
        let mut voices = KnownVoices::default();
        for v in stored {
            if v.model == model && v.embedding.len() == EMBEDDING_DIM {
                voices.people.push((v.person, v.name));
                voices.prints.push(v.embedding);
            } else {
                tracing::warn!(
                    "the voiceprint of {} was made by {}, not {model}: enrol them again",
                    v.person,
                    v.model
                );
            }
        }
        voices
    }

    /// With other naming thresholds (calibration).
    pub fn with_options(mut self, options: NamingOptions) -> KnownVoices {
        self.options = options;
        self
    }

    pub fn is_empty(&self) -> bool {
        self.prints.is_empty()
    }

    pub fn len(&self) -> usize {
        self.prints.len()
    }

    /// Each diarized speaker as a person (when their voice is recognised) or a label.
    pub fn speakers_of(&self, d: &Diarization) -> Vec<SegmentSpeaker> {
        let named = name_speakers(&d.centroids, &self.prints, &self.options);
        (0..d.speakers)
            .map(|s| match named.get(s).copied().flatten() {
                Some(m) => {
                    let (id, name) = &self.people[m.voice];
                    SegmentSpeaker::Person {
                        id: id.clone(),
                        name: name.clone(),
                    }
                }
                None => SegmentSpeaker::Label(label(s)),
            })
            .collect()
    }

    /// Each speaker's closest voices with their similarities (for tuning), best first.
    pub fn matches(&self, d: &Diarization, k: usize) -> Vec<Value> {
        d.centroids
            .iter()
            .map(|c| {
                json!(candidates(c, &self.prints, k)
                    .iter()
                    .map(|m| json!({"id": self.people[m.voice].0,
                                    "similarity": (f64::from(m.similarity) * 1000.0).round() / 1000.0}))
                    .collect::<Vec<_>>())
            })
            .collect()
    }
}

/// A segment's speaker in `transcribe --json`: `{"id", "name"}` for an enrolled voice,
/// the label string otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum SegmentSpeaker {
    Person { id: String, name: String },
    Label(String),
}

impl SegmentSpeaker {
    /// What subtitles show: the name, or the label.
    pub fn display(&self) -> &str {
        match self {
            SegmentSpeaker::Person { name, .. } => name,
            SegmentSpeaker::Label(l) => l,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use inference::speakers::Turn;

    fn print(axis: usize, person: &str, model: &str) -> Voiceprint {
        let mut embedding = vec![0.0; EMBEDDING_DIM];
        embedding[axis] = 1.0;
        Voiceprint {
            person: person.into(),
            name: format!("Name of {person}"),
            model: model.into(),
            speech_s: 20.0,
            enrolled_at: String::new(),
            consent_by: None,
            recorded_by: None,
            recordings: vec![],
            embedding,
        }
    }

    #[test]
    fn names_clear_matches_and_labels_the_rest() {
        let voices = KnownVoices::new(
            vec![
                print(0, "p001", "campplus-zh-en"),
                print(1, "p002", "campplus-zh-en"),
                print(2, "p009", "other-model"),
            ],
            "campplus-zh-en",
        );
        assert_eq!(voices.len(), 2);
        let mut a = vec![0.0; EMBEDDING_DIM];
        a[1] = 0.9;
        a[3] = 0.2;
        let mut b = vec![0.0; EMBEDDING_DIM];
        b[2] = 1.0;
        let d = Diarization {
            turns: vec![Turn {
                start: 0.0,
                end: 1.0,
                speaker: 0,
            }],
            speakers: 2,
            centroids: vec![a, b],
        };
        let speakers = voices.speakers_of(&d);
        assert_eq!(
            speakers,
            vec![
                SegmentSpeaker::Person {
                    id: "p002".into(),
                    name: "Name of p002".into()
                },
                SegmentSpeaker::Label("S2".into())
            ]
        );
        assert_eq!(
            serde_json::to_value(&speakers).unwrap(),
            json!([{"id": "p002", "name": "Name of p002"}, "S2"])
        );
        assert_eq!(voices.matches(&d, 1)[0][0]["id"], "p002");
    }
}
