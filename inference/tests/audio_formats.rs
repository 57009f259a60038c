//! Every supported format decodes to the same 16 kHz mono samples as the WAV original,
//! and bad files are `BadInput` errors naming the problem, never panics.
//!
//! The encoded fixtures are made at test time from `shared/fixtures/audio/jfk.wav` with
//! `sox` and `ffmpeg` (the test command installs both: `apt-get install -y sox ffmpeg`).

use std::path::{Path, PathBuf};
use std::process::Command;

use inference::audio::decode_file;
use inference::Error;

fn jfk() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/audio/jfk.wav")
}

fn tool(name: &str, args: &[&str]) {
    let out = Command::new(name).args(args).output().unwrap_or_else(|e| {
        panic!("cannot run {name} ({e}): install it with `apt-get install -y sox ffmpeg`")
    });
    assert!(
        out.status.success(),
        "{name} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn sox(input: &Path, output: &Path, before_out: &[&str], after_out: &[&str]) {
    // `-R`: the same dither on every run.
    let mut args: Vec<&str> = vec!["-R", input.to_str().unwrap()];
    args.extend_from_slice(before_out);
    args.push(output.to_str().unwrap());
    args.extend_from_slice(after_out);
    tool("sox", &args);
}

fn ffmpeg(input: &Path, output: &Path, codec_args: &[&str]) {
    let mut args = vec![
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-i",
        input.to_str().unwrap(),
    ];
    args.extend_from_slice(codec_args);
    args.push(output.to_str().unwrap());
    tool("ffmpeg", &args);
}

/// Signal-to-error ratio (dB) of `b` against `a`, at the best lag within ±60 ms
/// (lossy encoders add a little delay), and that lag.
fn snr_db(a: &[f32], b: &[f32]) -> (f64, i64) {
    let max_lag = 960i64;
    let mut best = (f64::NEG_INFINITY, 0);
    for lag in -max_lag..=max_lag {
        let (mut sig, mut err) = (0.0f64, 0.0f64);
        for (i, &x) in a.iter().enumerate() {
            let j = i as i64 + lag;
            let y = if j >= 0 && (j as usize) < b.len() {
                b[j as usize]
            } else {
                0.0
            };
            sig += (x as f64).powi(2);
            err += (x as f64 - y as f64).powi(2);
        }
        let snr = 10.0 * (sig / err.max(1e-20)).log10();
        if snr > best.0 {
            best = (snr, lag);
        }
    }
    best
}

/// Spectral signal-to-error ratio (dB) below 7.5 kHz of `b` against `a` at `lag`: compares
/// 32-ms magnitude spectra, as Whisper's features do, so a sub-sample delay left by a
/// resampler (phase only) does not count as an error.
fn spectral_snr_db(a: &[f32], b: &[f32], lag: i64) -> f64 {
    const N: usize = 512;
    const BINS: usize = 240;
    let window: Vec<f64> = (0..N)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / N as f64).cos())
        .collect();
    let (cos, sin): (Vec<f64>, Vec<f64>) = (0..N)
        .map(|i| {
            let w = 2.0 * std::f64::consts::PI * i as f64 / N as f64;
            (w.cos(), w.sin())
        })
        .unzip();
    let spectrum = |x: &dyn Fn(usize) -> f64| -> Vec<f64> {
        let frame: Vec<f64> = (0..N).map(|i| x(i) * window[i]).collect();
        (1..=BINS)
            .map(|k| {
                let (mut re, mut im) = (0.0, 0.0);
                for (i, v) in frame.iter().enumerate() {
                    let j = (i * k) % N;
                    re += v * cos[j];
                    im -= v * sin[j];
                }
                (re * re + im * im).sqrt()
            })
            .collect()
    };
    let (mut sig, mut err) = (0.0f64, 0.0f64);
    let mut start = 0;
    while start + N <= a.len() {
        let sa = spectrum(&|i| a[start + i] as f64);
        let sb = spectrum(&|i| {
            let j = (start + i) as i64 + lag;
            if j >= 0 && (j as usize) < b.len() {
                b[j as usize] as f64
            } else {
                0.0
            }
        });
        for (x, y) in sa.iter().zip(&sb) {
            sig += x * x;
            err += (x - y) * (x - y);
        }
        start += N;
    }
    10.0 * (sig / err.max(1e-20)).log10()
}

struct Case {
    file: &'static str,
    /// Least SNR (dB) against the original.
    min_snr: f64,
}

