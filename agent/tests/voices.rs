//! Enrolled voices end to end, on the real speaker model (`mishu models fetch`) and real
//! speech made with espeak-ng at test time: `mishu voices enroll | list | remove`, the
//! refusals (too little speech, an unknown person, two people in one recording), the
//! naming of diarized speakers, and `/v1/voices` with its admin-only access.

mod common;

use std::path::{Path, PathBuf};

use agent::server::config::Config;
use agent::server::{Service, ADMIN_TOKEN_FILE};
use assert_cmd::Command;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// (espeak-ng voice, pitch, words per minute).
type Voice = (&'static str, u32, u32);
const AMY: Voice = ("en-us+m3", 35, 165);
const BEN: Voice = ("yue+f4", 70, 160);
/// Never enrolled.
const CAROL: Voice = ("cmn+m1", 40, 160);

const READING: &[&str] = &[
    "My name is on the staff list and I work on the fourth floor of this building.",
    "Every morning I check the mailbox before the team meeting starts at nine.",
    "The printer near the pantry has been out of paper since Tuesday afternoon.",
    "We moved the archive boxes to the storage room downstairs last week.",
    "Our office opens at nine and closes at six on weekdays, and at one on Saturdays.",
];

const DIRECTORY: &str = r#"{"people": [
    {"id": "p001", "name": "Amy Chan", "aliases": ["陳美"]},
    {"id": "p002", "name": "Ben Wong", "aliases": ["Ben"]},
    {"id": "p003", "name": "Ben Lau", "aliases": ["Ben"]}]}"#;

fn mishu() -> Command {
    Command::cargo_bin("mishu").expect("the mishu binary is built")
}

/// `text` said by `voice` into a 16-bit WAV file at `path`.
fn say(voice: Voice, text: &str, path: &Path) -> PathBuf {
    let out = std::process::Command::new("espeak-ng")
        .args([
            "-v",
            voice.0,
            "-p",
            &voice.1.to_string(),
            "-s",
            &voice.2.to_string(),
        ])
        .arg("-w")
        .arg(path)
        .arg(text)
        .output()
        .unwrap_or_else(|e| panic!("cannot run espeak-ng ({e}): apt-get install -y espeak-ng"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    path.to_path_buf()
}

/// 16 kHz mono samples of a WAV file espeak-ng wrote.
fn samples(path: &Path) -> Vec<f32> {
    inference::audio::decode_file(path).unwrap().samples
}

fn write_wav(path: &Path, samples: &[f32]) -> PathBuf {
    let mut bytes = Vec::with_capacity(44 + samples.len() * 2);
    let data_len = (samples.len() * 2) as u32;
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + data_len).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&16000u32.to_le_bytes());
    bytes.extend_from_slice(&32000u32.to_le_bytes());
    bytes.extend_from_slice(&2u16.to_le_bytes());
    bytes.extend_from_slice(&16u16.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        bytes.extend_from_slice(&((s.clamp(-1.0, 1.0) * 32767.0) as i16).to_le_bytes());
    }
    std::fs::write(path, bytes).unwrap();
    path.to_path_buf()
}

const READING_YUE: &str = "我喺四樓做嘢，名喺員工名單度。我每朝開會之前都會睇下啲電郵。\
    茶水間隔籬部打印機由禮拜二開始冇晒紙。我哋將啲檔案箱搬咗去樓下嘅儲物室。\
    公司禮拜一至五朝早九點開門，六點收工。我通常搭港鐵返工，再由車站行過嚟。";

/// The reading said by `voice`: about 25 s of speech (in Cantonese for Ben).
fn reading(dir: &Path, voice: Voice, name: &str) -> PathBuf {
    let text = if voice == BEN {
        READING_YUE.to_string()
    } else {
        READING.join(" ")
    };
    say(voice, &text, &dir.join(name))
}

struct Setup {
    dir: tempfile::TempDir,
    data: PathBuf,
    directory: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let directory = dir.path().join("directory.json");
    std::fs::write(&directory, DIRECTORY).unwrap();
    Setup {
        dir,
        data,
        directory,
    }
}

