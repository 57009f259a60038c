pub use models::ErrorKind;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Model(#[from] models::Error),
    #[error("{0}")]
    BadInput(String),
    #[error("{0}")]
    Engine(String),
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Model(e) => e.kind(),
            Error::BadInput(_) => ErrorKind::BadInput,
            Error::Engine(_) => ErrorKind::Other,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
