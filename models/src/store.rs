//! The model directory: one folder per installed model, with a manifest that records
//! every file's size and sha256. A folder is only ever created by renaming a fully
//! written and verified staging folder, so a half-written model is never taken for one.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::catalogue::{self, ModelKind};
use crate::checksum::sha256_file;
use crate::error::{Error, Result};
use crate::progress::Progress;

pub const MANIFEST: &str = "mishu-model.json";
const STAGING_PREFIX: &str = ".staging-";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FileRecord {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// What is installed in one model folder.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub name: String,
    pub kind: ModelKind,
    /// `whisper-ggml`, `gguf` or `safetensors`.
    pub format: String,
    /// `f16`, `q8_0`, … for converted whisper models; `null` otherwise.
    pub quantization: Option<String>,
    /// The file that engines load.
    pub primary: String,
    pub files: Vec<FileRecord>,
    /// `catalogue` or the path the model was imported from.
    pub source: String,
}

/// The state of a model as `mishu models list` reports it.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "snake_case", tag = "state", content = "detail")]
pub enum ModelState {
    /// Present and every checksum matches.
    Verified,
    /// Not installed.
    Missing,
    /// Installed but a file is missing or its checksum does not match.
    Damaged(String),
}

#[derive(Debug, Clone)]
pub struct ModelStore {
    dir: PathBuf,
}

