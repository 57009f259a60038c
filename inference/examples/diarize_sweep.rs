//! Calibration helper for scripts/bench-speakers: embeds each recording once and
//! prints its speaker turns for several clustering thresholds, as one JSON document
//! `{"file": {"threshold": [[start, end, "S1"], …]}}`.
//!
//!     cargo run --release -p inference --example diarize_sweep -- MODEL.safetensors 0.3,0.4 A.wav B.wav

use std::collections::BTreeMap;
use std::path::Path;

use inference::audio::read_16k_mono;
use inference::speakers::{embed_speech, CamPlusPlus, DiarizeOptions};

/// (start, end, label) turns per threshold, per file.
type Sweep = BTreeMap<String, BTreeMap<String, Vec<(f64, f64, String)>>>;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model, thresholds, files @ ..] = args.as_slice() else {
        return Err("usage: diarize_sweep MODEL THRESHOLDS AUDIO...".into());
    };
    let model = CamPlusPlus::load(Path::new(model))?;
    let thresholds: Vec<f32> = thresholds
        .split(',')
        .map(|t| t.parse())
        .collect::<Result<_, _>>()?;
    let mut out = Sweep::new();
    for file in files {
        let audio = read_16k_mono(Path::new(file))?;
        let embedded = embed_speech(&model, &audio, &DiarizeOptions::default())?;
        for &threshold in &thresholds {
            let opts = DiarizeOptions {
                threshold,
                ..DiarizeOptions::default()
            };
            let turns = embedded
                .cluster(&opts)
                .turns
                .iter()
                .map(|t| (t.start, t.end, format!("S{}", t.speaker + 1)))
                .collect();
            out.entry(file.clone())
                .or_default()
                .insert(threshold.to_string(), turns);
        }
    }
    println!("{}", serde_json::to_string(&out)?);
    Ok(())
}
