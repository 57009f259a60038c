//! How a model lays out the JSON it writes: the whitespace it puts in each kind of gap
//! between JSON tokens (after `{`, after `,`, after `:`, before `}`…), learned from the
//! document written so far. Knowing it, a decoder can feed the schema's dictated text
//! (`",\n    "owner": "`) in the model's own layout instead of asking the model for each
//! of its tokens, and the model's answer stays what it would have written.

use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Container {
    Object,
    Array,
}

/// The last JSON token before a gap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Before {
    Open,
    Comma,
    Colon,
    /// A property name.
    Key,
    Value,
}

/// A place between two JSON tokens where whitespace may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Gap {
    /// After `before`, and the next token does not close `Container`.
    After(Before, Container),
    /// Before the `}` or `]` that closes the container.
    Close(Container),
}

/// The whitespace seen in one kind of gap, and how deep in the document it was.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    ws: Vec<u8>,
    depth: usize,
}

impl Seen {
    /// This gap's whitespace at `depth`: the same, with a line's indentation scaled to
    /// the depth when the gap breaks the line. `None` when the indentation does not
    /// scale (not a whole number of units per level).
    fn at(&self, depth: usize) -> Option<Vec<u8>> {
        let Some(nl) = self.ws.iter().rposition(|&b| b == b'\n') else {
            return Some(self.ws.clone());
        };
        if depth == self.depth {
            return Some(self.ws.clone());
        }
        let indent = &self.ws[nl + 1..];
        if self.depth == 0 || !indent.len().is_multiple_of(self.depth) {
            return None;
        }
        let unit = indent.len() / self.depth;
        let ch = *indent.first().unwrap_or(&b' ');
        if indent.iter().any(|&b| b != ch) {
            return None;
        }
        let mut ws = self.ws[..=nl].to_vec();
        ws.extend(std::iter::repeat_n(ch, unit * depth));
        Some(ws)
    }
}

/// Follows the bytes of one JSON document as they are written and remembers the
/// whitespace of each kind of gap (the last seen wins).
#[derive(Debug, Clone, Default)]
pub struct Layout {
    open: Vec<Container>,
    in_string: bool,
    /// The string being written is a property name.
    in_key: bool,
    escaped: bool,
    /// Inside a number or a literal (`true`, `null`).
    in_bare: bool,
    /// The last JSON token outside strings, once one has ended.
    before: Option<Before>,
    /// A gap is open: the last byte ended a token (or was whitespace after one).
    at_gap: bool,
    /// Whitespace written in the open gap.
    pending: Vec<u8>,
    seen: HashMap<Gap, Seen>,
}

impl Layout {
    pub fn new() -> Layout {
        Layout::default()
    }

    /// Follows `bytes`, the next bytes of the document.
    pub fn push(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.push_byte(b);
        }
    }

    fn push_byte(&mut self, b: u8) {
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                self.in_string = false;
                self.end_token(if self.in_key {
                    Before::Key
                } else {
                    Before::Value
                });
            }
            return;
        }
        if self.in_bare {
            if is_bare(b) {
                return;
            }
            self.in_bare = false;
            self.end_token(Before::Value);
        }
        if is_ws(b) {
            if self.at_gap {
                self.pending.push(b);
            }
            return;
        }
        if self.at_gap {
            if let Some(gap) = self.gap(Some(b)) {
                let depth = self.depth_of(gap);
                let ws = std::mem::take(&mut self.pending);
                self.seen.insert(gap, Seen { ws, depth });
            }
        }
        self.pending.clear();
        self.at_gap = false;
        match b {
            b'{' => {
                self.open.push(Container::Object);
                self.end_token(Before::Open);
            }
            b'[' => {
                self.open.push(Container::Array);
                self.end_token(Before::Open);
            }
            b'}' | b']' => {
                self.open.pop();
                self.end_token(Before::Value);
            }
            b',' => self.end_token(Before::Comma),
            b':' => self.end_token(Before::Colon),
            b'"' => {
                self.in_key = self.open.last() == Some(&Container::Object)
                    && matches!(self.before, Some(Before::Open | Before::Comma));
                self.in_string = true;
            }
            // A number or a literal goes on until whitespace or punctuation.
            _ => {
                self.in_bare = true;
                self.before = Some(Before::Value);
            }
        }
    }

    fn end_token(&mut self, before: Before) {
        self.before = Some(before);
        self.at_gap = true;
        self.pending.clear();
    }

    /// The gap open now, given the byte that will end it (`None`: not known).
    fn gap(&self, next: Option<u8>) -> Option<Gap> {
        let container = *self.open.last()?;
        let before = self.before?;
        match next {
            Some(b'}' | b']') => Some(Gap::Close(container)),
            _ => Some(Gap::After(before, container)),
        }
    }

    fn depth_of(&self, gap: Gap) -> usize {
        match gap {
            Gap::After(..) => self.open.len(),
            Gap::Close(_) => self.open.len().saturating_sub(1),
        }
    }

    /// True when a gap is open and nothing has been written in it yet: whitespace may
    /// be due here.
    /// A number or a literal being written counts as ended here: the schema, not the
    /// layout, says whether it goes on.
    pub fn gap_is_empty(&self) -> bool {
        self.in_gap() && self.pending.is_empty()
    }

    /// Between two JSON tokens inside the document, whitespace written or not.
    pub fn in_gap(&self) -> bool {
        !self.in_string && (self.at_gap || self.in_bare) && !self.open.is_empty()
    }

    /// The open gap holds the whitespace the model puts in gaps like it (when `next`
    /// ends it): the model has finished laying it out. A gap holding less, or more, or
    /// of a kind not seen yet, may still grow.
    pub fn gap_is_laid_out(&self, next: Option<u8>) -> bool {
        let Some(gap) = self.gap(next) else {
            return false;
        };
        self.seen
            .get(&gap)
            .and_then(|seen| seen.at(self.depth_of(gap)))
            .is_some_and(|ws| ws == self.pending)
    }

    /// The open gap comes after a value or a property name, so the token that ends it
    /// decides which gap it is.
    pub fn after_value(&self) -> bool {
        matches!(self.before, Some(Before::Value | Before::Key))
    }

    /// The whitespace the model has put in gaps like the one open now, when `next` is
    /// the JSON token's first byte that ends it (`None` when the schema leaves that to
    /// the model, but it cannot close a container). `None` when no such gap was seen
    /// yet, or its indentation cannot be carried to this depth.
    pub fn spacing(&self, next: Option<u8>) -> Option<Vec<u8>> {
        if !self.gap_is_empty() {
            return None;
        }
        let gap = self.gap(next)?;
        self.seen.get(&gap)?.at(self.depth_of(gap))
    }
}

