//! Enrolled voices: a directory person's voiceprint made from recordings of them, with
//! the consent record the PDPO asks for, and the naming of a recording's speakers by
//! the voices they match.

pub mod enrol;
pub mod naming;

use crate::directory::{Directory, Person};

pub use naming::{KnownVoices, SegmentSpeaker};

/// What the voiceprints are for, kept with each consent.
pub const PURPOSE: &str =
    "to name the speakers of recorded meetings in their transcripts and minutes";

/// The directory person `query` names: an id, or a name or alias of exactly one person
/// (case and Traditional/Simplified characters aside).
pub fn resolve_person<'a>(directory: &'a Directory, query: &str) -> Result<&'a Person, String> {
    let query = query.trim();
    if query.is_empty() {
        return Err("the person is empty: give a directory id or name".into());
    }
    if let Some(p) = directory.person(query) {
        return Ok(p);
    }
    let key = comparable(query);
    let matches: Vec<&Person> = directory
        .people()
        .iter()
        .filter(|p| {
            std::iter::once(&p.name)
                .chain(&p.aliases)
                .any(|n| comparable(n) == key)
        })
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] if directory.people().is_empty() => Err(format!(
            "no person {query:?}: the directory is empty (give --directory FILE, or upload \
             one to the service)"
        )),
        [] => Err(format!(
            "no person {query:?} in the directory (give a directory id, name or alias)"
        )),
        many => Err(format!(
            "{query:?} names {} people ({}): give the directory id",
            many.len(),
            many.iter()
                .map(|p| format!("{} {}", p.id, p.name))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn comparable(name: &str) -> String {
    crate::directory::normalize::simplified(&name.split_whitespace().collect::<Vec<_>>().join(" "))
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_ids_names_and_aliases_once() {
        let d = Directory::from_json(
            r#"{"people": [
                {"id": "p001", "name": "Chan Tai Man", "aliases": ["陳大文", "Peter"]},
                {"id": "p002", "name": "Peter Wong", "aliases": ["Peter"]},
                {"id": "p003", "name": "Amy Lee"}]}"#,
        )
        .unwrap();
        assert_eq!(resolve_person(&d, "p003").unwrap().id, "p003");
        assert_eq!(resolve_person(&d, "chan  tai man").unwrap().id, "p001");
        assert_eq!(resolve_person(&d, "陈大文").unwrap().id, "p001");
        let err = resolve_person(&d, "Peter").unwrap_err();
        assert!(err.contains("2 people") && err.contains("p002"), "{err}");
        assert!(resolve_person(&d, "Nobody")
            .unwrap_err()
            .contains("no person"));
        let empty = Directory::default();
        assert!(resolve_person(&empty, "Amy").unwrap_err().contains("empty"));
    }
}
