//! JSON-schema-constrained decoding: for generated schemas, every output parses and
//! validates — with random token choices among the allowed ones (thousands of walks,
//! no model) and with SmolLM2 itself (200 schemas × prompts). Also checks the fast mask
//! against a brute-force one.

mod common;

use std::sync::Arc;

use inference::llm::constrained::{Layout, Matcher, Schema, TokenIndex};
use inference::llm::gguf::Gguf;
use inference::llm::sampling::Rng;
use inference::llm::tokenizer::Tokenizer;
use inference::llm::{FinishReason, GenerateRequest, JumpForward, Message, SamplingParams};
use serde_json::{json, Value};

const NAMES: &[&str] = &[
    "owner",
    "task",
    "due",
    "priority",
    "done",
    "notes",
    "amount",
    "tags",
    "room",
    "attendees",
    "title",
    "intent",
    "start",
    "count",
    "score",
    "summary",
    "decisions",
    "location",
];

/// A random schema from the supported subset.
fn gen_schema(rng: &mut Rng, depth: usize) -> Value {
    let pick = |rng: &mut Rng, n: usize| (rng.next_u64() % n as u64) as usize;
    let leaf = |rng: &mut Rng| -> Value {
        match pick(rng, 9) {
            0 => json!({"type": "string"}),
            7 => json!({"type": "string", "maxLength": pick(rng, 9)}),
            8 => json!({"type": "string", "minLength": 2, "maxLength": 2 + pick(rng, 6)}),
            1 => json!({"type": "integer"}),
            2 => json!({"type": "number"}),
            3 => json!({"type": "boolean"}),
            4 => json!({"type": "null"}),
            5 => json!({"type": "string", "enum": ["high", "medium", "low", "n/a", "高"]}),
            _ => json!({"enum": ["create_event", "create_task", "set_reminder", "unknown"]}),
        }
    };
    let value = |rng: &mut Rng, depth: usize| -> Value {
        match pick(rng, 10) {
            0..=4 => leaf(rng),
            5 => json!({"type": "array", "items": leaf(rng)}),
            6 => {
                let mut l = leaf(rng);
                if l.get("type") == Some(&json!("null")) {
                    l
                } else {
                    match l.get("type").cloned() {
                        Some(Value::String(t)) if pick(rng, 2) == 0 && l.get("enum").is_none() => {
                            l["type"] = json!([t, "null"]);
                            l
                        }
                        _ => json!({"anyOf": [l, {"type": "null"}]}),
                    }
                }
            }
            7 if depth < 2 => gen_schema(rng, depth + 1),
            8 if depth < 2 => {
                json!({"type": "array", "items": gen_schema(rng, depth + 1), "maxItems": 3})
            }
            _ => leaf(rng),
        }
    };
    let n = 1 + pick(rng, 4);
    let mut props = serde_json::Map::new();
    let mut required = Vec::new();
    while props.len() < n {
        let name = NAMES[pick(rng, NAMES.len())];
        if props.contains_key(name) {
            continue;
        }
        props.insert(name.to_string(), value(rng, depth));
        if pick(rng, 3) != 0 {
            required.push(json!(name));
        }
    }
    json!({"type": "object", "properties": props, "required": required})
}

fn check(schema: &Schema, text: &str, what: &str) {
    let v: Value = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("{what}: output is not JSON ({e}): {text:?}"));
    if let Err(e) = schema.validate(&v) {
        panic!("{what}: output does not validate: {e}: {text}");
    }
}

fn smollm_tokenizer() -> Tokenizer {
    let g = Gguf::open(&common::model_path("smollm2-135m")).unwrap();
    Tokenizer::from_gguf(&g).unwrap()
}

#[test]
fn random_walks_over_allowed_tokens_always_validate() {
    let tok = smollm_tokenizer();
    let index = TokenIndex::new(&tok);
    let mut rng = Rng::new(1);
    let mut allowed = Vec::new();
    let mut completed_naturally = 0;
    for case in 0..400 {
        let schema_json = gen_schema(&mut rng, 0);
        let schema = Arc::new(Schema::from_json(&schema_json).unwrap());
        let mut m = Matcher::new(schema.clone());
        let mut bytes = Vec::new();
        for _ in 0..80 {
            if m.is_complete() {
                break;
            }
            // Now and then, end the array being written (as a decoder does to break a
            // loop); the walk goes on after it.
            if rng.next_u64().is_multiple_of(16) {
                let close = m.array_close();
                assert!(m.advance(&close), "array_close {close:?} refused");
                bytes.extend_from_slice(&close);
                if m.is_complete() {
                    break;
                }
            }
            index.allowed(&m, &mut allowed);
            assert!(
                !allowed.is_empty(),
                "dead end after {:?}",
                String::from_utf8_lossy(&bytes)
            );
            // Prefer short tokens and closing brackets now and then so walks finish.
            let t = allowed[(rng.next_u64() % allowed.len() as u64) as usize];
            let b = tok.token_bytes(t);
            assert!(m.advance(b), "allowed token {t} refused");
            bytes.extend_from_slice(b);
        }
        if m.is_complete() {
            completed_naturally += 1;
        } else {
            let tail = m.completion();
            assert!(m.advance(&tail));
            assert!(m.can_stop());
            bytes.extend_from_slice(&tail);
        }
        let text = String::from_utf8(bytes).expect("constrained output is UTF-8");
        check(
            &schema,
            &text,
            &format!("walk {case} with schema {schema_json}"),
        );
    }
    println!("{completed_naturally} of 400 walks closed the document themselves");
}