fn enroll(s: &Setup, person: &str, audio: &[&Path]) -> std::process::Output {
    mishu()
        .args(["voices", "enroll", person])
        .args(audio)
        .arg("--directory")
        .arg(&s.directory)
        .arg("--data")
        .arg(&s.data)
        .args(["--consent-by", "signed consent form 2026-12-01", "--json"])
        .output()
        .unwrap()
}

fn ok_json(out: &std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON document")
}

fn refused(out: &std::process::Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn list(s: &Setup) -> Value {
    ok_json(
        &mishu()
            .args(["voices", "list", "--json", "--data"])
            .arg(&s.data)
            .output()
            .unwrap(),
    )
}

#[test]
fn enroll_list_replace_and_remove() {
    let s = setup();
    let first = reading(s.dir.path(), AMY, "amy.wav");
    let v = ok_json(&enroll(&s, "陳美", &[&first]));
    assert_eq!(v["person"], "p001");
    assert_eq!(v["replaced"], false);
    let speech = v["speech_s"].as_f64().unwrap();
    assert!((10.0..=60.0).contains(&speech), "{v}");
    assert_eq!(v["recordings"][0]["name"], "amy.wav");
    assert_eq!(v["recordings"][0]["sha256"].as_str().unwrap().len(), 64);

    let listed = list(&s);
    assert_eq!(listed["voices"].as_array().unwrap().len(), 1, "{listed}");
    let amy = &listed["voices"][0];
    assert_eq!(amy["person"], "p001");
    assert_eq!(amy["name"], "Amy Chan");
    assert_eq!(amy["consent_by"], "signed consent form 2026-12-01");
    assert_eq!(amy["model"], "campplus-zh-en");
    assert!(amy["enrolled_at"].as_str().unwrap().starts_with("20"));
    assert!(
        amy.get("embedding").is_none(),
        "the biometric data is not listed"
    );

    // Two files of the same person replace the first voiceprint.
    let a = say(AMY, &READING[..3].join(" "), &s.dir.path().join("a1.wav"));
    let b = say(AMY, &READING[3..].join(" "), &s.dir.path().join("a2.wav"));
    let v = ok_json(&enroll(&s, "p001", &[&a, &b]));
    assert_eq!(v["replaced"], true);
    assert_eq!(v["recordings"].as_array().unwrap().len(), 2);
    assert_eq!(list(&s)["voices"].as_array().unwrap().len(), 1);

    let table = mishu()
        .args(["voices", "list", "--data"])
        .arg(&s.data)
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&table.stdout).into_owned();
    assert!(
        table.contains("p001") && table.contains("Amy Chan"),
        "{table}"
    );

    let removed = ok_json(
        &mishu()
            .args(["voices", "remove", "Amy Chan", "--json", "--data"])
            .arg(&s.data)
            .output()
            .unwrap(),
    );
    assert_eq!(removed["person"], "p001");
    assert!(list(&s)["voices"].as_array().unwrap().is_empty());
    let again = mishu()
        .args(["voices", "remove", "p001", "--data"])
        .arg(&s.data)
        .output()
        .unwrap();
    assert!(refused(&again).contains("no voice is enrolled"));
}

#[test]
fn too_little_speech_and_unknown_people_are_refused() {
    let s = setup();
    let short = say(AMY, READING[0], &s.dir.path().join("short.wav"));
    let err = refused(&enroll(&s, "p001", &[&short]));
    assert!(
        err.contains("s of speech was found") && err.contains("at least 10 s"),
        "{err}"
    );

    let long = reading(s.dir.path(), AMY, "amy.wav");
    let err = refused(&enroll(&s, "Nobody Here", &[&long]));
    assert!(err.contains("no person \"Nobody Here\""), "{err}");
    let err = refused(&enroll(&s, "Ben", &[&long]));
    assert!(err.contains("2 people") || err.contains("names 2"), "{err}");
    let not_audio = s.dir.path().join("notes.wav");
    std::fs::write(&not_audio, "not a recording").unwrap();
    let err = refused(&enroll(&s, "p001", &[&not_audio]));
    assert!(err.contains("notes.wav"), "{err}");
    assert!(list(&s)["voices"].as_array().unwrap().is_empty());
}

