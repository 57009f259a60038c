//! The company directory (INTERFACES.md §2): loading it with clear errors, finding people,
//! departments and speaker references (`me`, `我哋`) in text, expanding departments.
//!
//! Matching is case-insensitive, whole-word for Latin script, blind to Traditional vs
//! Simplified characters, and the longest name wins (`陳大文` before `大文`).

mod error;
mod matcher;
mod model;
pub mod normalize;

use std::collections::HashMap;
use std::path::Path;

pub use error::DirectoryError;
pub use matcher::{Mention, MentionKind, Speaker};
pub use model::{Department, DirectoryFile, Person};

use matcher::Matcher;

/// A loaded, checked directory with its name matcher built.
#[derive(Debug)]
pub struct Directory {
    people: Vec<Person>,
    departments: Vec<Department>,
    person_index: HashMap<String, usize>,
    department_index: HashMap<String, usize>,
    matcher: Matcher,
}

impl Default for Directory {
    fn default() -> Self {
        Directory {
            people: Vec::new(),
            departments: Vec::new(),
            person_index: HashMap::new(),
            department_index: HashMap::new(),
            matcher: Matcher::new(&[], &[]),
        }
    }
}

impl Directory {
    /// Reads and checks a directory file.
    pub fn load(path: &Path) -> Result<Self, DirectoryError> {
        let text = std::fs::read_to_string(path).map_err(|source| DirectoryError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_json(&text)
    }

    /// Parses and checks a directory from its JSON text.
    pub fn from_json(text: &str) -> Result<Self, DirectoryError> {
        let file: DirectoryFile = serde_json::from_str(text).map_err(|e| DirectoryError::Json {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        Self::from_file(file)
    }

    /// Checks ids, managers and departments, and builds the matcher.
    pub fn from_file(file: DirectoryFile) -> Result<Self, DirectoryError> {
        let DirectoryFile {
            people,
            departments,
        } = file;
        let mut department_index = HashMap::new();
        for (i, d) in departments.iter().enumerate() {
            if d.id.trim().is_empty() {
                return Err(DirectoryError::Empty {
                    what: format!("departments[{i}]"),
                    field: "id",
                });
            }
            if let Some(first) = department_index.insert(d.id.clone(), i) {
                return Err(DirectoryError::DuplicateDepartment {
                    id: d.id.clone(),
                    first,
                    second: i,
                });
            }
        }
        let mut person_index = HashMap::new();
        for (i, p) in people.iter().enumerate() {
            if p.id.trim().is_empty() {
                return Err(DirectoryError::Empty {
                    what: format!("people[{i}]"),
                    field: "id",
                });
            }
            if p.name.trim().is_empty() {
                return Err(DirectoryError::Empty {
                    what: format!("person {:?}", p.id),
                    field: "name",
                });
            }
            if let Some(first) = person_index.insert(p.id.clone(), i) {
                return Err(DirectoryError::DuplicatePerson {
                    id: p.id.clone(),
                    first,
                    second: i,
                });
            }
        }
        for p in &people {
            if let Some(m) = &p.manager {
                if !person_index.contains_key(m) {
                    return Err(DirectoryError::UnknownManager {
                        person: p.id.clone(),
                        manager: m.clone(),
                    });
                }
            }
            if let Some(d) = &p.department {
                if !department_index.contains_key(d) {
                    return Err(DirectoryError::UnknownDepartment {
                        person: p.id.clone(),
                        department: d.clone(),
                    });
                }
            }
        }
        let matcher = Matcher::new(&people, &departments);
        Ok(Directory {
            people,
            departments,
            person_index,
            department_index,
            matcher,
        })
    }

    pub fn people(&self) -> &[Person] {
        &self.people
    }

    pub fn departments(&self) -> &[Department] {
        &self.departments
    }

    pub fn person(&self, id: &str) -> Option<&Person> {
        self.person_index.get(id).map(|&i| &self.people[i])
    }

    pub fn department(&self, id: &str) -> Option<&Department> {
        self.department_index.get(id).map(|&i| &self.departments[i])
    }

    /// The people of a department, in directory order.
    pub fn members(&self, department_id: &str) -> Vec<&Person> {
        self.people
            .iter()
            .filter(|p| p.department.as_deref() == Some(department_id))
            .collect()
    }

    /// Every person, department and speaker reference named in `text`, in order.
    pub fn find(&self, text: &str) -> Vec<Mention> {
        self.matcher.find(text)
    }
}
