//! Voiceprints and their consent record (biometric data under the PDPO). Enrolling
//! replaces a person's voiceprint and adds an entry to the consent record; removing
//! deletes the voiceprint and adds an entry saying who removed it and when. The record
//! is never edited.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{ids, now, Result, Store, StoreError};

/// A recording a voiceprint was made from, by file name and content hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recording {
    pub name: String,
    pub sha256: String,
}

/// What an enrolment stores.
#[derive(Debug, Clone)]
pub struct NewVoiceprint<'a> {
    pub person: &'a str,
    pub name: &'a str,
    pub model: &'a str,
    pub embedding: &'a [f32],
    pub speech_s: f64,
    /// Who gave consent (the person, or who consented on their behalf).
    pub consent_by: &'a str,
    /// Who recorded the enrolment (the operator or the API token).
    pub recorded_by: &'a str,
    pub recordings: &'a [Recording],
    pub purpose: &'a str,
}

/// A stored voiceprint with the consent it was enrolled under.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Voiceprint {
    pub person: String,
    pub name: String,
    pub model: String,
    pub speech_s: f64,
    pub enrolled_at: String,
    pub consent_by: Option<String>,
    pub recorded_by: Option<String>,
    pub recordings: Vec<Recording>,
    #[serde(skip)]
    pub embedding: Vec<f32>,
}

/// One entry of the consent record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsentEntry {
    pub id: String,
    pub person: String,
    /// `enrol` or `remove`.
    pub action: String,
    pub consent_by: Option<String>,
    pub recorded_by: String,
    pub recorded_at: String,
    pub recordings: Vec<Recording>,
    pub model: Option<String>,
    pub purpose: Option<String>,
}

impl Store {
    /// Stores a person's voiceprint, replacing any earlier one, and records the consent
    /// it was given under. True in the second value when one was replaced.
    pub async fn enrol_voice(&self, v: &NewVoiceprint<'_>) -> Result<(Voiceprint, bool)> {
        let embedding = serde_json::to_string(v.embedding)
            .map_err(|e| StoreError::Invalid(format!("voiceprint: {e}")))?;
        let recordings = serde_json::to_string(v.recordings)
            .map_err(|e| StoreError::Invalid(format!("recordings: {e}")))?;
        let consent_id = ids::new_id("vcon");
        let at = now();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO voice_consents (id, person, action, consent_by, recorded_by, \
             recorded_at, recordings, model, purpose) \
             VALUES ($1, $2, 'enrol', $3, $4, $5, $6, $7, $8)",
        )
        .bind(&consent_id)
        .bind(v.person)
        .bind(v.consent_by)
        .bind(v.recorded_by)
        .bind(&at)
        .bind(&recordings)
        .bind(v.model)
        .bind(v.purpose)
        .execute(&mut *tx)
        .await?;
        let replaced = sqlx::query("DELETE FROM voiceprints WHERE person = $1")
            .bind(v.person)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            > 0;
        sqlx::query(
            "INSERT INTO voiceprints (person, name, model, embedding, speech_s, consent_id, \
             enrolled_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(v.person)
        .bind(v.name)
        .bind(v.model)
        .bind(&embedding)
        .bind(v.speech_s)
        .bind(&consent_id)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((
            Voiceprint {
                person: v.person.to_string(),
                name: v.name.to_string(),
                model: v.model.to_string(),
                speech_s: v.speech_s,
                enrolled_at: at,
                consent_by: Some(v.consent_by.to_string()),
                recorded_by: Some(v.recorded_by.to_string()),
                recordings: v.recordings.to_vec(),
                embedding: v.embedding.to_vec(),
            },
            replaced,
        ))
    }