#[test]
fn a_recording_of_two_people_is_refused() {
    let s = setup();
    let amy = samples(&say(
        AMY,
        &READING[..3].join(" "),
        &s.dir.path().join("a.wav"),
    ));
    let carol = samples(&say(
        BEN,
        "我每朝開會之前都會睇下啲電郵。茶水間隔籬部打印機由禮拜二開始冇晒紙。我哋將啲檔案箱搬咗去樓下嘅儲物室。",
        &s.dir.path().join("c.wav"),
    ));
    let mut both = amy.clone();
    both.extend(vec![0.0; 8000]);
    both.extend(&carol);
    let mixed = write_wav(&s.dir.path().join("two.wav"), &both);
    let err = refused(&enroll(&s, "p001", &[&mixed]));
    assert!(err.contains("two people"), "{err}");
    assert!(list(&s)["voices"].as_array().unwrap().is_empty());
}

#[test]
fn diarized_speakers_are_named_by_enrolled_voices_only() {
    let s = setup();
    ok_json(&enroll(
        &s,
        "p001",
        &[&reading(s.dir.path(), AMY, "amy.wav")],
    ));
    ok_json(&enroll(
        &s,
        "p002",
        &[&reading(s.dir.path(), BEN, "ben.wav")],
    ));
    let lines = [
        (
            AMY,
            "The budget review moves to Wednesday afternoon this week.",
        ),
        (
            BEN,
            "客人嚟嘅時候可唔可以訂大會議室？供應商嘅報價比我哋預期高。",
        ),
        (
            AMY,
            "Can we book the large meeting room for the client visit?",
        ),
        (BEN, "批准之前我哋再核對下啲數字。市場部週末之前要啲簡報。"),
        (
            AMY,
            "Let us check the numbers again before we approve the plan.",
        ),
        (
            BEN,
            "麻煩將跟進事項加落共享文件度。下次開會我哋應該請審計組嚟。",
        ),
    ];
    let mut audio = vec![0f32; 8000];
    let mut middles = Vec::new();
    for (i, (voice, text)) in lines.iter().enumerate() {
        let clip = samples(&say(*voice, text, &s.dir.path().join(format!("l{i}.wav"))));
        let start = audio.len() as f64 / 16000.0;
        middles.push((*voice, start + clip.len() as f64 / 32000.0));
        audio.extend(clip);
        audio.extend(vec![0f32; 9600]);
    }
    let meeting = write_wav(&s.dir.path().join("meeting.wav"), &audio);
    let v = diarize(&s, &meeting);
    let voices = v["voices"]
        .as_array()
        .expect("voices when some are enrolled");
    let mut named: Vec<&str> = voices
        .iter()
        .filter_map(|x| x["person"]["id"].as_str())
        .collect();
    let count = named.len();
    named.sort();
    named.dedup();
    assert_eq!(named.len(), count, "one person named twice: {v}");
    for (voice, t) in middles {
        let expected = if voice == AMY { "p001" } else { "p002" };
        assert_eq!(person_at(&v, t).as_deref(), Some(expected), "at {t}: {v}");
    }

    // A voice that was never enrolled is not named after anyone.
    let stranger = say(
        CAROL,
        "我们下周三下午审核预算。我会在星期五之前把草稿发给财务部。供应商的报价比我们预期的高。",
        &s.dir.path().join("carol.wav"),
    );
    let v = diarize(&s, &stranger);
    let voices = v["voices"].as_array().expect("voices");
    assert!(!voices.is_empty(), "{v}");
    assert!(voices.iter().all(|x| x["person"].is_null()), "{v}");
}

fn diarize(s: &Setup, audio: &Path) -> Value {
    ok_json(
        &mishu()
            .arg("diarize")
            .arg(audio)
            .arg("--json")
            .arg("--data")
            .arg(&s.data)
            .output()
            .unwrap(),
    )
}

