//! Writing converted and copied model files into a staging folder, hashed on the way.

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use memmap2::Mmap;

use crate::checksum::HashingWriter;
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::store::FileRecord;
use crate::whisper::{self, Quantization, WhisperWeights};

/// Where Whisper weights come from.
pub enum WhisperSource<'a> {
    /// A CTranslate2 `model.bin` and its `tokenizer.json`.
    Ct2 {
        model: &'a Path,
        tokenizer: &'a Path,
    },
    /// A Hugging Face folder: `config.json`, `tokenizer.json`, `*.safetensors`.
    HuggingFace { dir: &'a Path },
}

pub fn map_file(path: &Path) -> Result<Mmap> {
    let file = File::open(path).map_err(Error::io(format!("cannot open {}", path.display())))?;
    // SAFETY: the file is only read; mishu never writes a file it has mapped.
    unsafe { Mmap::map(&file) }.map_err(Error::io(format!("cannot map {}", path.display())))
}

fn read_vocab(tokenizer: &Path) -> Result<Vec<Vec<u8>>> {
    let json = fs::read(tokenizer).map_err(|e| Error::bad_file(tokenizer, e.to_string()))?;
    whisper::vocab_from_tokenizer_json(&json).map_err(|e| Error::bad_file(tokenizer, e))
}

pub fn load_whisper(source: &WhisperSource) -> Result<WhisperWeights> {
    match source {
        WhisperSource::Ct2 { model, tokenizer } => {
            let vocab = read_vocab(tokenizer)?;
            let bytes = map_file(model)?;
            whisper::read_ct2(&bytes, vocab).map_err(|e| Error::bad_file(*model, e))
        }
        WhisperSource::HuggingFace { dir } => {
            let vocab = read_vocab(&dir.join("tokenizer.json"))?;
            let config_path = dir.join("config.json");
            let config =
                fs::read(&config_path).map_err(|e| Error::bad_file(&config_path, e.to_string()))?;
            let maps = safetensors_files(dir)?
                .iter()
                .map(|p| map_file(p))
                .collect::<Result<Vec<_>>>()?;
            let slices: Vec<&[u8]> = maps.iter().map(|m| &m[..]).collect();
            whisper::read_hf(&config, &slices, vocab).map_err(|e| Error::bad_file(*dir, e))
        }
    }
}

pub fn safetensors_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(Error::io(format!("cannot list {}", dir.display())))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "safetensors"))
        .collect();
    files.sort();
    Ok(files)
}

/// Converts Whisper weights into `dest` (a ggml file), checks that the result reads
/// back whole, and returns its record.
pub fn write_whisper_ggml(
    source: &WhisperSource,
    quant: Quantization,
    dest: &Path,
    progress: &dyn Progress,
) -> Result<FileRecord> {
    progress.begin(
        &format!("converting to {} ({})", file_name(dest), quant.name()),
        None,
    );
    let weights = load_whisper(source)?;
    let record = write_hashed(dest, |w| whisper::write_ggml(&weights, quant, w))?;
    drop(weights);
    let written = map_file(dest)?;
    whisper::read_ggml_info(&written)
        .map_err(|e| Error::bad_file(dest, format!("conversion produced a bad file: {e}")))?;
    progress.end();
    Ok(record)
}

/// Copies `from` into `dest`, hashing it, with progress.
pub fn copy_hashed(
    from: &mut impl Read,
    dest: &Path,
    total: Option<u64>,
    label: &str,
    progress: &dyn Progress,
) -> Result<FileRecord> {
    progress.begin(label, total);
    let record = write_hashed(dest, |w| {
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = from.read(&mut buf)?;
            if n == 0 {
                return Ok(());
            }
            w.write_all(&buf[..n])?;
            progress.advance(n as u64);
        }
    });
    progress.end();
    record
}

pub(crate) fn write_hashed(
    dest: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<FileRecord> {
    let file =
        File::create(dest).map_err(Error::io(format!("cannot create {}", dest.display())))?;
    let mut out = HashingWriter::new(BufWriter::with_capacity(1 << 20, file));
    write(&mut out).map_err(Error::io(format!("cannot write {}", dest.display())))?;
    let (buffered, sha256, size) = out.finish();
    let file = buffered
        .into_inner()
        .map_err(|e| Error::io(format!("cannot write {}", dest.display()))(e.into_error()))?;
    file.sync_all()
        .map_err(Error::io(format!("cannot sync {}", dest.display())))?;
    Ok(FileRecord {
        path: file_name(dest),
        size,
        sha256,
    })
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
