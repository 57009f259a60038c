//! `mishu command (--text "…" | AUDIO)`: one spoken or typed instruction to an event,
//! task or reminder (INTERFACES.md `command --json`). Prints what it understood; with
//! `--save`, stores it in the data directory's database.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use inference::whisper::{Languages, Script, TranscribeOptions, Transcriber};
use models::ModelStore;
use serde_json::{json, Value as Json};

use crate::calendar::duplicates::{self, Duplicate};
use crate::calendar::save::{self, SaveOptions};
use crate::cli::{CommandArgs, GlobalArgs};
use crate::commands::parse::{reference_time, zone};
use crate::commands::transcribe;
use crate::directory::Directory;
use crate::exit::BadInput;
use crate::instructions::{self, Intent, Request, Understood};
use crate::server::config::Config;
use crate::store::tasks::Origin;
use crate::store::{Store, StoreError};

/// The LLM commands use unless `--model` says otherwise (docs/COMMANDS.md: measured).
pub const DEFAULT_MODEL: &str = "qwen2.5-0.5b";

/// What speech became.
pub struct Heard {
    pub text: String,
    pub language: String,
    pub duration_s: f64,
    pub model: String,
    pub seconds: f64,
}

pub fn run(global: &GlobalArgs, args: CommandArgs) -> anyhow::Result<()> {
    let t0 = Instant::now();
    let now = reference_time(args.now.as_deref())?;
    let tz = zone(&args.tz)?;
    let languages = transcribe::parse_languages(&args.languages)?;
    let calendar = ServiceDatabase::open(&args)?;
    let directory = match (&args.directory, &calendar) {
        (Some(path), _) => Directory::load(path)
            .map_err(|e| BadInput(e.to_string()))
            .with_context(|| format!("--directory {}", path.display()))?,
        (None, Some(db)) if args.save || args.data.is_some() => db.directory()?,
        (None, _) => Directory::default(),
    };
    let heard = match (&args.text, &args.audio) {
        (Some(_), Some(_)) => {
            return Err(BadInput("give either --text or an audio file, not both".into()).into())
        }
        (None, None) => return Err(BadInput("give --text \"…\" or an audio file".into()).into()),
        (Some(_), None) => None,
        (None, Some(path)) => Some(hear(
            global,
            path,
            args.speech_model.as_deref(),
            &languages,
        )?),
    };
    let text = heard
        .as_ref()
        .map(|h| h.text.clone())
        .or_else(|| args.text.clone())
        .unwrap_or_default();
    if heard.is_some() && text.trim().is_empty() {
        return Err(BadInput("no speech was heard in the audio".into()).into());
    }
    let llm = match args.model.as_str() {
        "rules" | "none" => None,
        name => Some(crate::llm_models::shared(global.models_dir.clone(), name)?),
    };
    let req = Request {
        text: &text,
        now,
        tz,
        directory: &directory,
    };
    let timeout = Duration::from_millis(args.timeout_ms);
    let (mut understood, trace) = instructions::understand(&req, llm.as_deref(), timeout)
        .map_err(|e| BadInput(format!("--text: {e}")))?;
    tracing::info!(
        "understood by {} in {:.2} s ({:.2} s in all)",
        trace.understood_by,
        trace.seconds,
        t0.elapsed().as_secs_f64()
    );
    let mut saved = None;
    if let Some(db) = &calendar {
        if args.save && understood.intent == Intent::Unknown {
            eprintln!(
                "nothing was saved: {}",
                understood.reason.as_deref().unwrap_or("not an instruction")
            );
        } else if args.save {
            let outcome = db.save(&understood, tz.name(), &directory, args.allow_duplicate)?;
            understood.duplicate_of = outcome.duplicate_of;
            match outcome.saved {
                Some(s) => {
                    understood.conflicts = s.conflicts.clone();
                    saved = Some(s);
                }
                None => {
                    understood.conflicts = db.conflicts(&understood, tz.name())?;
                    if let Some(d) = &understood.duplicate_of {
                        eprintln!(
                            "nothing was saved: {} (add --allow-duplicate to save it anyway)",
                            already_there(d)
                        );
                    }
                }
            }
        } else {
            understood.conflicts = db.conflicts(&understood, tz.name())?;
            understood.duplicate_of = db.duplicate(&understood, tz.name())?;
        }
        db.close();
    }
    let mut doc = serde_json::to_value(&understood)?;
    doc["understood_by"] = json!(trace.understood_by);
    if let Some(s) = &saved {
        doc["id"] = json!(s.id);
        doc["saved"] = json!(s.kind);
    }
    if let Some(h) = &heard {
        doc["speech"] = json!({"language": h.language, "duration_s": h.duration_s,
                               "model": h.model, "seconds": round(h.seconds)});
    }
    if args.json {
        println!("{}", serde_json::to_string(&doc)?);
    } else {
        print!("{}", summary(&understood, &doc));
        if let Some(d) = &understood.duplicate_of {
            println!("  already there: {}", already_there(d));
        }
        match (&saved, &understood.duplicate_of) {
            (Some(s), Some(_)) => println!("  saved anyway: {} {}", s.kind, s.id),
            (Some(s), None) => println!("  saved: {} {}", s.kind, s.id),
            (None, Some(_)) if args.save => println!("  nothing was saved"),
            (None, _) => {}
        }
    }
    Ok(())
}

