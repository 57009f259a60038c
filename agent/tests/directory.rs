//! The company directory: loading with clear errors, finding names, expanding departments.

use agent::directory::{Directory, DirectoryError, MentionKind, Speaker};

fn sample() -> Directory {
    Directory::from_json(include_str!("data/directory.json")).expect("sample directory loads")
}

/// (text of each mention, what it resolved to), in order.
fn found(dir: &Directory, text: &str) -> Vec<(String, String)> {
    dir.find(text)
        .into_iter()
        .map(|m| {
            assert_eq!(&text[m.start..m.end], m.text);
            let what = match m.kind {
                MentionKind::Person(id) => id,
                MentionKind::AmbiguousPerson(ids) => format!("?{}", ids.join(",")),
                MentionKind::Department(id) => format!("dept:{id}"),
                MentionKind::Speaker(s) => format!("speaker:{}", s.as_str()),
            };
            (m.text, what)
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn the_longest_name_wins() {
    let dir = sample();
    assert_eq!(found(&dir, "陳大文負責"), pairs(&[("陳大文", "p001")]));
    assert_eq!(found(&dir, "大文負責"), pairs(&[("大文", "p001")]));
    assert_eq!(
        found(&dir, "Peter Chan will do it"),
        pairs(&[("Peter Chan", "p001")])
    );
    assert_eq!(found(&dir, "Peter will do it"), pairs(&[("Peter", "p001")]));
    assert_eq!(
        found(&dir, "ask the Finance Department"),
        pairs(&[("Finance Department", "dept:finance")])
    );
}

#[test]
fn traditional_and_simplified_forms_match_each_other() {
    let dir = sample();
    assert_eq!(found(&dir, "陈大文负责"), pairs(&[("陈大文", "p001")]));
    assert_eq!(
        found(&dir, "同财务部开会"),
        pairs(&[("财务部", "dept:finance")])
    );
    assert_eq!(
        found(&dir, "同財務部開會"),
        pairs(&[("財務部", "dept:finance")])
    );
    assert_eq!(found(&dir, "黄小明"), pairs(&[("黄小明", "p002")]));
    assert_eq!(
        found(&dir, "人力资源部"),
        pairs(&[("人力资源部", "dept:hr")])
    );
}

#[test]
fn latin_names_are_case_insensitive_whole_words() {
    let dir = sample();
    assert_eq!(found(&dir, "ask mary lee"), pairs(&[("mary lee", "p003")]));
    assert_eq!(found(&dir, "ASK MARY"), pairs(&[("MARY", "p003")]));
    assert!(found(&dir, "Annual report for Maryland").is_empty());
    assert!(found(&dir, "Peterson").is_empty());
    assert_eq!(found(&dir, "send to IT"), pairs(&[("IT", "dept:it")]));
    // Acronyms keep their case: `it` is a pronoun, `IT` the department.
    assert_eq!(
        found(&dir, "with it, we see"),
        pairs(&[("we", "speaker:we")])
    );
    assert_eq!(found(&dir, "ask hr or HR"), pairs(&[("HR", "dept:hr")]));
}

#[test]
fn a_name_shared_by_two_people_is_ambiguous() {
    let dir = sample();
    assert_eq!(
        found(&dir, "David will call"),
        pairs(&[("David", "?p005,p006")])
    );
    assert_eq!(
        found(&dir, "David Lam will call"),
        pairs(&[("David Lam", "p006")])
    );
}

#[test]
fn speaker_words_are_reported_for_the_caller() {
    let dir = sample();
    assert_eq!(
        found(&dir, "I will send it to me"),
        pairs(&[("I", "speaker:me"), ("me", "speaker:me")])
    );
    assert_eq!(
        found(&dir, "我哋聽日開會"),
        pairs(&[("我哋", "speaker:we")])
    );
    assert_eq!(found(&dir, "我跟進"), pairs(&[("我", "speaker:me")]));
    assert_eq!(found(&dir, "we decided"), pairs(&[("we", "speaker:we")]));
    assert_eq!(found(&dir, "我们"), pairs(&[("我们", "speaker:we")]));
    // `i` in lower case is not the pronoun.
    assert!(found(&dir, "i.e. later").is_empty());
    assert_eq!(Speaker::We.as_str(), "we");
}

#[test]
fn departments_expand_to_their_members() {
    let dir = sample();
    let ids: Vec<&str> = dir
        .members("finance")
        .iter()
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(ids, ["p001", "p002"]);
    assert!(dir.members("nobody").is_empty());
    assert_eq!(
        dir.person("p003").map(|p| p.name.as_str()),
        Some("Mary Lee")
    );
    assert_eq!(dir.department("it").map(|d| d.names.len()), Some(3));
}

#[test]
fn mixed_sentence_finds_people_departments_and_speakers() {
    let dir = sample();
    let text = "我哋同Peter Chan同人事部嘅Mary聽日開會";
    assert_eq!(
        found(&dir, text),
        pairs(&[
            ("我哋", "speaker:we"),
            ("Peter Chan", "p001"),
            ("人事部", "dept:hr"),
            ("Mary", "p003"),
        ])
    );
}

fn load_error(json: &str) -> DirectoryError {
    Directory::from_json(json).expect_err("should be refused")
}

#[test]
fn duplicate_ids_are_refused_with_both_places() {
    let err = load_error(r#"{"people": [{"id": "p1", "name": "A"}, {"id": "p1", "name": "B"}]}"#);
    assert!(
        matches!(err, DirectoryError::DuplicatePerson { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("\"p1\"") && err.to_string().contains("people[1]"),
        "{err}"
    );
    let err =
        load_error(r#"{"departments": [{"id": "hr", "names": []}, {"id": "hr", "names": []}]}"#);
    assert!(
        matches!(err, DirectoryError::DuplicateDepartment { .. }),
        "{err:?}"
    );
}

#[test]
fn unknown_managers_and_departments_are_refused() {
    let err = load_error(r#"{"people": [{"id": "p1", "name": "A", "manager": "p9"}]}"#);
    assert!(
        matches!(err, DirectoryError::UnknownManager { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("p9"), "{err}");
    let err = load_error(r#"{"people": [{"id": "p1", "name": "A", "department": "sales"}]}"#);
    assert!(
        matches!(err, DirectoryError::UnknownDepartment { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("sales"), "{err}");
}

#[test]
fn broken_json_says_where() {
    let err = load_error("{\n  \"people\": [\n    {\"id\": }\n  ]\n}");
    match err {
        DirectoryError::Json { line, .. } => assert_eq!(line, 3),
        other => panic!("{other:?}"),
    }
    let err = load_error(r#"{"people": [{"id": "p1"}]}"#);
    assert!(err.to_string().contains("name"), "{err}");
    let err = load_error(r#"{"people": [{"id": " ", "name": "A"}]}"#);
    assert!(matches!(err, DirectoryError::Empty { .. }), "{err:?}");
}

#[test]
fn a_missing_file_names_the_path() {
    let err = Directory::load(std::path::Path::new("/no/such/dir.json")).expect_err("missing");
    assert!(err.to_string().contains("/no/such/dir.json"), "{err}");
}

#[test]
fn odd_text_never_panics() {
    let dir = sample();
    for text in [
        "",
        "我",
        "🙂陳大文🙂",
        "\u{0}Peter\u{0}",
        "ＰＥＴＥＲ",
        "陳",
        "IIII",
        "大文大文大文",
    ] {
        for m in dir.find(text) {
            assert!(text.is_char_boundary(m.start) && text.is_char_boundary(m.end));
        }
    }
    assert!(Directory::default().find("Peter").is_empty());
}
