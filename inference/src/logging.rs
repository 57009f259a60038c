//! whisper.cpp and ggml print to stderr by default; send their lines to `tracing`.

use std::sync::Once;

pub fn route_whisper_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(whisper_rs::install_logging_hooks);
}