#[test]
fn the_fast_mask_equals_brute_force() {
    let tok = smollm_tokenizer();
    let index = TokenIndex::new(&tok);
    let schema = Arc::new(
        Schema::from_json(&json!({
            "type": "object",
            "properties": {
                "a_task": {"type": "string"},
                "b_n": {"type": ["integer", "null"]},
                "c_level": {"enum": ["high", "low"]},
                "d_tags": {"type": "array", "items": {"type": "number"}},
                "e_title": {"type": "string", "minLength": 2, "maxLength": 5}
            },
            "required": ["a_task", "c_level"]
        }))
        .unwrap(),
    );
    let prefixes = [
        "",
        "{",
        "{\"a_task\"",
        "{\"a_task\": \"Buy ",
        "{\"a_task\": \"Buy \\",
        "{\"a_task\": \"會",
        "{\"a_task\": \"x\", ",
        "{\"a_task\": \"x\", \"b_n\": 1",
        "{\"a_task\": \"x\", \"b_n\": null, \"c_level\": \"h",
        "{\"a_task\": \"x\", \"c_level\": \"low\", \"d_tags\": [1.5, -",
        "{\"a_task\": \"x\", \"c_level\": \"low\", \"e_title\": \"",
        "{\"a_task\": \"x\", \"c_level\": \"low\", \"e_title\": \"ab",
        "{\"a_task\": \"x\", \"c_level\": \"low\", \"e_title\": \"a\\n會",
        "{\"a_task\": \"x\", \"c_level\": \"low\", \"e_title\": \"abcde",
    ];
    let mut fast = Vec::new();
    for p in prefixes {
        let mut m = Matcher::new(schema.clone());
        let pb = p.as_bytes();
        // "會" is three bytes: stop inside it to test a split character too.
        let pb = if p.ends_with('會') {
            &pb[..pb.len() - 1]
        } else {
            pb
        };
        assert!(m.advance(pb), "prefix {p:?} refused");
        index.allowed(&m, &mut fast);
        fast.sort_unstable();
        let brute: Vec<u32> = (0..tok.vocab_size() as u32)
            .filter(|&t| !tok.is_control(t) && !tok.token_bytes(t).is_empty())
            .filter(|&t| m.accepts(tok.token_bytes(t)))
            .collect();
        assert_eq!(fast, brute, "after {p:?}");
        assert!(!fast.is_empty(), "after {p:?}");
    }
}

/// `maxLength` and `minLength` count characters (an escape is one, a Chinese character
/// is one): the decoder cannot write past the one or close the string before the other.
#[test]
fn string_lengths_are_held_in_characters() {
    let schema = Arc::new(
        Schema::from_json(&json!({"type": "string", "minLength": 2, "maxLength": 3})).unwrap(),
    );
    let accepts = |text: &str| Matcher::new(schema.clone()).accepts(text.as_bytes());
    for ok in ["\"ab\"", "\"會議室\"", "\"a\\n\\u00e9\""] {
        assert!(accepts(ok), "{ok} refused");
        let mut m = Matcher::new(schema.clone());
        assert!(m.advance(ok.as_bytes()) && m.is_complete(), "{ok}");
    }
    for too_long in ["\"abcd", "\"會議室會", "\"a\\n\\u00e9x"] {
        assert!(!accepts(too_long), "{too_long} accepted");
    }
    for too_short in ["\"\"", "\"會\""] {
        assert!(!accepts(too_short), "{too_short} accepted");
    }
    // Full: the closing quote is all that is left, so it is dictated.
    let mut m = Matcher::new(schema.clone());
    assert!(m.advance("\"會議室".as_bytes()));
    assert_eq!(m.forced(), b"\"");
    // Too short: the shortest completion pads it to the minimum.
    let mut m = Matcher::new(schema.clone());
    assert!(m.advance(b"\""));
    let tail = m.completion();
    assert!(m.advance(&tail) && m.is_complete(), "{tail:?}");
    assert!(schema.validate(&json!("ab")).is_ok());
    assert!(schema.validate(&json!("abcd")).is_err());
    assert!(schema.validate(&json!("a")).is_err());
}

