//! What can go wrong writing minutes. `BadInput` is the user's to fix (exit code 2, a
//! 400 or a failed job with the reason); the others are the model's or the system's.

#[derive(Debug, thiserror::Error)]
pub enum MinutesError {
    /// The input cannot be used; the message names the file, line or field.
    #[error("{0}")]
    BadInput(String),
    #[error(transparent)]
    Llm(#[from] inference::Error),
    #[error(transparent)]
    Model(#[from] models::Error),
    #[error(transparent)]
    Prompt(#[from] prompts::PromptError),
    #[error("cancelled")]
    Cancelled,
}

pub type Result<T> = std::result::Result<T, MinutesError>;

impl From<crate::speakers::LoadError> for MinutesError {
    fn from(e: crate::speakers::LoadError) -> Self {
        match e {
            crate::speakers::LoadError::Store(e) => e.into(),
            crate::speakers::LoadError::Model(e) => e.into(),
        }
    }
}

impl MinutesError {
    pub fn is_bad_input(&self) -> bool {
        match self {
            MinutesError::BadInput(_) => true,
            MinutesError::Llm(e) => e.kind() == models::ErrorKind::BadInput,
            MinutesError::Model(e) => e.kind() == models::ErrorKind::BadInput,
            _ => false,
        }
    }
}

impl MinutesError {
    /// As an `anyhow::Error` that keeps what the exit code is chosen from
    /// (`crate::exit::code_for`).
    pub fn into_anyhow(self) -> anyhow::Error {
        match self {
            MinutesError::BadInput(m) => crate::exit::BadInput(m).into(),
            MinutesError::Llm(e) => e.into(),
            MinutesError::Model(e) => e.into(),
            MinutesError::Prompt(e) => e.into(),
            MinutesError::Cancelled => anyhow::anyhow!("cancelled"),
        }
    }
}