/// A byte of a number or a literal.
fn is_bare(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+')
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\t' | b'\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after(text: &str) -> Layout {
        let mut l = Layout::new();
        l.push(text.as_bytes());
        l
    }

    #[test]
    fn learns_a_pretty_printed_object() {
        // The gap after a comma is not known until the model has written one.
        let l = after("{\n  \"is_task\": true,");
        assert_eq!(l.spacing(Some(b'"')), None);
        let l = after("{\n  \"is_task\": true,\n  \"owner\": \"I\",");
        assert_eq!(l.spacing(Some(b'"')), Some(b"\n  ".to_vec()));
        let l = after("{\n  \"is_task\":");
        assert_eq!(l.spacing(Some(b't')), None, "no value was written yet");
        let l = after("{\n  \"is_task\": true,\n  \"owner\":");
        assert_eq!(l.spacing(Some(b'"')), Some(b" ".to_vec()));
        assert_eq!(l.spacing(None), Some(b" ".to_vec()));
        // Nothing closed a container yet: its gap is unknown.
        let l = after("{\n  \"is_task\": true,\n  \"owner\": \"I\"");
        assert_eq!(l.spacing(Some(b'}')), None);
        assert_eq!(l.spacing(Some(b',')), Some(Vec::new()));
        // The gap after a name is not the gap after a value.
        let l = after("{\"a\" : 1, \"b\"");
        assert_eq!(l.spacing(Some(b':')), Some(b" ".to_vec()));
    }

    #[test]
    fn indentation_follows_the_depth() {
        let l = after(
            "{\n  \"items\": [\n    {\n      \"owner\": \"Amy\",\n      \"task\": \"x\"\n    },",
        );
        // A closing brace was seen at depth 2 (4 spaces); at depth 0 it is a newline.
        let closing = after("{\n  \"items\": [\n    {\n      \"owner\": \"Amy\"\n    }\n  ]");
        assert_eq!(closing.spacing(Some(b'}')), Some(b"\n".to_vec()));
        // The next object in the array comes after ",\n    ", learned at depth 2.
        assert_eq!(
            l.spacing(Some(b'{')),
            None,
            "an array's comma gap was not seen"
        );
        let l = after("{\n  \"a\": [\n    1,\n    2\n  ],");
        // An object's comma gap at depth 1 is two spaces, learned from a depth-3 gap
        // elsewhere it would be scaled; here it was never seen in an object.
        assert_eq!(l.spacing(Some(b'"')), None);
        let l = after("{\n  \"x\": {\n    \"a\": 1,\n    \"b\": 2\n  },");
        assert_eq!(l.spacing(Some(b'"')), Some(b"\n  ".to_vec()));
    }

    #[test]
    fn compact_json_has_empty_gaps() {
        let l = after("{\"a\":1,\"b\":2,");
        assert_eq!(l.spacing(Some(b'"')), Some(Vec::new()));
        let l = after("{\"a\":1,\"b\":");
        assert_eq!(l.spacing(Some(b'1')), Some(Vec::new()));
        let l = after("{\"a\":");
        assert_eq!(l.spacing(Some(b'1')), None);
    }

    #[test]
    fn string_contents_are_not_gaps() {
        let l = after("{\"a\": \"x, {y: [z\\\", ");
        assert!(!l.gap_is_empty());
        assert_eq!(l.spacing(Some(b'"')), None);
        let l = after("{\"a\": \"x, {y: [z\\\"\",");
        assert_eq!(
            l.spacing(Some(b'"')),
            None,
            "the comma gap of objects is unseen"
        );
        assert!(l.gap_is_empty());
    }

    #[test]
    fn a_gap_already_written_in_takes_no_more() {
        let l = after("{\n  \"a\": 1,\n ");
        assert!(!l.gap_is_empty());
        assert_eq!(l.spacing(Some(b'"')), None);
    }

    #[test]
    fn literals_and_numbers_are_one_token() {
        let l = after("{\"a\": true, \"b\": 12,");
        // "true" and "12" did not record gaps between their own characters: the value
        // gap was seen only before the comma, with nothing in it.
        assert_eq!(l.spacing(Some(b'"')), Some(b" ".to_vec()));
        // A literal or number under way: the gap after it is the value gap.
        let l = after("{\"a\": true , \"b\": 12");
        assert!(l.after_value());
        assert_eq!(l.spacing(Some(b',')), Some(b" ".to_vec()));
    }
}