#[test]
fn unsupported_schemas_are_refused_with_the_place() {
    for (schema, needle) in [
        (json!({"$ref": "#/defs/x"}), "$ref"),
        (
            json!({"type": "object", "properties": {"a": {}}}),
            "#/properties/a",
        ),
        (
            json!({"anyOf": [{"type": "object"}, {"type": "object"}]}),
            "union",
        ),
        (
            json!({"type": "object", "properties": {}, "required": ["x"]}),
            "'x'",
        ),
        (
            json!({"type": "object", "properties": {"year": {"type": "integer", "minimum": 1900}}}),
            "'minimum' cannot be enforced",
        ),
        (
            json!({"type": "string", "pattern": "^[A-Z]+$"}),
            "'pattern' cannot be enforced",
        ),
        (
            json!({"type": "string", "minLength": 4, "maxLength": 3}),
            "cannot be met",
        ),
    ] {
        let err = Schema::from_json(&schema).unwrap_err().to_string();
        assert!(err.contains(needle), "{schema}: {err}");
    }
}

#[test]
fn smollm_outputs_validate_for_200_schemas() {
    let llm = common::smollm();
    let mut rng = Rng::new(2026);
    let texts = [
        "Peter will send the Q4 budget draft to finance by Friday; high priority.",
        "聽日下晝三點同財務部開會，大文負責準備報告。",
        "Book room 5B for the design review next Wednesday at 10am with Mary and Tom.",
        "Decision: we move the launch to March. Alice owns the press release.",
    ];
    let mut natural = 0;
    let mut mask_s = 0.0;
    let mut decode_s = 0.0;
    for case in 0..200 {
        let schema_json = gen_schema(&mut rng, 0);
        let schema = Arc::new(Schema::from_json(&schema_json).unwrap());
        let mut req = GenerateRequest::chat(vec![
            Message::new(
                "system",
                "You turn office notes into JSON. Answer with one JSON object only.",
            ),
            Message::new(
                "user",
                format!(
                    "Notes: {}\nSchema: {}",
                    texts[case % texts.len()],
                    schema_json
                ),
            ),
        ]);
        req.max_tokens = 40;
        req.schema = Some(schema.clone());
        // A third of the cases each: every token the model's, the dictated text fed
        // compactly, and fed in the layout the model has shown.
        req.jump_forward = [
            JumpForward::Off,
            JumpForward::Compact,
            JumpForward::InLayout,
        ][case % 3];
        if case % 2 == 1 {
            req.sampling = SamplingParams {
                temperature: 0.8,
                top_p: 0.95,
                seed: case as u64,
                ..Default::default()
            };
        }
        let out = llm.generate(&req, &mut |_| {}).unwrap();
        check(
            &schema,
            &out.text,
            &format!("case {case}, schema {schema_json}"),
        );
        if out.finish_reason == FinishReason::SchemaComplete {
            natural += 1;
        } else {
            assert_eq!(out.finish_reason, FinishReason::Length, "case {case}");
        }
        mask_s += out.mask_s;
        decode_s += out.decode_s;
    }
    println!(
        "{natural} of 200 finished the document within 40 tokens; mask {:.1}% of decode time",
        100.0 * mask_s / decode_s
    );
    assert!(
        natural >= 100,
        "only {natural} of 200 documents finished on their own"
    );
}