impl ModelStore {
    /// The store at `dir`, or at the default location (the user's data directory,
    /// `mishu/models`) when `dir` is `None`.
    pub fn open(dir: Option<PathBuf>) -> Result<ModelStore> {
        let dir = match dir {
            Some(d) => d,
            None => dirs::data_dir()
                .ok_or_else(|| {
                    Error::BadRequest(
                        "no data directory for this user: set MISHU_MODELS_DIR or --models-dir"
                            .into(),
                    )
                })?
                .join("mishu")
                .join("models"),
        };
        Ok(ModelStore { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn model_dir(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The manifest of an installed model, if there is one.
    pub fn manifest(&self, name: &str) -> Result<Option<Manifest>> {
        let path = self.model_dir(name).join(MANIFEST);
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| Error::Damaged {
                    name: name.to_string(),
                    detail: format!("unreadable manifest {}: {e}", path.display()),
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(format!("cannot read {}", path.display()))(e)),
        }
    }

    /// Names of every installed model (catalogue or imported), sorted.
    pub fn installed(&self) -> Result<Vec<String>> {
        let mut names = Vec::new();
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(names),
            Err(e) => return Err(Error::io(format!("cannot list {}", self.dir.display()))(e)),
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with('.') && entry.path().join(MANIFEST).is_file() {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }

    /// Re-hashes every file of an installed model against its manifest, and for
    /// catalogue models also against the pinned checksums.
    pub fn verify(&self, name: &str, progress: &dyn Progress) -> Result<ModelState> {
        let Some(manifest) = self.manifest(name)? else {
            return Ok(ModelState::Missing);
        };
        let dir = self.model_dir(name);
        for file in &manifest.files {
            let path = dir.join(&file.path);
            let size = match fs::metadata(&path) {
                Ok(m) => m.len(),
                Err(_) => return Ok(ModelState::Damaged(format!("{} is missing", file.path))),
            };
            if size != file.size {
                return Ok(ModelState::Damaged(format!(
                    "{} has {size} bytes, expected {}",
                    file.path, file.size
                )));
            }
            progress.begin(&format!("verifying {name}/{}", file.path), Some(size));
            let sha = sha256_file(&path, progress)?;
            progress.end();
            if sha != file.sha256 {
                return Ok(ModelState::Damaged(format!(
                    "{} checksum {sha} does not match {}",
                    file.path, file.sha256
                )));
            }
        }
        if let Some(detail) = pinned_mismatch(&manifest) {
            return Ok(ModelState::Damaged(detail));
        }
        Ok(ModelState::Verified)
    }

    /// The file an engine loads for model `name`, after a cheap presence check
    /// (the full checksum check is `verify`).
    pub fn primary_path(&self, name: &str) -> Result<PathBuf> {
        let manifest = self.manifest(name)?.ok_or_else(|| Error::NotInstalled {
            name: name.to_string(),
            dir: self.dir.clone(),
        })?;
        let path = self.model_dir(name).join(&manifest.primary);
        let expected = manifest
            .files
            .iter()
            .find(|f| f.path == manifest.primary)
            .map(|f| f.size);
        match fs::metadata(&path) {
            Ok(m) if Some(m.len()) == expected => Ok(path),
            _ => Err(Error::Damaged {
                name: name.to_string(),
                detail: format!("{} is missing or has the wrong size", path.display()),
            }),
        }
    }

    /// A fresh, empty staging folder inside the store (same file system, so the
    /// final rename is atomic). Left-over staging folders of dead runs are removed.
    pub fn staging(&self, name: &str) -> Result<Staging> {
        fs::create_dir_all(&self.dir)
            .map_err(Error::io(format!("cannot create {}", self.dir.display())))?;
        self.remove_stale_staging();
        let path = self
            .dir
            .join(format!("{STAGING_PREFIX}{name}-{}", std::process::id()));
        if path.exists() {
            fs::remove_dir_all(&path)
                .map_err(Error::io(format!("cannot clear {}", path.display())))?;
        }
        fs::create_dir(&path).map_err(Error::io(format!("cannot create {}", path.display())))?;
        Ok(Staging { path, done: false })
    }

    fn remove_stale_staging(&self) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(rest) = name.strip_prefix(STAGING_PREFIX) else {
                continue;
            };
            let pid = rest.rsplit('-').next().and_then(|p| p.parse::<u32>().ok());
            let alive = pid.is_some_and(|p| Path::new(&format!("/proc/{p}")).exists());
            if !alive {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }

    /// Writes the manifest into `staging`, then moves it into place as model
    /// `manifest.name`, replacing an older copy only once the new one is complete.
    pub fn commit(&self, mut staging: Staging, manifest: &Manifest) -> Result<PathBuf> {
        let manifest_path = staging.path.join(MANIFEST);
        let json = serde_json::to_vec_pretty(manifest).expect("manifest serializes");
        fs::write(&manifest_path, json).map_err(Error::io(format!(
            "cannot write {}",
            manifest_path.display()
        )))?;
        let target = self.model_dir(&manifest.name);
        let old = self
            .dir
            .join(format!(".old-{}-{}", manifest.name, std::process::id()));
        if target.exists() {
            fs::rename(&target, &old)
                .map_err(Error::io(format!("cannot move aside {}", target.display())))?;
        }
        if let Err(e) = fs::rename(&staging.path, &target) {
            if old.exists() {
                let _ = fs::rename(&old, &target);
            }
            return Err(Error::io(format!("cannot install {}", target.display()))(e));
        }
        staging.done = true;
        if old.exists() {
            let _ = fs::remove_dir_all(&old);
        }
        Ok(target)
    }

    /// States of every catalogue model and every imported one.
    pub fn list(&self, verify: bool, progress: &dyn Progress) -> Result<Vec<Listing>> {
        let mut names: Vec<String> = catalogue::CATALOGUE
            .iter()
            .map(|e| e.name.to_string())
            .collect();
        for name in self.installed()? {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        let mut out = Vec::new();
        for name in names {
            let manifest = self.manifest(&name).unwrap_or(None);
            let state = if verify {
                self.verify(&name, progress)?
            } else if manifest.is_some() {
                ModelState::Verified
            } else {
                ModelState::Missing
            };
            let entry = catalogue::find(&name);
            out.push(Listing {
                kind: manifest
                    .as_ref()
                    .map(|m| m.kind)
                    .or(entry.map(|e| e.kind))
                    .unwrap_or(ModelKind::Llm),
                size_bytes: manifest
                    .as_ref()
                    .map(|m| m.files.iter().map(|f| f.size).sum()),
                description: entry.map(|e| e.description.to_string()),
                default: entry.is_some_and(|e| e.default),
                quantization: manifest.as_ref().and_then(|m| m.quantization.clone()),
                path: manifest
                    .as_ref()
                    .map(|m| self.model_dir(&name).join(&m.primary)),
                source: manifest.map(|m| m.source),
                state,
                name,
            });
        }
        Ok(out)
    }
}

/// One line of `mishu models list`.
#[derive(Debug, Clone, Serialize)]
pub struct Listing {
    pub name: String,
    pub kind: ModelKind,
    pub description: Option<String>,
    pub default: bool,
    #[serde(flatten)]
    pub state: ModelState,
    pub size_bytes: Option<u64>,
    pub quantization: Option<String>,
    pub path: Option<PathBuf>,
    pub source: Option<String>,
}

/// A staging folder; removed on drop unless committed.
pub struct Staging {
    path: PathBuf,
    done: bool,
}

impl Staging {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// For catalogue models installed as they were shipped, the installed files must
/// also match the pinned checksums (a manifest could have been rewritten).
fn pinned_mismatch(manifest: &Manifest) -> Option<String> {
    if manifest.source != "catalogue" {
        return None;
    }
    let base = manifest
        .quantization
        .as_deref()
        .and_then(|q| manifest.name.strip_suffix(&format!("-{q}")))
        .unwrap_or(&manifest.name);
    let entry = catalogue::find(base)?;
    let pinned = entry.files.iter().map(|f| (f.file, f.sha256)).chain(
        entry
            .converted
            .iter()
            .filter(|(q, _)| manifest.quantization.as_deref() == Some(*q))
            .map(|(_, sha)| (entry.primary, *sha)),
    );
    for (file, sha256) in pinned {
        match manifest.files.iter().find(|f| f.path == file) {
            Some(rec) if rec.sha256 != sha256 => {
                return Some(format!(
                    "{} checksum {} is not the pinned {sha256}",
                    rec.path, rec.sha256
                ));
            }
            Some(_) => {}
            // Installed before the catalogue listed this file: fetching again adds it.
            None if matches!(entry.install, catalogue::Install::AsIs) => {
                return Some(format!("{file} is missing (the catalogue now includes it)"));
            }
            None => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(name: &str) -> Manifest {
        Manifest {
            name: name.into(),
            kind: ModelKind::Llm,
            format: "gguf".into(),
            quantization: None,
            primary: "model.gguf".into(),
            files: vec![FileRecord {
                path: "model.gguf".into(),
                size: 3,
                sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".into(),
            }],
            source: "/somewhere/model.gguf".into(),
        }
    }

    #[test]
    fn an_interrupted_install_is_never_listed_and_is_cleaned_up() {
        let dir = tempfile::TempDir::new().unwrap();
        let store = ModelStore::open(Some(dir.path().to_path_buf())).unwrap();
        // A dead process's staging folder, with a manifest that looks complete.
        let stale = dir.path().join(".staging-ghost-999999999");
        fs::create_dir_all(&stale).unwrap();
        fs::write(
            stale.join(MANIFEST),
            serde_json::to_vec(&manifest("ghost")).unwrap(),
        )
        .unwrap();
        assert!(store.installed().unwrap().is_empty());
        assert_eq!(
            store.verify("ghost", &crate::Silent).unwrap(),
            ModelState::Missing
        );
        let staging = store.staging("other").unwrap();
        assert!(!stale.exists(), "stale staging folders are removed");
        drop(staging);
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            0,
            "an uncommitted staging folder is removed"
        );
    }

    #[test]
    fn commit_installs_and_replaces_atomically() {
        let dir = tempfile::TempDir::new().unwrap();
        let store = ModelStore::open(Some(dir.path().to_path_buf())).unwrap();
        for content in [b"abc", b"abc"] {
            let staging = store.staging("m").unwrap();
            fs::write(staging.path().join("model.gguf"), content).unwrap();
            store.commit(staging, &manifest("m")).unwrap();
        }
        assert_eq!(store.installed().unwrap(), vec!["m".to_string()]);
        assert_eq!(
            store.verify("m", &crate::Silent).unwrap(),
            ModelState::Verified
        );
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no leftovers beside the model"
        );
    }

    #[test]
    fn a_catalogue_model_missing_a_file_the_catalogue_now_lists_is_damaged() {
        let entry = catalogue::find("minilm-l6").unwrap();
        let record = |f: &catalogue::Assembled| FileRecord {
            path: f.file.into(),
            size: f.size,
            sha256: f.sha256.into(),
        };
        let mut m = Manifest {
            name: "minilm-l6".into(),
            kind: ModelKind::Embedding,
            format: "safetensors".into(),
            quantization: None,
            primary: "model.safetensors".into(),
            files: entry.files.iter().map(record).collect(),
            source: "catalogue".into(),
        };
        assert_eq!(pinned_mismatch(&m), None);
        m.files.retain(|f| f.path != "config.json");
        let detail = pinned_mismatch(&m).expect("an old install is not complete");
        assert!(detail.contains("config.json is missing"), "{detail}");
        // A converted model's manifest lists what it became, not what it was made of.
        let mut whisper = manifest("whisper-tiny.en");
        whisper.source = "catalogue".into();
        assert_eq!(pinned_mismatch(&whisper), None);
    }
}
