//! `mishu models import PATH`: register a model the user already has, recognised by
//! its bytes, not its name.

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::catalogue::{ModelKind, LLM_FILE, WHISPER_GGML_FILE};
use crate::convert::{copy_hashed, map_file, safetensors_files, write_whisper_ggml, WhisperSource};
use crate::error::{Error, Result};
use crate::gguf::read_gguf_info;
use crate::progress::Progress;
use crate::store::{Manifest, ModelStore};
use crate::whisper::{read_ggml_info, Quantization};

/// The formats `import` recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A whisper.cpp `ggml-*.bin`.
    WhisperGgml,
    /// A CTranslate2 Whisper `model.bin` (a folder, or the file with a
    /// `tokenizer.json` beside it).
    WhisperCt2,
    /// A Hugging Face Whisper folder (`config.json` + `*.safetensors`).
    WhisperHf,
    /// A GGUF LLM.
    Gguf,
}

fn starts_ct2(head: &[u8]) -> bool {
    head.len() >= 18
        && matches!(u32::from_le_bytes(head[..4].try_into().expect("4")), 5 | 6)
        && &head[6..17] == b"WhisperSpec"
}

fn head_of(path: &Path) -> Result<Vec<u8>> {
    let mut head = vec![0u8; 32];
    let mut file = File::open(path).map_err(|e| Error::bad_file(path, e.to_string()))?;
    let n = file
        .read(&mut head)
        .map_err(|e| Error::bad_file(path, e.to_string()))?;
    head.truncate(n);
    Ok(head)
}

/// What `path` is, from its bytes.
pub fn detect(path: &Path) -> Result<Format> {
    if path.is_dir() {
        let model = path.join("model.bin");
        if model.is_file() && starts_ct2(&head_of(&model)?) {
            return Ok(Format::WhisperCt2);
        }
        let config = path.join("config.json");
        if config.is_file() && !safetensors_files(path)?.is_empty() {
            let text = fs::read_to_string(&config).unwrap_or_default();
            if text.contains("\"whisper\"") || text.contains("num_mel_bins") {
                return Ok(Format::WhisperHf);
            }
        }
        return Err(Error::bad_file(
            path,
            "this folder is neither a CTranslate2 Whisper model (model.bin + tokenizer.json) \
             nor a Hugging Face Whisper model (config.json + *.safetensors)",
        ));
    }
    let head = head_of(path)?;
    if head.len() >= 4 && u32::from_le_bytes(head[..4].try_into().expect("4")) == 0x6767_6d6c {
        return Ok(Format::WhisperGgml);
    }
    if head.starts_with(b"GGUF") {
        return Ok(Format::Gguf);
    }
    if starts_ct2(&head) {
        return Ok(Format::WhisperCt2);
    }
    Err(Error::bad_file(
        path,
        "not a model mishu knows: expected a whisper.cpp ggml file, a GGUF file, \
         a CTranslate2 Whisper model or a Hugging Face Whisper folder",
    ))
}

/// A store-safe model name from a path: its file stem or folder name.
pub fn default_name(path: &Path) -> String {
    let stem = if path.is_dir() {
        path.file_name()
    } else {
        path.file_stem()
    };
    let raw = stem
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let clean: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let clean = clean.trim_matches(|c| c == '.' || c == '-').to_string();
    if clean.is_empty() {
        "imported".into()
    } else {
        clean
    }
}

fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::BadRequest(format!(
            "model name '{name}' must be letters, digits, '.', '_' or '-', not starting with '.'"
        )))
    }
}

#[derive(Debug, Clone)]
pub struct Imported {
    pub name: String,
    pub format: Format,
    pub path: PathBuf,
    pub detail: String,
}

