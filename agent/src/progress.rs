//! Progress on stderr: a bar on a terminal, plain lines otherwise.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

/// Reports the phases of long work (model downloads, conversion, transcription).
pub struct StderrProgress {
    bar: Mutex<Option<ProgressBar>>,
    started: Mutex<Option<(String, Instant)>>,
    terminal: bool,
    quiet: bool,
}

impl StderrProgress {
    pub fn new() -> StderrProgress {
        StderrProgress {
            bar: Mutex::new(None),
            started: Mutex::new(None),
            terminal: std::io::stderr().is_terminal(),
            quiet: false,
        }
    }

    /// Reports nothing (for `--json` pipelines that want a clean stderr).
    pub fn quiet() -> StderrProgress {
        StderrProgress {
            quiet: true,
            ..StderrProgress::new()
        }
    }

    pub fn begin(&self, label: &str, total: Option<u64>) {
        if self.quiet {
            return;
        }
        if self.terminal {
            let bar = match total {
                Some(n) => ProgressBar::new(n).with_style(
                    ProgressStyle::with_template(
                        "{msg:40} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                    )
                    .expect("valid template")
                    .progress_chars("=> "),
                ),
                None => ProgressBar::new_spinner(),
            };
            bar.set_message(label.to_string());
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            *self.bar.lock().expect("progress lock") = Some(bar);
        }
        *self.started.lock().expect("progress lock") = Some((label.to_string(), Instant::now()));
    }

    pub fn advance(&self, n: u64) {
        if let Some(bar) = self.bar.lock().expect("progress lock").as_ref() {
            bar.inc(n);
        }
    }

    pub fn end(&self) {
        if let Some(bar) = self.bar.lock().expect("progress lock").take() {
            bar.finish_and_clear();
        }
        if let Some((label, at)) = self.started.lock().expect("progress lock").take() {
            if !self.quiet {
                eprintln!("{label}: done in {:.1}s", at.elapsed().as_secs_f64());
            }
        }
    }
}

impl Default for StderrProgress {
    fn default() -> Self {
        StderrProgress::new()
    }
}

impl models::Progress for StderrProgress {
    fn begin(&self, label: &str, total: Option<u64>) {
        StderrProgress::begin(self, label, total)
    }
    fn advance(&self, n: u64) {
        StderrProgress::advance(self, n)
    }
    fn end(&self) {
        StderrProgress::end(self)
    }
}
