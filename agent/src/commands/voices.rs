//! `mishu voices enroll | list | remove`: voiceprints of directory people in the
//! service's database, each with its consent record; and the enrolled voices that
//! `transcribe`, `diarize` and `minutes` name speakers by.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use models::catalogue::SPEAKER_MODEL;
use models::ModelStore;
use serde_json::json;

use crate::cli::{GlobalArgs, VoicesCommand};
use crate::directory::Directory;
use crate::exit::BadInput;
use crate::server::config::Config;
use crate::store::voices::Voiceprint;
use crate::store::Store;
use crate::voices::{self, KnownVoices};

pub fn run(global: &GlobalArgs, cmd: VoicesCommand) -> anyhow::Result<()> {
    match cmd {
        VoicesCommand::Enroll {
            person,
            audio,
            consent_by,
            directory,
            data,
            json,
        } => enroll(global, &person, &audio, consent_by, directory, data, json),
        VoicesCommand::List { data, json } => list(data, json),
        VoicesCommand::Remove { person, data, json } => remove(&person, data, json),
    }
}

/// The service's database, opened (and created) in a runtime of its own.
struct Database {
    runtime: tokio::runtime::Runtime,
    store: Store,
}

impl Database {
    fn open(data: Option<PathBuf>) -> anyhow::Result<Database> {
        let data = super::serve::data_dir(data)?;
        let config = Config::load(&data, std::env::vars()).map_err(|e| BadInput(e.to_string()))?;
        std::fs::create_dir_all(&data)
            .with_context(|| format!("cannot create the data directory {}", data.display()))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        let store = runtime.block_on(Store::open(&config.database_url()))?;
        Ok(Database { runtime, store })
    }

    fn directory(&self) -> anyhow::Result<Directory> {
        match self.runtime.block_on(self.store.directory())? {
            Some(v) => Directory::from_json(&v.document)
                .with_context(|| format!("the stored directory (version {})", v.version)),
            None => Ok(Directory::default()),
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        self.runtime.block_on(self.store.close());
    }
}

/// The operating-system user running the command: who recorded the enrolment.
fn operator() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .ok()
        .filter(|u| !u.trim().is_empty())
        .map_or_else(|| "unknown operator".into(), |u| format!("{u} (mishu CLI)"))
}

fn enroll(
    global: &GlobalArgs,
    person: &str,
    audio: &[PathBuf],
    consent_by: Option<String>,
    directory: Option<PathBuf>,
    data: Option<PathBuf>,
    json: bool,
) -> anyhow::Result<()> {
    let db = Database::open(data)?;
    let directory = match &directory {
        Some(path) => Directory::load(path)
            .map_err(|e| BadInput(e.to_string()))
            .with_context(|| format!("--directory {}", path.display()))?,
        None => db.directory()?,
    };
    let person = voices::resolve_person(&directory, person).map_err(BadInput)?;
    if consent_by.as_deref().is_some_and(|c| c.trim().is_empty()) {
        return Err(BadInput("--consent-by must name who gave consent".into()).into());
    }
    let consent_by = consent_by.map_or_else(|| person.name.clone(), |c| c.trim().to_string());
    let store = ModelStore::open(global.models_dir.clone())?;
    let model = inference::speakers::CamPlusPlus::load(&store.primary_path(SPEAKER_MODEL)?)?;
    let files: Vec<(String, &Path)> = audio
        .iter()
        .map(|p| {
            let name = p
                .file_name()
                .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into());
            (name, p.as_path())
        })
        .collect();
    let (enrolment, recordings) = voices::enrol::from_files(&model, &files)?;
    let recorded_by = operator();
    let (stored, replaced) = db
        .runtime
        .block_on(db.store.enrol_voice(&voices::enrol::record(
            person,
            &enrolment,
            &consent_by,
            &recorded_by,
            &recordings,
        )))?;
    if json {
        let mut doc = serde_json::to_value(&stored)?;
        doc["replaced"] = json!(replaced);
        // What the two-voices check saw: the best split of the speech into two voices.
        doc["split"] = json!({
            "share": round3(enrolment.split_share),
            "similarity": round3(enrolment.split_similarity),
        });
        println!("{doc}");
    } else {
        println!(
            "enrolled {} ({}): {:.1} s of speech, consent by {}{}",
            stored.person,
            stored.name,
            stored.speech_s,
            consent_by,
            if replaced {
                "; the earlier voiceprint was replaced (its consent stays on record)"
            } else {
                ""
            }
        );
    }
    Ok(())
}