#[test]
fn every_format_decodes_to_the_samples_of_the_wav_original() {
    let dir = tempfile::tempdir().unwrap();
    let d = |f: &str| dir.path().join(f);
    let src = jfk();
    let reference = decode_file(&src).unwrap();
    assert_eq!(reference.source_rate, 16_000);
    assert_eq!(reference.samples.len(), 176_000);

    // WAV sample formats at 16 kHz (no dither, so only rounding differs).
    sox(
        &src,
        &d("u8.wav"),
        &["-D", "-b", "8", "-e", "unsigned-integer"],
        &[],
    );
    sox(&src, &d("s24.wav"), &["-b", "24"], &[]);
    sox(&src, &d("s32.wav"), &["-b", "32"], &[]);
    sox(
        &src,
        &d("f32.wav"),
        &["-b", "32", "-e", "floating-point"],
        &[],
    );
    // Other rates and channel counts: resampled and mixed down by the decoder.
    sox(
        &src,
        &d("stereo-44k.wav"),
        &["-c", "2"],
        &["rate", "-v", "44100"],
    );
    sox(
        &src,
        &d("stereo-48k-f32.wav"),
        &["-c", "2", "-b", "32", "-e", "floating-point"],
        &["rate", "-v", "48000"],
    );
    sox(&src, &d("mono-8k.wav"), &[], &["rate", "-v", "8000"]);
    sox(
        &src,
        &d("quad-22k.wav"),
        &["-c", "4"],
        &["rate", "-v", "22050"],
    );
    // Lossless and lossy codecs.
    sox(&src, &d("jfk.flac"), &[], &[]);
    sox(
        &src,
        &d("stereo-44k.flac"),
        &["-c", "2", "-b", "24"],
        &["rate", "-v", "44100"],
    );
    sox(&src, &d("jfk.aiff"), &[], &[]);
    ffmpeg(&src, &d("jfk.ogg"), &["-c:a", "libvorbis", "-q:a", "6"]);
    ffmpeg(&src, &d("jfk.mp3"), &["-c:a", "libmp3lame", "-b:a", "128k"]);
    // Stereo sources come from sox, which copies mono to both channels at full level
    // (ffmpeg's upmix lowers each by 3 dB).
    ffmpeg(
        &d("stereo-44k.wav"),
        &d("stereo-44k.mp3"),
        &["-c:a", "libmp3lame", "-b:a", "128k"],
    );
    ffmpeg(&src, &d("jfk.m4a"), &["-c:a", "aac", "-b:a", "128k"]);
    // Opus (phones, voice notes, video calls) in Ogg and in WebM; always 48 kHz inside.
    ffmpeg(&src, &d("jfk.opus"), &["-c:a", "libopus", "-b:a", "32k"]);
    ffmpeg(
        &d("stereo-48k-f32.wav"),
        &d("stereo-48k.webm"),
        &["-c:a", "libopus", "-b:a", "64k"],
    );
    ffmpeg(
        &d("stereo-48k-f32.wav"),
        &d("stereo-48k.m4a"),
        &["-c:a", "aac", "-b:a", "160k"],
    );

    let cases = [
        Case {
            file: "u8.wav",
            min_snr: 30.0,
        },
        Case {
            file: "s24.wav",
            min_snr: 80.0,
        },
        Case {
            file: "s32.wav",
            min_snr: 80.0,
        },
        Case {
            file: "f32.wav",
            min_snr: 80.0,
        },
        Case {
            file: "stereo-44k.wav",
            min_snr: 30.0,
        },
        Case {
            file: "stereo-48k-f32.wav",
            min_snr: 30.0,
        },
        // 8 kHz keeps only the band below 4 kHz.
        Case {
            file: "mono-8k.wav",
            min_snr: 6.0,
        },
        Case {
            file: "quad-22k.wav",
            min_snr: 30.0,
        },
        Case {
            file: "jfk.flac",
            min_snr: 80.0,
        },
        Case {
            file: "stereo-44k.flac",
            min_snr: 30.0,
        },
        Case {
            file: "jfk.aiff",
            min_snr: 80.0,
        },
        Case {
            file: "jfk.ogg",
            min_snr: 15.0,
        },
        Case {
            file: "jfk.mp3",
            min_snr: 15.0,
        },
        Case {
            file: "stereo-44k.mp3",
            min_snr: 15.0,
        },
        Case {
            file: "jfk.m4a",
            min_snr: 15.0,
        },
        Case {
            file: "stereo-48k.m4a",
            min_snr: 15.0,
        },
        Case {
            file: "jfk.opus",
            min_snr: 15.0,
        },
        Case {
            file: "stereo-48k.webm",
            min_snr: 15.0,
        },
    ];
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for case in &cases {
        let audio = match decode_file(&d(case.file)) {
            Ok(a) => a,
            Err(e) => {
                failures.push(format!("{}: {e}", case.file));
                continue;
            }
        };
        let len_diff = (audio.samples.len() as i64 - reference.samples.len() as i64).abs();
        let (_, lag) = snr_db(&reference.samples, &audio.samples);
        let snr = spectral_snr_db(&reference.samples, &audio.samples, lag);
        report.push(format!(
            "{:<20} {:>6} {} Hz {} ch: {} samples, SNR {snr:.1} dB at lag {lag}",
            case.file,
            audio.codec,
            audio.source_rate,
            audio.source_channels,
            audio.samples.len()
        ));
        // Within 60 ms of the original's length (lossy encoders pad a frame).
        if len_diff > 960 || snr < case.min_snr {
            failures.push(format!(
                "{}: {} samples, SNR {snr:.1} dB (want ≥ {})",
                case.file,
                audio.samples.len(),
                case.min_snr
            ));
        }
    }
    eprintln!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn expect_bad(path: &Path, needle: &str) {
    match decode_file(path) {
        Err(Error::BadInput(msg)) => {
            assert!(
                msg.contains(needle),
                "{}: message {msg:?} should say {needle:?}",
                path.display()
            );
            assert!(
                msg.contains(&path.display().to_string()),
                "the message names the file: {msg}"
            );
        }
        Err(other) => panic!("{}: expected BadInput, got {other:?}", path.display()),
        Ok(a) => panic!(
            "{}: decoded {} samples from a bad file",
            path.display(),
            a.samples.len()
        ),
    }
}

/// A canonical 44-byte WAV header.
fn wav_header(rate: u32, channels: u16, data_len: u32) -> Vec<u8> {
    let mut h = Vec::new();
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&(36 + data_len).to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes());
    h.extend_from_slice(&channels.to_le_bytes());
    h.extend_from_slice(&rate.to_le_bytes());
    h.extend_from_slice(&(rate * channels as u32 * 2).to_le_bytes());
    h.extend_from_slice(&(channels * 2).to_le_bytes());
    h.extend_from_slice(&16u16.to_le_bytes());
    h.extend_from_slice(b"data");
    h.extend_from_slice(&data_len.to_le_bytes());
    h
}

