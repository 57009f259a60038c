//! `mishu`: the command line and the HTTP service.

use std::process::ExitCode;

use agent::{cli, commands, exit};
use clap::Parser;

/// How long an idle worker of candle's thread pool spins before it sleeps, unless the
/// user sets `CANDLE_BARRIER_POOL_SPIN_LIMIT`. Candle spins 25,000 times; while the
/// speakers are separated alongside the transcription that spinning takes a core from
/// Whisper (a 5-minute meeting: 46.5 s at 25,000, 37.9 s at 1,000, 43.5 s one stage
/// after the other).
const CANDLE_SPIN_LIMIT: &str = "1000";

fn main() -> ExitCode {
    keep_large_allocations();
    // Before any thread starts and before candle builds its pool (it reads this once).
    if std::env::var_os("CANDLE_BARRIER_POOL_SPIN_LIMIT").is_none() {
        std::env::set_var("CANDLE_BARRIER_POOL_SPIN_LIMIT", CANDLE_SPIN_LIMIT);
    }
    let cli = cli::Cli::parse();
    init_logging(cli.verbose);
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(exit::code_for(&err))
        }
    }
}

/// glibc gives allocations above 128 KiB (up to 32 MiB, as it adapts) their own pages
/// from the kernel and returns them on free, so every such tensor candle makes is fresh
/// pages zeroed on first touch: `mishu diarize` of a 450-s recording took 34.0 s, and
/// 19.0 s with these. They stay in the heap instead, which is given
/// back to the system once 1 GiB of it is free at the top. Transcription and the LLM
/// measured the same either way.
fn keep_large_allocations() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
    }
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("MISHU_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