/// The service's database (`mishu serve`'s data directory), for `--save` and for the
/// conflicts of an event with the stored calendar.
struct ServiceDatabase {
    runtime: tokio::runtime::Runtime,
    store: Store,
}

impl ServiceDatabase {
    /// The database of `--data` (or the default data directory). `None` when there is
    /// none to read and `--save` does not ask to create one; without `--save` and
    /// `--data`, a default database that cannot be opened is only a warning.
    fn open(args: &CommandArgs) -> anyhow::Result<Option<ServiceDatabase>> {
        let must = args.save || args.data.is_some();
        let data = match crate::commands::serve::data_dir(args.data.clone()) {
            Ok(dir) => dir,
            Err(e) if args.save => return Err(e),
            Err(_) => return Ok(None),
        };
        let config = match Config::load(&data, std::env::vars()) {
            Ok(config) => config,
            Err(e) if must => return Err(BadInput(e.to_string()).into()),
            Err(e) => {
                tracing::warn!("conflicts not checked: {e}");
                return Ok(None);
            }
        };
        let nothing_stored = config.database_url.is_none() && !data.join("mishu.db").exists();
        if nothing_stored && !args.save {
            return Ok(None);
        }
        if args.save {
            std::fs::create_dir_all(&data)
                .with_context(|| format!("cannot create the data directory {}", data.display()))?;
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        match runtime.block_on(Store::open(&config.database_url())) {
            Ok(store) => Ok(Some(ServiceDatabase { runtime, store })),
            Err(e) if must => Err(e.into()),
            Err(e) => {
                tracing::warn!("conflicts not checked: {e}");
                Ok(None)
            }
        }
    }

    /// The directory the service resolves names against (empty when none is stored).
    fn directory(&self) -> anyhow::Result<Directory> {
        match self.runtime.block_on(self.store.directory())? {
            Some(version) => Directory::from_json(&version.document)
                .with_context(|| format!("the stored directory (version {})", version.version)),
            None => Ok(Directory::default()),
        }
    }

    fn save(
        &self,
        u: &Understood,
        tz: &str,
        directory: &Directory,
        allow_duplicate: bool,
    ) -> anyhow::Result<save::Outcome> {
        self.runtime
            .block_on(save::save_unless_duplicate(
                &self.store,
                u,
                &SaveOptions {
                    directory: Some(directory),
                    allow_duplicate,
                    ..SaveOptions::new(tz, Origin::Command)
                },
            ))
            .map_err(bad_input)
    }

    /// The open task or calendar event `u` would repeat.
    fn duplicate(&self, u: &Understood, tz: &str) -> anyhow::Result<Option<Duplicate>> {
        self.runtime
            .block_on(duplicates::find(&self.store, u, tz))
            .map_err(bad_input)
    }

    fn conflicts(
        &self,
        u: &Understood,
        tz: &str,
    ) -> anyhow::Result<Vec<crate::calendar::conflicts::Conflict>> {
        self.runtime
            .block_on(save::preview_conflicts(&self.store, u, tz))
            .map_err(bad_input)
    }

    fn close(&self) {
        self.runtime.block_on(self.store.close());
    }
}

/// A value the database refuses is bad input (exit 2); anything else is a failure.
fn bad_input(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Invalid(message) => BadInput(message).into(),
        other => other.into(),
    }
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Transcribes a recording with the default (or named) Whisper model, its language
/// detected among `languages`.
pub fn hear(
    global: &GlobalArgs,
    path: &std::path::Path,
    model: Option<&str>,
    languages: &Languages,
) -> anyhow::Result<Heard> {
    let t0 = Instant::now();
    let store = ModelStore::open(global.models_dir.clone())?;
    let name = model.map_or_else(
        || transcribe::default_model(&store).to_string(),
        String::from,
    );
    let model_path = transcribe::model_path(&store, &name)?;
    let audio = inference::audio::decode_file(path)?;
    let transcriber = Transcriber::load(&model_path)?;
    let options = TranscribeOptions {
        language: Some("auto".into()),
        languages: languages.clone(),
        script: Script::Traditional,
        // A command is a few seconds long: encoded over a window of its own
        // length, not padded to 30 s (docs/BENCHMARKS.md, "Short recordings").
        trim_window: true,
        ..TranscribeOptions::default()
    };
    let transcript = transcriber
        .transcribe(&audio.samples, &options, None, None)
        .with_context(|| format!("cannot transcribe {}", path.display()))?;
    Ok(Heard {
        text: transcript.text().trim().to_string(),
        language: transcript.language.clone(),
        duration_s: audio.duration_s(),
        model: name,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

/// One line naming the stored item a command repeats.
fn already_there(d: &Duplicate) -> String {
    let when = match (&d.start, &d.due) {
        (Some(start), _) => format!(", {start}"),
        (None, Some(due)) => format!(", due {due}"),
        (None, None) => String::new(),
    };
    format!(
        "{} {} \"{}\"{when} says the same (by {}, {:.2})",
        d.kind, d.id, d.title, d.matched_by, d.closeness
    )
}

fn summary(u: &Understood, doc: &Json) -> String {
    let mut out = format!("{}: {}\n", u.intent.as_str(), u.title);
    let field = |k: &str| {
        doc.get(k)
            .filter(|v| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()))
    };
    for key in [
        "start",
        "end",
        "due",
        "assignee",
        "attendees",
        "departments",
        "location",
        "recurrence",
        "conflicts",
        "reason",
    ] {
        if let Some(v) = field(key) {
            let v = match v {
                Json::String(s) => s.clone(),
                Json::Array(items) => items
                    .iter()
                    .map(|i| {
                        if let (Some(Json::String(title)), Some(Json::String(start))) =
                            (i.get("title"), i.get("start"))
                        {
                            return format!("{title} ({start})");
                        }
                        i.get("name")
                            .or(i.get("title"))
                            .unwrap_or(i)
                            .as_str()
                            .map_or_else(|| i.to_string(), String::from)
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                Json::Object(o) => o
                    .get("name")
                    .and_then(|n| n.as_str())
                    .unwrap_or_default()
                    .to_string(),
                other => other.to_string(),
            };
            out.push_str(&format!("  {key}: {v}\n"));
        }
    }
    if u.intent == Intent::Unknown {
        out.push_str("  nothing was created\n");
    }
    out
}
