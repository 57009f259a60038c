//! Errors of the expense engine. Row-level problems in a claims file are not errors:
//! they are [`crate::RowError`]s returned beside the good claims.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("claims file: missing column `{0}` in the header (required: {1})")]
    MissingColumn(String, String),
    #[error("claims file: {0}")]
    Csv(String),
    #[error("policy: {0}")]
    Policy(String),
    #[error("model file {path}: {message}")]
    ModelFile { path: PathBuf, message: String },
    #[error("model: {0}")]
    Model(String),
    #[error("cannot fit a model on {0} claims: at least {1} history claims are needed")]
    TooFewClaims(usize, usize),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// True when the user's input (a file, a policy, a model file) is at fault, so a
    /// command line maps it to its bad-input exit code.
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, Error::Io { .. } | Error::Model(_))
    }
}

pub type Result<T> = std::result::Result<T, Error>;