#[test]
fn the_text_a_schema_dictates_is_forced_and_choices_are_left_to_the_model() {
    let schema = Arc::new(
        Schema::parse(
            r#"{"type": "object", "properties": {"intent": {"enum": ["event", "task"]},
                "title": {"type": "string"}}, "required": ["intent", "title"]}"#,
        )
        .unwrap(),
    );
    let mut m = Matcher::new(schema);
    assert_eq!(String::from_utf8(m.forced()).unwrap(), r#"{"intent":""#);
    assert!(m.advance(br#"{"intent":"ta"#));
    assert_eq!(String::from_utf8(m.forced()).unwrap(), r#"sk","title":""#);
    assert!(m.advance(br#"sk","title":"Budget"#));
    assert!(m.forced().is_empty(), "a string may go on or end");
    assert!(m.advance(br#"""#));
    assert_eq!(String::from_utf8(m.forced()).unwrap(), "}");
    assert!(m.advance(b"}"));
    assert!(m.is_complete());
    assert!(m.forced().is_empty());
}

#[test]
fn the_dictated_text_follows_the_layout_the_model_has_shown() {
    let schema = Arc::new(
        Schema::parse(
            r#"{"type": "object", "properties": {
                "items": {"type": "array", "items": {"type": "object",
                    "properties": {"owner": {"type": "string"}, "task": {"type": "string"},
                        "done": {"type": "boolean"}},
                    "required": ["owner", "task", "done"]}},
                "summary": {"type": "string"}},
              "required": ["items", "summary"]}"#,
        )
        .unwrap(),
    );
    let mut m = Matcher::new(schema.clone());
    let mut layout = Layout::new();
    let feed = |m: &mut Matcher, layout: &mut Layout, text: &str| {
        assert!(m.advance(text.as_bytes()), "{text:?} breaks the schema");
        layout.push(text.as_bytes());
    };
    let forced = |m: &Matcher, layout: &Layout| String::from_utf8(m.forced_in(layout)).unwrap();
    // Nothing is known of the layout at first: only `{`, then the model lays it out.
    assert_eq!(forced(&m, &layout), "{");
    feed(&mut m, &mut layout, "{\n  \"");
    assert_eq!(
        forced(&m, &layout),
        r#"items""#,
        "the gap after a name is not known yet"
    );
    feed(
        &mut m,
        &mut layout,
        "items\": [\n    {\n      \"owner\": \"Amy",
    );
    // A string may go on or end.
    assert_eq!(forced(&m, &layout), "");
    feed(&mut m, &mut layout, "\",");
    // The gap after a comma in an object is not known until one was written.
    assert_eq!(forced(&m, &layout), "");
    feed(&mut m, &mut layout, "\n      \"task\": \"send the deck\"");
    assert_eq!(forced(&m, &layout), ",\n      \"done\": ", "then it is");
    feed(&mut m, &mut layout, ",\n      \"done\": true\n    }");
    // One more item or the end of the array: the model's choice.
    assert_eq!(forced(&m, &layout), "");
    feed(&mut m, &mut layout, ",\n    {");
    assert_eq!(
        forced(&m, &layout),
        "\n      \"owner\": \"",
        "the second item is laid out like the first"
    );
    feed(
        &mut m,
        &mut layout,
        "\n      \"owner\": \"Ben\",\n      \"task\": \"book\",\n      \"done\": false\n    }\n  ]",
    );
    // The object's comma gap was seen at depth 3 (6 spaces): at depth 1 it is 2.
    assert_eq!(forced(&m, &layout), ",\n  \"summary\": \"");
    // A gap the model has begun may still grow, unless it already holds the layout.
    let mut m = Matcher::new(schema.clone());
    let mut layout = Layout::new();
    feed(&mut m, &mut layout, "{\n  \"items\": [\n    {\n      \"owner\": \"A\",\n      \"task\": \"t\",\n      \"done\": true\n    },\n    {\n  ");
    assert_eq!(forced(&m, &layout), "", "two more spaces may follow");
    feed(&mut m, &mut layout, "    ");
    assert_eq!(forced(&m, &layout), "\"owner\": \"");
    // Compact output stays compact.
    let mut m = Matcher::new(schema);
    let mut layout = Layout::new();
    feed(
        &mut m,
        &mut layout,
        r#"{"items":[{"owner":"A","task":"t","done":true},{"#,
    );
    assert_eq!(forced(&m, &layout), r#""owner":""#);
}

#[test]
fn an_array_is_closed_from_wherever_its_writer_is() {
    let schema = Arc::new(
        Schema::parse(
            r#"{"type": "object", "properties": {
                "actions": {"type": "array", "items": {"type": "object",
                    "properties": {"owner": {"type": "string"}, "task": {"type": "string"}},
                    "required": ["owner", "task"]}},
                "decisions": {"type": "array", "items": {"type": "string"}},
                "summary": {"type": "string"}},
              "required": ["actions", "decisions", "summary"]}"#,
        )
        .unwrap(),
    );
    let close_after = |written: &str| {
        let mut m = Matcher::new(schema.clone());
        assert!(m.advance(written.as_bytes()), "{written}");
        let close = String::from_utf8(m.array_close()).unwrap();
        assert!(m.advance(close.as_bytes()), "{written}{close}");
        // The document goes on after the array, to a valid end.
        let tail = String::from_utf8(m.completion()).unwrap();
        let whole = format!("{written}{close}{tail}");
        check(&schema, &whole, &whole);
        close
    };
    let item = r#"{"actions":[{"owner":"Amy","task":"send it"}"#;
    assert_eq!(close_after(item), "]");
    assert_eq!(
        close_after(&format!("{item},")),
        r#"{"owner":"","task":""}]"#
    );
    assert_eq!(
        close_after(r#"{"actions":[{"owner":"Am"#),
        r#"","task":""}]"#
    );
    assert_eq!(
        close_after(r#"{"actions":[],"decisions":["Go ahe"#),
        r#""]"#
    );
    // Outside any array there is nothing to close.
    let mut m = Matcher::new(schema.clone());
    assert!(m.advance(br#"{"actions":[],"decisions":[],"summary":"Sh"#));
    assert!(m.array_close().is_empty());
}