    /// Every stored voiceprint, by person id.
    pub async fn voiceprints(&self) -> Result<Vec<Voiceprint>> {
        let rows = sqlx::query(
            "SELECT v.person, v.name, v.model, v.embedding, v.speech_s, v.enrolled_at, \
             c.consent_by, c.recorded_by, c.recordings \
             FROM voiceprints v LEFT JOIN voice_consents c ON c.id = v.consent_id \
             ORDER BY v.person",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let person: String = row.try_get("person")?;
                let embedding: String = row.try_get("embedding")?;
                let recordings: Option<String> = row.try_get("recordings")?;
                Ok(Voiceprint {
                    embedding: serde_json::from_str(&embedding).map_err(|e| {
                        StoreError::Corrupt(format!("the voiceprint of {person}: {e}"))
                    })?,
                    recordings: parse_recordings(recordings.as_deref(), &person)?,
                    name: row.try_get("name")?,
                    model: row.try_get("model")?,
                    speech_s: row.try_get("speech_s")?,
                    enrolled_at: row.try_get("enrolled_at")?,
                    consent_by: row.try_get("consent_by")?,
                    recorded_by: row.try_get("recorded_by")?,
                    person,
                })
            })
            .collect()
    }

    /// Deletes a person's voiceprint and records who removed it. False when there was
    /// none (nothing is recorded then).
    pub async fn remove_voiceprint(&self, person: &str, recorded_by: &str) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let removed = sqlx::query("DELETE FROM voiceprints WHERE person = $1")
            .bind(person)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            > 0;
        if removed {
            sqlx::query(
                "INSERT INTO voice_consents (id, person, action, consent_by, recorded_by, \
                 recorded_at, recordings, model, purpose) \
                 VALUES ($1, $2, 'remove', NULL, $3, $4, '[]', NULL, NULL)",
            )
            .bind(ids::new_id("vcon"))
            .bind(person)
            .bind(recorded_by)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(removed)
    }

    /// A person's consent record, oldest first.
    pub async fn voice_consents(&self, person: &str) -> Result<Vec<ConsentEntry>> {
        let rows = sqlx::query(
            "SELECT id, person, action, consent_by, recorded_by, recorded_at, recordings, \
             model, purpose FROM voice_consents WHERE person = $1 ORDER BY recorded_at, id",
        )
        .bind(person)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let recordings: Option<String> = row.try_get("recordings")?;
                Ok(ConsentEntry {
                    recordings: parse_recordings(recordings.as_deref(), person)?,
                    id: row.try_get("id")?,
                    person: row.try_get("person")?,
                    action: row.try_get("action")?,
                    consent_by: row.try_get("consent_by")?,
                    recorded_by: row.try_get("recorded_by")?,
                    recorded_at: row.try_get("recorded_at")?,
                    model: row.try_get("model")?,
                    purpose: row.try_get("purpose")?,
                })
            })
            .collect()
    }
}

fn parse_recordings(text: Option<&str>, person: &str) -> Result<Vec<Recording>> {
    match text {
        None => Ok(Vec::new()),
        Some(t) => serde_json::from_str(t).map_err(|e| {
            StoreError::Corrupt(format!("the consent record of {person}: recordings: {e}"))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn enrol_replace_and_remove_keep_the_consent_record() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&Store::default_url(dir.path())).await.unwrap();
        let recordings = [Recording {
            name: "amy.wav".into(),
            sha256: "ab".repeat(32),
        }];
        let new = |speech_s, consent_by| NewVoiceprint {
            person: "p001",
            name: "Amy Wong",
            model: "campplus-zh-en",
            embedding: &[0.6, 0.8],
            speech_s,
            consent_by,
            recorded_by: "hr",
            recordings: &recordings,
            purpose: "naming speakers",
        };
        let (_, replaced) = store.enrol_voice(&new(12.5, "Amy Wong")).await.unwrap();
        assert!(!replaced);
        let (_, replaced) = store
            .enrol_voice(&new(30.0, "Amy Wong (again)"))
            .await
            .unwrap();
        assert!(replaced);
        let all = store.voiceprints().await.unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].speech_s, 30.0);
        assert_eq!(all[0].embedding, vec![0.6, 0.8]);
        assert_eq!(all[0].consent_by.as_deref(), Some("Amy Wong (again)"));
        assert_eq!(all[0].recordings, recordings);
        assert!(store.remove_voiceprint("p001", "admin").await.unwrap());
        assert!(!store.remove_voiceprint("p001", "admin").await.unwrap());
        assert!(store.voiceprints().await.unwrap().is_empty());
        let record = store.voice_consents("p001").await.unwrap();
        let actions: Vec<&str> = record.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["enrol", "enrol", "remove"]);
        assert_eq!(record[0].recordings, recordings);
        assert_eq!(record[2].recorded_by, "admin");
    }
}
