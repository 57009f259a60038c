//! Calibration helper for scripts/bench-speakers: embeds each recording once and
//! prints its speaker turns for several clustering settings, as one JSON document
//! `{"file": {"setting": [[start, end, "S1"], …]}}`.
//!
//!     cargo run --release -p inference --example diarize_sweep -- MODEL.safetensors SETTINGS A.wav B.wav
//!
//! SETTINGS: comma-separated; each a `/`-separated list of `t0.8` (merge threshold),
//! `k6` (spectral neighbours), `p0.012` (spectral keep fraction), `r0.4` (shortest
//! turn, s), `c4` (smallest cluster, windows); `MISHU_DIARIZE_HOP` sets the hop (s),
//! `MISHU_DIARIZE_EXACT=1` embeds each window on its own, `MISHU_DIARIZE_SEGMENTATION` the
//! segmentation network's safetensors (speech and overlap found by it, as `mishu
//! diarize` does when it is installed; without it the energy VAD), `MISHU_DIARIZE_CACHE` a folder where each file's embeddings are kept between runs.
//! The time spent embedding each file goes to stderr.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use inference::audio::read_16k_mono;
use inference::speakers::{embed_speech_with, CamPlusPlus, DiarizeOptions, Embedded, Segmentation};

/// (start, end, label) turns per setting, per file.
type Sweep = BTreeMap<String, BTreeMap<String, Vec<(f64, f64, String)>>>;

fn parse(
    setting: &str,
    base: &DiarizeOptions,
) -> Result<DiarizeOptions, Box<dyn std::error::Error>> {
    let mut o = base.clone();
    for part in setting.split('/').filter(|p| !p.is_empty()) {
        let (key, value) = part.split_at(1);
        match key {
            "t" => o.threshold = value.parse()?,
            "k" => o.spectral.min_neighbours = value.parse()?,
            "p" => o.spectral.keep_fraction = value.parse()?,
            "r" => o.min_turn_s = value.parse()?,
            "c" => o.min_cluster_windows = value.parse()?,
            _ => return Err(format!("unknown setting {part}").into()),
        }
    }
    Ok(o)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model, settings, files @ ..] = args.as_slice() else {
        return Err("usage: diarize_sweep MODEL SETTINGS AUDIO...".into());
    };
    let model = CamPlusPlus::load(Path::new(model))?;
    let segmentation = std::env::var("MISHU_DIARIZE_SEGMENTATION")
        .ok()
        .map(|p| Segmentation::load(Path::new(&p)))
        .transpose()?;
    let mut base = DiarizeOptions::default();
    if let Ok(hop) = std::env::var("MISHU_DIARIZE_HOP") {
        base.hop_s = hop.parse()?;
    }
    base.shared_head = std::env::var("MISHU_DIARIZE_EXACT").is_err();
    let settings: Vec<(String, DiarizeOptions)> = settings
        .split(',')
        .map(|s| Ok((s.to_string(), parse(s, &base)?)))
        .collect::<Result<_, Box<dyn std::error::Error>>>()?;
    let mut out = Sweep::new();
    for file in files {
        let audio = read_16k_mono(Path::new(file))?;
        let started = Instant::now();
        let cache = std::env::var("MISHU_DIARIZE_CACHE")
            .ok()
            .map(|dir| Path::new(&dir).join(format!("{}.json", file.replace('/', "_"))));
        let embedded: Embedded = match cache.as_ref().filter(|c| c.exists()) {
            Some(c) => serde_json::from_slice(&std::fs::read(c)?)?,
            None => {
                let e = embed_speech_with(&model, segmentation.as_ref(), &audio, &base)?;
                if let Some(c) = &cache {
                    std::fs::write(c, serde_json::to_vec(&e)?)?;
                }
                e
            }
        };
        let embed_s = started.elapsed().as_secs_f64();
        let started = Instant::now();
        for (name, opts) in &settings {
            let turns = embedded
                .cluster(opts)
                .turns
                .iter()
                .map(|t| (t.start, t.end, format!("S{}", t.speaker + 1)))
                .collect();
            out.entry(file.clone())
                .or_default()
                .insert(name.clone(), turns);
        }
        eprintln!(
            "{file}: {:.1} s audio, embedding {embed_s:.2} s, {} clusterings {:.2} s",
            audio.len() as f64 / 16_000.0,
            settings.len(),
            started.elapsed().as_secs_f64()
        );
    }
    println!("{}", serde_json::to_string(&out)?);
    Ok(())
}
