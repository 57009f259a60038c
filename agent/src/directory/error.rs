//! What can be wrong with a directory file; each message names the culprit.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("cannot read the directory {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the directory is not valid JSON at line {line}, column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("duplicate person id {id:?} (people[{first}] and people[{second}])")]
    DuplicatePerson {
        id: String,
        first: usize,
        second: usize,
    },
    #[error("duplicate department id {id:?} (departments[{first}] and departments[{second}])")]
    DuplicateDepartment {
        id: String,
        first: usize,
        second: usize,
    },
    #[error("person {person:?} has manager {manager:?}, who is not in people")]
    UnknownManager { person: String, manager: String },
    #[error("person {person:?} is in department {department:?}, which is not in departments")]
    UnknownDepartment { person: String, department: String },
    #[error("{what} has an empty {field}")]
    Empty { what: String, field: &'static str },
}