/// The id of the person named for whoever speaks at `t` seconds.
/// The person of the turn at `t`, or of the nearest turn within half a second (the
/// middle of a line can fall in the pause between two of its sentences).
fn person_at(v: &Value, t: f64) -> Option<String> {
    let distance = |turn: &&Value| {
        let (start, end) = (
            turn["start"].as_f64().unwrap(),
            turn["end"].as_f64().unwrap(),
        );
        (start - t).max(t - end).max(0.0)
    };
    let turn = v["turns"]
        .as_array()?
        .iter()
        .filter(|turn| distance(turn) <= 0.5)
        .min_by(|a, b| distance(a).total_cmp(&distance(b)))?;
    let info = v["voices"]
        .as_array()?
        .iter()
        .find(|x| x["speaker"] == turn["speaker"])?;
    info["person"]["id"].as_str().map(str::to_string)
}

// --- the HTTP service ----------------------------------------------------------------

fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "mishu-voices-boundary-91c2";
    let mut body = Vec::new();
    for (name, file, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let disposition = match file {
            Some(f) => format!(
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            ),
            None => format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"),
        };
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn call(
    service: &Service,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<(String, Vec<u8>)>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let body = match body {
        Some((content_type, bytes)) => {
            request = request.header("content-type", content_type);
            Body::from(bytes)
        }
        None => Body::empty(),
    };
    let response = service
        .router()
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, value)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_voices_api_is_for_admins() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path());
    config.database_url = common::postgres_database(dir.path());
    let service = Service::start(config).await.expect("service starts");
    let admin = std::fs::read_to_string(dir.path().join(ADMIN_TOKEN_FILE))
        .unwrap()
        .trim()
        .to_string();
    let member = service
        .state()
        .store
        .create_token("clerk", "member")
        .await
        .unwrap()
        .secret;
    let directory = (
        "application/json".to_string(),
        DIRECTORY.as_bytes().to_vec(),
    );
    let (status, _) = call(
        &service,
        "POST",
        "/v1/directory",
        Some(&admin),
        Some(directory),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let audio = std::fs::read(reading(dir.path(), AMY, "amy.wav")).unwrap();
    let form = |person: &str| {
        multipart(&[
            ("person", None, person.as_bytes()),
            ("consent_by", None, b"Amy Chan, signed form"),
            ("audio", Some("amy.wav"), &audio),
        ])
    };

    let (status, v) = call(&service, "GET", "/v1/voices", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{v}");
    let (status, v) = call(&service, "GET", "/v1/voices", Some("mishu_wrong"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{v}");
    let (status, v) = call(&service, "GET", "/v1/voices", Some(&member), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    let (status, v) = call(
        &service,
        "POST",
        "/v1/voices",
        Some(&member),
        Some(form("p001")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(v["error"]["code"], "forbidden");

    let (status, v) = call(
        &service,
        "POST",
        "/v1/voices",
        Some(&admin),
        Some(form("Nobody")),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"]["code"], "unknown_person");
    let (status, v) = call(
        &service,
        "POST",
        "/v1/voices",
        Some(&admin),
        Some(form("Amy Chan")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["person"], "p001");
    assert_eq!(v["consent_by"], "Amy Chan, signed form");
    assert!(v["recorded_by"].as_str().unwrap().contains("token"), "{v}");

    let (status, v) = call(&service, "GET", "/v1/voices", Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["voices"][0]["person"], "p001", "{v}");

    let (status, _) = call(&service, "DELETE", "/v1/voices/p001", Some(&member), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, v) = call(&service, "DELETE", "/v1/voices/p001", Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, _) = call(&service, "DELETE", "/v1/voices/p001", Some(&admin), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, v) = call(&service, "GET", "/v1/voices", Some(&admin), None).await;
    assert!(v["voices"].as_array().unwrap().is_empty(), "{v}");
    let record = service.state().store.voice_consents("p001").await.unwrap();
    let actions: Vec<&str> = record.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["enrol", "remove"]);
}
