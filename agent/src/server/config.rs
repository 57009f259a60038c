//! The service's configuration: defaults, then `mishu.toml` in the data directory, then
//! `MISHU_*` environment variables, then command-line flags. docs/SERVICE.md lists them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// What can be wrong with the configuration; the message says where.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("environment variable {name}: {message}")]
    Env { name: String, message: String },
    #[error("{0}")]
    Invalid(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    /// `None`: SQLite in the data directory.
    pub database_url: Option<String>,
    /// Largest request body accepted, in bytes (413 above).
    pub max_body_bytes: usize,
    /// Largest history upload (`POST /v1/expenses/history`), in bytes.
    pub max_history_bytes: usize,
    /// This node's name in the job queue; unique per node when several share a database.
    pub node_id: String,
    pub expenses: ExpensesConfig,
    pub alerts: AlertsConfig,
    pub webhooks: Vec<WebhookConfig>,
    pub minutes: MinutesConfig,
    pub commands: CommandsConfig,
    pub reminders: RemindersConfig,
    /// The service's address as calendar apps reach it (`https://mishu.example.com`), for
    /// the feed URLs it hands out; unset: the request's `Host`, over http.
    pub public_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommandsConfig {
    /// The LLM that understands `POST /v1/commands` (`mishu models list`), or `rules` for
    /// the deterministic rules alone.
    pub model: String,
    /// Milliseconds the LLM may take before the rules answer instead.
    pub timeout_ms: u64,
    /// The Whisper model for spoken commands (default: as `mishu transcribe`).
    pub speech_model: Option<String>,
    /// The only languages spoken commands may be detected as, comma-separated Whisper
    /// codes.
    pub languages: String,
    /// Where models are installed (default: as the CLI, `MISHU_MODELS_DIR` or the user's
    /// data directory).
    pub models_dir: Option<PathBuf>,
    /// The IANA zone relative time words are read in when a request names none.
    pub tz: String,
    /// Largest spoken-command upload, in bytes.
    pub max_audio_bytes: usize,
}

impl Default for CommandsConfig {
    fn default() -> Self {
        CommandsConfig {
            model: crate::commands::command::DEFAULT_MODEL.into(),
            timeout_ms: crate::instructions::DEFAULT_TIMEOUT.as_millis() as u64,
            speech_model: None,
            languages: inference::whisper::DEFAULT_LANGUAGES.into(),
            models_dir: None,
            tz: "Asia/Hong_Kong".into(),
            max_audio_bytes: 16 * 1024 * 1024,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RemindersConfig {
    /// How often the service looks for reminders that are due, in milliseconds.
    pub poll_ms: u64,
}

impl Default for RemindersConfig {
    fn default() -> Self {
        RemindersConfig { poll_ms: 1000 }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExpensesConfig {
    /// Policy TOML (relative paths are in the data directory); default policy if unset.
    pub policy: Option<PathBuf>,
    /// The model is fitted (on start, or by refit) only with at least this many claims.
    pub min_history: usize,
    /// Refit in the background once this many claims arrived since the last fit (0: never).
    pub refit_after: usize,
    /// Largest number of claims in one request.
    pub max_batch: usize,
}

impl Default for ExpensesConfig {
    fn default() -> Self {
        ExpensesConfig {
            policy: None,
            min_history: 50,
            refit_after: 10_000,
            max_batch: 1000,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsConfig {
    /// Lowest risk level that raises an alert: `high` (default) or `medium`.
    pub min_level: String,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig {
            min_level: "high".into(),
        }
    }
}

/// Meeting minutes (`POST /v1/meetings`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MinutesConfig {
    /// The LLM that writes minutes (`mishu models list`).
    pub model: String,
    /// The Whisper model for recordings (default: whisper-base-q8_0 when installed).
    pub speech_model: Option<String>,
    /// The only languages a recording may be detected as, comma-separated Whisper codes.
    pub languages: String,
    /// Where models are installed (default: the user's data directory).
    pub models_dir: Option<PathBuf>,
    /// Most transcript tokens the model reads at once.
    pub chunk_tokens: usize,
    /// A second look, one line at a time, at lines that may hold a task or a decision
    /// the first reading missed.
    pub second_look: bool,
    /// Largest meeting upload (a recording or a transcript), in bytes (413 above).
    pub max_upload_bytes: usize,
    /// Longer recordings are refused (the job fails saying so).
    pub max_audio_hours: f64,
}

impl Default for MinutesConfig {
    fn default() -> Self {
        MinutesConfig {
            model: crate::minutes::DEFAULT_MODEL.into(),
            speech_model: None,
            languages: inference::whisper::DEFAULT_LANGUAGES.into(),
            models_dir: None,
            chunk_tokens: crate::minutes::DEFAULT_CHUNK_TOKENS,
            second_look: true,
            max_upload_bytes: 512 * 1024 * 1024,
            max_audio_hours: crate::minutes::audio::DEFAULT_MAX_AUDIO_HOURS,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// `http://host:port/path`.
    pub url: String,
    /// HMAC-SHA256 key for the `X-Mishu-Signature` header.
    pub secret: String,
    /// Only alerts for these routes (empty: all).
    #[serde(default)]
    pub routes: Vec<String>,
    /// Deliveries tried at most this many times in all.
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
    /// Wait before the first retry; doubled after each failure, up to `max_backoff_ms`.
    #[serde(default = "default_backoff")]
    pub initial_backoff_ms: u64,
    #[serde(default = "default_max_backoff")]
    pub max_backoff_ms: u64,
    /// Per-attempt timeout.
    #[serde(default = "default_timeout")]
    pub timeout_ms: u64,
}

fn default_attempts() -> u32 {
    6
}
fn default_backoff() -> u64 {
    500
}
fn default_max_backoff() -> u64 {
    30_000
}
fn default_timeout() -> u64 {
    5_000
}

impl WebhookConfig {
    pub fn new(url: impl Into<String>, secret: impl Into<String>) -> WebhookConfig {
        WebhookConfig {
            url: url.into(),
            secret: secret.into(),
            routes: Vec::new(),
            max_attempts: default_attempts(),
            initial_backoff_ms: default_backoff(),
            max_backoff_ms: default_max_backoff(),
            timeout_ms: default_timeout(),
        }
    }

    /// The wait before attempt `attempt + 1` (attempt counts from 1).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u64 << attempt.saturating_sub(1).min(20);
        Duration::from_millis(
            self.initial_backoff_ms
                .saturating_mul(factor)
                .min(self.max_backoff_ms),
        )
    }
}

/// The TOML file's shape.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    addr: Option<SocketAddr>,
    database_url: Option<String>,
    max_body_bytes: Option<usize>,
    max_history_bytes: Option<usize>,
    node_id: Option<String>,
    #[serde(default)]
    expenses: Option<ExpensesConfig>,
    #[serde(default)]
    alerts: Option<AlertsConfig>,
    #[serde(default)]
    webhooks: Vec<WebhookConfig>,
    #[serde(default)]
    minutes: Option<MinutesConfig>,
    commands: Option<CommandsConfig>,
    #[serde(default)]
    reminders: Option<RemindersConfig>,
    public_url: Option<String>,
}

/// The default address: loopback only.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
/// The configuration file's name in the data directory.
pub const FILE_NAME: &str = "mishu.toml";

impl Config {
    /// Defaults for a data directory, without reading anything.
    pub fn new(data_dir: impl Into<PathBuf>) -> Config {
        Config {
            addr: DEFAULT_ADDR.parse().expect("valid default address"),
            data_dir: data_dir.into(),
            database_url: None,
            max_body_bytes: 1024 * 1024,
            max_history_bytes: 64 * 1024 * 1024,
            node_id: "local".into(),
            expenses: ExpensesConfig::default(),
            alerts: AlertsConfig::default(),
            webhooks: Vec::new(),
            minutes: MinutesConfig::default(),
            commands: CommandsConfig::default(),
            reminders: RemindersConfig::default(),
            public_url: None,
        }
    }

    /// Loads `DIR/mishu.toml` (if present) over the defaults, then the environment
    /// (`env` is e.g. `std::env::vars()`).
    pub fn load(
        data_dir: &Path,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut config = Config::new(data_dir);
        let path = data_dir.join(FILE_NAME);
        if path.exists() {
            let text = std::fs::read_to_string(&path).map_err(|e| ConfigError::File {
                path: path.clone(),
                message: e.to_string(),
            })?;
            let file: FileConfig = toml::from_str(&text).map_err(|e| ConfigError::File {
                path: path.clone(),
                message: e.to_string(),
            })?;
            config.apply_file(file);
        }
        let env: std::collections::BTreeMap<String, String> = env.into_iter().collect();
        for (name, value) in &env {
            config.apply_env(name, value)?;
        }
        if let Some(url) = env.get("MISHU_WEBHOOK_URL") {
            let secret = env.get("MISHU_WEBHOOK_SECRET").cloned().unwrap_or_default();
            match config.webhooks.iter_mut().find(|w| &w.url == url) {
                Some(existing) if !secret.is_empty() => existing.secret = secret,
                Some(_) => {}
                None => config.webhooks.push(WebhookConfig::new(url, secret)),
            }
        }
        config.validate()?;
        Ok(config)
    }

    fn apply_file(&mut self, file: FileConfig) {
        if let Some(addr) = file.addr {
            self.addr = addr;
        }
        if file.database_url.is_some() {
            self.database_url = file.database_url;
        }
        if let Some(max) = file.max_body_bytes {
            self.max_body_bytes = max;
        }
        if let Some(max) = file.max_history_bytes {
            self.max_history_bytes = max;
        }
        if let Some(node) = file.node_id {
            self.node_id = node;
        }
        if let Some(expenses) = file.expenses {
            self.expenses = expenses;
        }
        if let Some(alerts) = file.alerts {
            self.alerts = alerts;
        }
        self.webhooks = file.webhooks;
        if let Some(minutes) = file.minutes {
            self.minutes = minutes;
        }
        if let Some(commands) = file.commands {
            self.commands = commands;
        }
        if let Some(reminders) = file.reminders {
            self.reminders = reminders;
        }
        if file.public_url.is_some() {
            self.public_url = file.public_url;
        }
    }

    fn apply_env(&mut self, name: &str, value: &str) -> Result<(), ConfigError> {
        fn parse<T: std::str::FromStr>(name: &str, value: &str) -> Result<T, ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            value.trim().parse().map_err(|e: T::Err| ConfigError::Env {
                name: name.into(),
                message: format!("{value:?}: {e}"),
            })
        }
        match name {
            "MISHU_ADDR" => self.addr = parse(name, value)?,
            "MISHU_DATABASE_URL" => self.database_url = Some(value.to_string()),
            "MISHU_MAX_BODY_BYTES" => self.max_body_bytes = parse(name, value)?,
            "MISHU_MAX_HISTORY_BYTES" => self.max_history_bytes = parse(name, value)?,
            "MISHU_NODE_ID" => self.node_id = value.to_string(),
            "MISHU_POLICY" => self.expenses.policy = Some(PathBuf::from(value)),
            "MISHU_MIN_HISTORY" => self.expenses.min_history = parse(name, value)?,
            "MISHU_REFIT_AFTER" => self.expenses.refit_after = parse(name, value)?,
            "MISHU_ALERT_MIN_LEVEL" => self.alerts.min_level = value.to_string(),
            "MISHU_MINUTES_MODEL" => self.minutes.model = value.trim().to_string(),
            "MISHU_SPEECH_MODEL" => {
                self.minutes.speech_model = Some(value.trim().to_string());
                self.commands.speech_model = Some(value.trim().to_string());
            }
            "MISHU_LANGUAGES" => {
                self.minutes.languages = value.trim().to_string();
                self.commands.languages = value.trim().to_string();
            }
            "MISHU_MODELS_DIR" => {
                self.minutes.models_dir = Some(PathBuf::from(value));
                self.commands.models_dir = Some(PathBuf::from(value));
            }
            "MISHU_MINUTES_MAX_UPLOAD_BYTES" => self.minutes.max_upload_bytes = parse(name, value)?,
            "MISHU_MINUTES_MAX_AUDIO_HOURS" => self.minutes.max_audio_hours = parse(name, value)?,
            "MISHU_MINUTES_SECOND_LOOK" => self.minutes.second_look = parse(name, value)?,
            "MISHU_COMMAND_MODEL" => self.commands.model = value.to_string(),
            "MISHU_PUBLIC_URL" => self.public_url = Some(value.to_string()),
            _ => {}
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if !matches!(self.alerts.min_level.as_str(), "high" | "medium") {
            return Err(ConfigError::Invalid(format!(
                "alerts.min_level must be \"high\" or \"medium\", not {:?}",
                self.alerts.min_level
            )));
        }
        if self.max_body_bytes < 1024 {
            return Err(ConfigError::Invalid(
                "max_body_bytes must be at least 1024".into(),
            ));
        }
        let m = &self.minutes;
        if m.model.trim().is_empty() {
            return Err(ConfigError::Invalid(
                "minutes.model must name a model".into(),
            ));
        }
        if m.chunk_tokens < 64 {
            return Err(ConfigError::Invalid(
                "minutes.chunk_tokens must be at least 64".into(),
            ));
        }
        if m.max_upload_bytes < 1024 {
            return Err(ConfigError::Invalid(
                "minutes.max_upload_bytes must be at least 1024".into(),
            ));
        }
        if !(m.max_audio_hours.is_finite() && m.max_audio_hours > 0.0) {
            return Err(ConfigError::Invalid(format!(
                "minutes.max_audio_hours must be a positive number of hours, not {}",
                m.max_audio_hours
            )));
        }
        for (key, list) in [
            ("minutes.languages", &m.languages),
            ("commands.languages", &self.commands.languages),
        ] {
            if let Err(e) = inference::whisper::Languages::parse(list) {
                return Err(ConfigError::Invalid(format!("{key} {list:?}: {e}")));
            }
        }
        if self.commands.tz.parse::<chrono_tz::Tz>().is_err() {
            return Err(ConfigError::Invalid(format!(
                "commands.tz {:?} is not an IANA time zone (e.g. Asia/Hong_Kong)",
                self.commands.tz
            )));
        }
        if self.reminders.poll_ms == 0 {
            return Err(ConfigError::Invalid(
                "reminders.poll_ms must be at least 1".into(),
            ));
        }
        if let Some(url) = &self.public_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ConfigError::Invalid(format!(
                    "public_url {url:?} must start with http:// or https://"
                )));
            }
        }
        for hook in &self.webhooks {
            if !hook.url.starts_with("http://") {
                return Err(ConfigError::Invalid(format!(
                    "webhook {}: only http:// URLs are delivered (put a TLS proxy in front \
                     for https)",
                    hook.url
                )));
            }
            if hook.secret.is_empty() {
                return Err(ConfigError::Invalid(format!(
                    "webhook {}: a secret is required to sign deliveries \
                     (MISHU_WEBHOOK_SECRET or `secret` in mishu.toml)",
                    hook.url
                )));
            }
            if hook.max_attempts == 0 {
                return Err(ConfigError::Invalid(format!(
                    "webhook {}: max_attempts must be at least 1",
                    hook.url
                )));
            }
        }
        Ok(())
    }

    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| crate::store::Store::default_url(&self.data_dir))
    }

    /// The policy file, resolved against the data directory.
    pub fn policy_path(&self) -> Option<PathBuf> {
        self.expenses.policy.as_ref().map(|p| {
            if p.is_absolute() {
                p.clone()
            } else {
                self.data_dir.join(p)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_environment() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE_NAME),
            r#"
addr = "127.0.0.1:9000"
max_body_bytes = 4096
[expenses]
refit_after = 10
[[webhooks]]
url = "http://127.0.0.1:9999/hook"
secret = "s3cret"
routes = ["audit"]
"#,
        )
        .unwrap();
        let env = [("MISHU_ADDR".to_string(), "127.0.0.1:9001".to_string())];
        let config = Config::load(dir.path(), env).unwrap();
        assert_eq!(config.addr.port(), 9001);
        assert_eq!(config.max_body_bytes, 4096);
        assert_eq!(config.expenses.refit_after, 10);
        assert_eq!(config.expenses.min_history, 50);
        assert_eq!(config.webhooks[0].routes, vec!["audit"]);
        assert_eq!(config.webhooks[0].max_attempts, 6);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors_naming_where() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "adress = \"x\"\n").unwrap();
        let err = Config::load(dir.path(), []).unwrap_err().to_string();
        assert!(
            err.contains("mishu.toml") && err.contains("adress"),
            "{err}"
        );
        let err = Config::load(
            tempfile::tempdir().unwrap().path(),
            [("MISHU_MAX_BODY_BYTES".into(), "lots".into())],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("MISHU_MAX_BODY_BYTES"), "{err}");
    }

    #[test]
    fn minutes_settings_from_file_and_environment() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE_NAME),
            "[minutes]\nmodel = \"qwen2.5-0.5b\"\nmax_audio_hours = 3\n",
        )
        .unwrap();
        let env = [
            (
                "MISHU_MINUTES_MAX_UPLOAD_BYTES".to_string(),
                "2048".to_string(),
            ),
            ("MISHU_MINUTES_SECOND_LOOK".to_string(), "false".to_string()),
        ];
        let config = Config::load(dir.path(), env).unwrap();
        assert_eq!(config.minutes.model, "qwen2.5-0.5b");
        assert!(!config.minutes.second_look);
        assert!(MinutesConfig::default().second_look);
        assert_eq!(config.minutes.max_audio_hours, 3.0);
        assert_eq!(
            MinutesConfig::default().max_audio_hours,
            crate::minutes::audio::DEFAULT_MAX_AUDIO_HOURS,
            "one default for the service and `mishu minutes`"
        );
        assert_eq!(config.minutes.max_upload_bytes, 2048);
        assert_eq!(
            config.minutes.chunk_tokens,
            crate::minutes::DEFAULT_CHUNK_TOKENS
        );
        let err = Config::load(
            tempfile::tempdir().unwrap().path(),
            [("MISHU_MINUTES_MAX_AUDIO_HOURS".into(), "-1".into())],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("max_audio_hours"), "{err}");
    }

    #[test]
    fn languages_from_file_and_environment_and_errors_naming_the_code() {
        let default = Config::load(tempfile::tempdir().unwrap().path(), []).unwrap();
        assert_eq!(default.minutes.languages, "en,zh,yue");
        assert_eq!(default.commands.languages, "en,zh,yue");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE_NAME),
            "[minutes]\nlanguages = \"en,yue\"\n[commands]\nlanguages = \"zh\"\n",
        )
        .unwrap();
        let config = Config::load(dir.path(), []).unwrap();
        assert_eq!(config.minutes.languages, "en,yue");
        assert_eq!(config.commands.languages, "zh");
        let env = [("MISHU_LANGUAGES".to_string(), "en, ja".to_string())];
        let config = Config::load(dir.path(), env).unwrap();
        assert_eq!(config.minutes.languages, "en, ja");
        assert_eq!(config.commands.languages, "en, ja");
        let env = [("MISHU_LANGUAGES".to_string(), "en,xx".to_string())];
        let err = Config::load(dir.path(), env).unwrap_err().to_string();
        assert!(
            err.contains("minutes.languages") && err.contains("\"xx\""),
            "{err}"
        );
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let mut hook = WebhookConfig::new("http://127.0.0.1:1/", "k");
        hook.initial_backoff_ms = 100;
        hook.max_backoff_ms = 350;
        let waits: Vec<u64> = (1..=4)
            .map(|a| hook.backoff(a).as_millis() as u64)
            .collect();
        assert_eq!(waits, vec![100, 200, 350, 350]);
    }
}
