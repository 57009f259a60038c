//! `mishu minutes INPUT`: minutes of a meeting from its recording or transcript,
//! printed as JSON (INTERFACES.md `minutes --json`) or Markdown.

use std::time::Instant;

use anyhow::Context as _;
use inference::whisper::ProgressFn;

use crate::cli::{GlobalArgs, MinutesArgs};
use crate::commands::parse::{reference_time, zone};
use crate::directory::Directory;
use crate::exit::BadInput;
use crate::minutes::{self, audio, input, MinutesError, Options, Stage};

pub fn run(global: &GlobalArgs, args: MinutesArgs) -> anyhow::Result<()> {
    let markdown = match args.format.to_ascii_lowercase().as_str() {
        "json" => false,
        "md" | "markdown" => true,
        other => {
            return Err(BadInput(format!("unknown --format '{other}': use json or md")).into())
        }
    };
    if args.chunk_tokens < 64 {
        return Err(BadInput("--chunk-tokens must be at least 64".into()).into());
    }
    let languages = crate::commands::transcribe::parse_languages(&args.languages)?;
    if !(args.max_audio_hours.is_finite() && args.max_audio_hours > 0.0) {
        return Err(BadInput(format!(
            "--max-audio-hours must be a positive number of hours, not {}",
            args.max_audio_hours
        ))
        .into());
    }
    let now = reference_time(args.now.as_deref())?;
    let tz = zone(&args.tz)?;
    let directory = match &args.directory {
        Some(path) => Directory::load(path)
            .map_err(|e| BadInput(e.to_string()))
            .with_context(|| format!("--directory {}", path.display()))?,
        None => Directory::default(),
    };
    let started = Instant::now();
    let (transcript, transcribed) =
        match input::read(&args.input).map_err(MinutesError::into_anyhow)? {
            input::Input::Transcript(t) => (t, None),
            input::Input::Audio => {
                let t = audio::transcribe(
                    &args.input,
                    global.models_dir.clone(),
                    args.speech_model.as_deref(),
                    &languages,
                    args.max_audio_hours * 3600.0,
                    Some(progress_lines()),
                    &crate::commands::voices::known_voices(args.data.clone())?,
                )
                .map_err(MinutesError::into_anyhow)?;
                (t.transcript.clone(), Some(t))
            }
        };
    let t0 = Instant::now();
    let llm = crate::llm_models::shared(global.models_dir.clone(), &args.model)?;
    let load_s = t0.elapsed().as_secs_f64();
    let key = minutes::meeting_key(&transcript, &now);
    let opts = Options {
        now,
        tz,
        attendees: args.attendees.clone(),
        title: args.title.clone(),
        chunk_tokens: args.chunk_tokens,
        second_look: !args.no_second_look,
    };
    let mut report = |stage: Stage| eprintln!("{}", stage.message());
    let mut m = minutes::write(
        transcript,
        transcribed.as_ref(),
        &llm,
        &directory,
        &opts,
        &mut report,
        None,
    )
    .map_err(MinutesError::into_anyhow)?;
    m.stats.load_s = (load_s * 1000.0).round() / 1000.0;
    m.stats.total_s = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    tracing::info!("minutes written in {:.1} s", m.stats.total_s);
    if args.save {
        let id = save(&args, &key, &m)?;
        eprintln!("saved as meeting {id}");
    }
    if markdown {
        let script =
            minutes::output::heading_script(minutes::language::Language::detect(&m.summary));
        print!("{}", m.to_markdown(script));
    } else {
        println!("{}", serde_json::to_string(&m)?);
    }
    Ok(())
}

/// Transcription progress as `transcribing N%` lines every 10% (the words of the
/// meetings API's progress events).
fn progress_lines() -> ProgressFn {
    let mut last = -10;
    Box::new(move |pct: i32| {
        if pct >= last + 10 {
            let stage = Stage::Transcribing(f64::from(pct.clamp(0, 100)) / 100.0);
            eprintln!("{}", stage.message());
            last = pct;
        }
    })
}

fn save(args: &MinutesArgs, key: &str, m: &minutes::Minutes) -> anyhow::Result<String> {
    let data = crate::commands::serve::data_dir(args.data.clone())?;
    let config = crate::server::config::Config::load(&data, std::env::vars())
        .map_err(|e| BadInput(e.to_string()))?;
    std::fs::create_dir_all(&data)
        .with_context(|| format!("cannot create the data directory {}", data.display()))?;
    let doc = serde_json::to_value(m)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let store = crate::store::Store::open(&config.database_url()).await?;
        let meeting = store
            .create_meeting(&crate::store::meetings::NewMeeting {
                key: key.to_string(),
                title: m.title.clone(),
                meeting_at: m.meeting_at.clone(),
                input: "cli".into(),
                created_by: None,
            })
            .await?;
        store.finish_meeting(&meeting.id, &m.language, &doc).await?;
        minutes::sync::sync_tasks(&store, &meeting.id, m, None).await?;
        store.close().await;
        Ok::<_, anyhow::Error>(meeting.id)
    })
}
