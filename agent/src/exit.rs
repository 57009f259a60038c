//! Exit codes of INTERFACES.md: 0 success, 2 bad usage or input, 3 model missing, 1 other.

use models::ErrorKind;

/// The input the user gave cannot be used; the message names the file, line or field.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// Picks the exit code from the first error in the chain that says what kind it is.
pub fn code_for(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        let kind = if cause.is::<BadInput>() {
            Some(ErrorKind::BadInput)
        } else if let Some(e) = cause.downcast_ref::<models::Error>() {
            Some(e.kind())
        } else {
            cause.downcast_ref::<inference::Error>().map(|e| e.kind())
        };
        if let Some(kind) = kind {
            return match kind {
                ErrorKind::BadInput => 2,
                ErrorKind::ModelMissing => 3,
                ErrorKind::Other => 1,
            };
        }
    }
    1
}