#[test]
fn bad_files_are_bad_input_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let d = |f: &str| dir.path().join(f);

    std::fs::write(d("empty.wav"), b"").unwrap();
    expect_bad(&d("empty.wav"), "empty");

    std::fs::write(
        d("notes.mp3"),
        "Minutes of the finance meeting\nAction: Peter to send the budget.\n".repeat(50),
    )
    .unwrap();
    expect_bad(&d("notes.mp3"), "not a supported audio file");

    std::fs::write(d("zero-length.wav"), wav_header(16_000, 1, 0)).unwrap();
    expect_bad(&d("zero-length.wav"), "no audio");

    let mut zero_hz = wav_header(0, 1, 32_000);
    zero_hz.extend(std::iter::repeat_n(0u8, 32_000));
    std::fs::write(d("zero-hz.wav"), zero_hz).unwrap();
    expect_bad(&d("zero-hz.wav"), "0 Hz");

    let mut zero_ch = wav_header(16_000, 0, 32_000);
    zero_ch.extend(std::iter::repeat_n(0u8, 32_000));
    std::fs::write(d("zero-channels.wav"), zero_ch).unwrap();
    match decode_file(&d("zero-channels.wav")) {
        Err(Error::BadInput(_)) => {}
        other => panic!("0 channels: {other:?}"),
    }

    // A FLAC cut in half: the header promises 11 s.
    sox(&jfk(), &d("full.flac"), &[], &[]);
    let bytes = std::fs::read(d("full.flac")).unwrap();
    std::fs::write(d("truncated.flac"), &bytes[..bytes.len() / 2]).unwrap();
    expect_bad(&d("truncated.flac"), "truncated");

    // Only the FLAC header survives.
    std::fs::write(d("header-only.flac"), &bytes[..200.min(bytes.len())]).unwrap();
    match decode_file(&d("header-only.flac")) {
        Err(Error::BadInput(_)) => {}
        other => panic!("header-only FLAC: {other:?}"),
    }

    // A WAV whose data chunk is cut short.
    let wav = std::fs::read(jfk()).unwrap();
    std::fs::write(d("truncated.wav"), &wav[..wav.len() / 3]).unwrap();
    expect_bad(&d("truncated.wav"), "truncated");

    // Random bytes with an audio extension.
    let noise: Vec<u8> = (0..50_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(d("random.m4a"), &noise).unwrap();
    match decode_file(&d("random.m4a")) {
        Err(Error::BadInput(_)) => {}
        other => panic!("random bytes: {other:?}"),
    }

    match decode_file(&d("missing.wav")) {
        Err(Error::BadInput(msg)) => assert!(msg.contains("missing.wav")),
        other => panic!("missing file: {other:?}"),
    }
}