/// Validates and installs the model at `path` as `name` (default: from the path).
/// Whisper weights that are not ggml yet are converted, to `quant`.
pub fn import(
    store: &ModelStore,
    path: &Path,
    name: Option<&str>,
    quant: Quantization,
    progress: &dyn Progress,
) -> Result<Imported> {
    if !path.exists() {
        return Err(Error::bad_file(path, "no such file or folder"));
    }
    let format = detect(path)?;
    let name = name
        .map(str::to_string)
        .unwrap_or_else(|| default_name(path));
    check_name(&name)?;
    let staging = store.staging(&name)?;
    let source = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let (record, kind, fmt, quantization, detail) = match format {
        Format::WhisperGgml | Format::Gguf => {
            let bytes = map_file(path)?;
            let (kind, fmt, quantization, detail, primary) = if format == Format::Gguf {
                let info = read_gguf_info(&bytes).map_err(|e| Error::bad_file(path, e))?;
                let arch = info.architecture.unwrap_or_else(|| "unknown".into());
                (
                    ModelKind::Llm,
                    "gguf",
                    None,
                    format!("GGUF v{}, {arch}, {} tensors", info.version, info.n_tensors),
                    LLM_FILE,
                )
            } else {
                let info = read_ggml_info(&bytes).map_err(|e| Error::bad_file(path, e))?;
                let lang = if info.multilingual {
                    "multilingual"
                } else {
                    "English-only"
                };
                let detail = format!(
                    "whisper ggml, {} layers, {lang}, {}",
                    info.hparams.n_audio_layer, info.weight_type
                );
                (
                    ModelKind::Whisper,
                    "whisper-ggml",
                    Some(info.weight_type),
                    detail,
                    WHISPER_GGML_FILE,
                )
            };
            let label = format!("copying {}", path.display());
            let record = copy_hashed(
                &mut &bytes[..],
                &staging.path().join(primary),
                Some(bytes.len() as u64),
                &label,
                progress,
            )?;
            (record, kind, fmt, quantization, detail)
        }
        Format::WhisperCt2 | Format::WhisperHf => {
            let (model, tokenizer) = if path.is_dir() {
                (path.join("model.bin"), path.join("tokenizer.json"))
            } else {
                (path.to_path_buf(), path.with_file_name("tokenizer.json"))
            };
            let source = if format == Format::WhisperCt2 {
                if !tokenizer.is_file() {
                    return Err(Error::bad_file(
                        path,
                        format!(
                            "{} is missing: a CTranslate2 model needs its tokenizer.json",
                            tokenizer.display()
                        ),
                    ));
                }
                WhisperSource::Ct2 {
                    model: &model,
                    tokenizer: &tokenizer,
                }
            } else {
                WhisperSource::HuggingFace { dir: path }
            };
            let dest = staging.path().join(WHISPER_GGML_FILE);
            let record = write_whisper_ggml(&source, quant, &dest, progress)?;
            let what = if format == Format::WhisperCt2 {
                "CTranslate2"
            } else {
                "Hugging Face"
            };
            (
                record,
                ModelKind::Whisper,
                "whisper-ggml",
                Some(quant.name().to_string()),
                format!("converted from {what} to ggml {}", quant.name()),
            )
        }
    };
    let primary = record.path.clone();
    let manifest = Manifest {
        name: name.clone(),
        kind,
        format: fmt.to_string(),
        quantization,
        primary: primary.clone(),
        files: vec![record],
        source: source.display().to_string(),
    };
    let dir = store.commit(staging, &manifest)?;
    Ok(Imported {
        name,
        format,
        path: dir.join(primary),
        detail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_path_and_are_safe() {
        assert_eq!(
            default_name(Path::new("/x/ggml-large-v3.bin")),
            "ggml-large-v3"
        );
        assert_eq!(
            default_name(Path::new("/x/My Model (1).gguf")),
            "My-Model--1"
        );
        assert!(check_name("../etc").is_err());
        assert!(check_name(".hidden").is_err());
        assert!(check_name("qwen2.5-7b_q4").is_ok());
    }
}
