//! A voiceprint from recordings: each file hashed (for the consent record) and decoded,
//! then the speaker model's enrolment (10–60 s of speech, one voice).

use std::io::Read;
use std::path::Path;

use inference::speakers::{enrol, CamPlusPlus, EnrolError, Enrolment};
use sha2::{Digest, Sha256};

use crate::directory::Person;
use crate::exit::BadInput;
use crate::store::voices::{NewVoiceprint, Recording};

/// What is stored for `person`'s `enrolment`: the voiceprint of the speaker model, its
/// seconds of speech to a tenth, and the consent record.
pub fn record<'a>(
    person: &'a Person,
    enrolment: &'a Enrolment,
    consent_by: &'a str,
    recorded_by: &'a str,
    recordings: &'a [Recording],
) -> NewVoiceprint<'a> {
    NewVoiceprint {
        person: &person.id,
        name: &person.name,
        model: models::catalogue::SPEAKER_MODEL,
        embedding: &enrolment.voiceprint,
        speech_s: (enrolment.speech_s * 10.0).round() / 10.0,
        consent_by,
        recorded_by,
        recordings,
        purpose: super::PURPOSE,
    }
}

/// A voiceprint from `files` as (name shown in the consent record, path). Bad audio,
/// too little speech and a second voice are [`BadInput`].
pub fn from_files(
    model: &CamPlusPlus,
    files: &[(String, &Path)],
) -> anyhow::Result<(Enrolment, Vec<Recording>)> {
    if files.is_empty() {
        return Err(BadInput("give at least one recording of the person speaking".into()).into());
    }
    let mut recordings = Vec::with_capacity(files.len());
    let mut audio = Vec::with_capacity(files.len());
    for (name, path) in files {
        let sha256 =
            sha256_file(path).map_err(|e| BadInput(format!("{name}: cannot read ({e})")))?;
        let decoded =
            inference::audio::decode_file(path).map_err(|e| BadInput(format!("{name}: {e}")))?;
        recordings.push(Recording {
            name: name.clone(),
            sha256,
        });
        audio.push(decoded.samples);
    }
    let slices: Vec<&[f32]> = audio.iter().map(Vec::as_slice).collect();
    let enrolment = enrol(model, &slices).map_err(|e| match e {
        EnrolError::Engine(e) => anyhow::Error::from(e),
        refused => BadInput(refused.to_string()).into(),
    })?;
    Ok((enrolment, recordings))
}

fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
    }
    Ok(hex::encode(hash.finalize()))
}