fn list(data: Option<PathBuf>, json: bool) -> anyhow::Result<()> {
    let db = Database::open(data)?;
    let all = db.runtime.block_on(db.store.voiceprints())?;
    if json {
        println!("{}", serde_json::to_string(&json!({"voices": all}))?);
        return Ok(());
    }
    if all.is_empty() {
        println!("no voices are enrolled");
        return Ok(());
    }
    println!(
        "{:<10} {:<24} {:>8}  {:<27} consent by",
        "person", "name", "speech", "enrolled at"
    );
    for v in &all {
        println!(
            "{:<10} {:<24} {:>6.1} s  {:<27} {}",
            v.person,
            v.name,
            v.speech_s,
            v.enrolled_at,
            v.consent_by.as_deref().unwrap_or("-")
        );
    }
    Ok(())
}

fn remove(person: &str, data: Option<PathBuf>, json: bool) -> anyhow::Result<()> {
    let db = Database::open(data)?;
    // The stored voiceprints first: someone who left the directory can still be erased.
    let stored = db.runtime.block_on(db.store.voiceprints())?;
    let id = match stored_person(&stored, person) {
        Some(id) => id,
        None => {
            let directory = db.directory()?;
            match voices::resolve_person(&directory, person) {
                Ok(p) => p.id.clone(),
                Err(_) => {
                    return Err(BadInput(format!("no voice is enrolled for {person:?}")).into())
                }
            }
        }
    };
    let removed = db
        .runtime
        .block_on(db.store.remove_voiceprint(&id, &operator()))?;
    if !removed {
        return Err(BadInput(format!("no voice is enrolled for {person:?} ({id})")).into());
    }
    if json {
        println!("{}", json!({"person": id, "removed": true}));
    } else {
        println!("removed the voiceprint of {id}");
    }
    Ok(())
}

/// The id of the stored voiceprint whose person id or name is `query`.
fn stored_person(stored: &[Voiceprint], query: &str) -> Option<String> {
    let q = query.trim();
    stored
        .iter()
        .find(|v| v.person == q)
        .or_else(|| {
            let same: Vec<&Voiceprint> = stored
                .iter()
                .filter(|v| v.name.eq_ignore_ascii_case(q))
                .collect();
            (same.len() == 1).then(|| same[0])
        })
        .map(|v| v.person.clone())
}

/// The enrolled voices in the data directory's database, for naming speakers. None
/// (no naming) when no database is there; a database that cannot be read is an error
/// when `--data` named it, else a warning.
pub fn known_voices(data: Option<PathBuf>) -> anyhow::Result<KnownVoices> {
    let explicit = data.is_some();
    let fail = |e: anyhow::Error| -> anyhow::Result<KnownVoices> {
        if explicit {
            Err(e)
        } else {
            tracing::warn!("speakers are not named: {e:#}");
            Ok(KnownVoices::default())
        }
    };
    let dir = match super::serve::data_dir(data) {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    let config = match Config::load(&dir, std::env::vars()) {
        Ok(c) => c,
        Err(e) => return fail(BadInput(e.to_string()).into()),
    };
    if config.database_url.is_none() && !dir.join("mishu.db").exists() {
        return Ok(KnownVoices::default());
    }
    let loaded = (|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async {
            let store = Store::open(&config.database_url()).await?;
            let voices = store.voiceprints().await;
            store.close().await;
            Ok::<_, anyhow::Error>(voices?)
        })
    })();
    match loaded {
        Ok(v) => Ok(KnownVoices::new(v, SPEAKER_MODEL)),
        Err(e) => fail(e),
    }
}

fn round3(x: f32) -> f64 {
    (f64::from(x) * 1000.0).round() / 1000.0
}
