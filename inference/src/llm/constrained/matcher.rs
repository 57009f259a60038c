//! An incremental JSON recogniser for one schema: it takes bytes one at a time and
//! refuses any byte after which no document valid against the schema could follow.
//! Its whole state is a small fixed-size array, copied (not allocated) when the mask
//! computation tries a token.

use std::sync::Arc;

use super::layout::Layout;
use super::schema::{Node, NodeId, Schema, MAX_DEPTH};

/// Whitespace bytes allowed in one gap between JSON tokens.
const MAX_WS: u8 = 24;
/// Digits allowed in an integer part, a fraction and an exponent.
const MAX_INT_DIGITS: u8 = 15;
const MAX_FRAC_DIGITS: u8 = 12;
const MAX_EXP_DIGITS: u8 = 2;

const LITERALS: [&[u8]; 3] = [b"null", b"true", b"false"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ObjSt {
    Open,
    Colon,
    BeforeValue,
    AfterValue,
    Comma,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArrSt {
    Open,
    AfterValue,
    Comma,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumSt {
    Minus,
    Zero,
    Int,
    Dot,
    Frac,
    Exp,
    ExpSign,
    ExpInt,
}

impl NumSt {
    fn accepting(self) -> bool {
        matches!(self, NumSt::Zero | NumSt::Int | NumSt::Frac | NumSt::ExpInt)
    }
}

/// A string's `left` when its schema sets no `maxLength`.
const ANY_LENGTH: u16 = u16::MAX;

/// `left` and `short` after one more character of a string; `None` when it has no room.
fn one_more_character(left: u16, short: u16) -> Option<(u16, u16)> {
    let left = match left {
        0 => return None,
        ANY_LENGTH => ANY_LENGTH,
        n => n - 1,
    };
    Some((left, short.saturating_sub(1)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    /// A value of this schema node must start here.
    Value {
        node: NodeId,
    },
    Object {
        node: NodeId,
        /// Index of the first property that may still be written.
        next: u16,
        /// The property whose key was just read.
        key: u16,
        st: ObjSt,
        ws: u8,
    },
    /// Inside a property name: candidates are `keys[lo..hi]`, `pos` bytes matched.
    Key {
        node: NodeId,
        lo: u16,
        hi: u16,
        pos: u16,
    },
    Array {
        node: NodeId,
        count: u16,
        st: ArrSt,
        ws: u8,
    },
    /// Inside a free string: `esc` 1 after a backslash, 2..=5 inside `\uXXXX`;
    /// `need` continuation bytes of a UTF-8 character still due, the next in lo..=hi;
    /// `left` characters more allowed ([`ANY_LENGTH`]: no limit), `short` still due.
    Str {
        esc: u8,
        need: u8,
        lo: u8,
        hi: u8,
        left: u16,
        short: u16,
    },
    Enum {
        node: NodeId,
        lo: u16,
        hi: u16,
        pos: u16,
    },
    Num {
        integer: bool,
        st: NumSt,
        digits: u8,
    },
    Lit {
        lit: u8,
        pos: u8,
    },
}

#[derive(Clone, Copy)]
pub(crate) struct Stack {
    frames: [Frame; MAX_DEPTH * 2 + 4],
    len: u8,
}

/// Follows the output of one constrained generation.
#[derive(Clone)]
pub struct Matcher {
    schema: Arc<Schema>,
    pub(crate) stack: Stack,
}

impl Matcher {
    pub fn new(schema: Arc<Schema>) -> Matcher {
        let root = schema.root;
        let mut stack = Stack {
            frames: [Frame::Lit { lit: 0, pos: 0 }; MAX_DEPTH * 2 + 4],
            len: 0,
        };
        stack.push(Frame::Value { node: root });
        Matcher { schema, stack }
    }

    /// Feeds bytes; false (and the matcher must be dropped) if they break the schema.
    pub fn advance(&mut self, bytes: &[u8]) -> bool {
        let schema = &*self.schema;
        bytes.iter().all(|&b| self.stack.step(schema, b))
    }

    /// Would `bytes` be accepted? Leaves the matcher unchanged.
    pub fn accepts(&self, bytes: &[u8]) -> bool {
        let mut s = self.stack;
        bytes.iter().all(|&b| s.step(&self.schema, b))
    }

    /// The document is finished: nothing more may follow.
    pub fn is_complete(&self) -> bool {
        self.stack.len == 0
    }

    /// Generation may stop here (complete, or a top-level number that could go on).
    pub fn can_stop(&self) -> bool {
        self.stack.can_stop()
    }

    pub(crate) fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The bytes the schema dictates from here, written compactly (where it would also
    /// allow whitespace, none is taken): `":"` after a key, `,"title":"` after a value.
    /// Stops before any real choice, where the document may end, and at a whole UTF-8
    /// character. A decoder may feed these without asking the model for each token.
    pub fn forced(&self) -> Vec<u8> {
        let mut s = self.stack;
        let mut out = Vec::new();
        while s.len > 0 && !s.can_stop() && out.len() < 256 {
            match self.next_token_byte(&s) {
                Next::Only(b, next) => {
                    out.push(b);
                    s = *next;
                }
                _ => break,
            }
        }
        whole_characters(out)
    }

    /// Like [`Matcher::forced`], but in the layout the document so far shows
    /// (`layout` has followed every byte fed to this matcher): the whitespace the model
    /// has put in each kind of gap goes there again (`",\n    "task": "`). Stops where
    /// the layout of a gap is not known yet, so that the model lays it out itself.
    pub fn forced_in(&self, layout: &Layout) -> Vec<u8> {
        let schema = &*self.schema;
        let mut s = self.stack;
        let mut layout = layout.clone();
        let mut out = Vec::new();
        while s.len > 0 && !s.can_stop() && out.len() < 256 {
            let next = self.next_token_byte(&s);
            if layout.in_gap() && s.accepts_ws(schema) {
                // After a value, the token that ends the gap tells which gap it is (and
                // a number may go on); before a value, the gap is the same whatever
                // value the model chooses.
                let ends_gap = match next {
                    Next::Only(b, _) => Some(b),
                    Next::Choice { may_close: false } if !layout.after_value() => None,
                    Next::Choice { .. } | Next::Nothing => break,
                };
                if layout.gap_is_empty() {
                    let Some(ws) = layout.spacing(ends_gap) else {
                        break;
                    };
                    let mut spaced = s;
                    if !ws.iter().all(|&b| spaced.step(schema, b)) {
                        break;
                    }
                    layout.push(&ws);
                    out.extend_from_slice(&ws);
                    s = spaced;
                    if !ws.is_empty() {
                        // The gap is filled; what follows is as the schema dictates.
                        continue;
                    }
                } else if !layout.gap_is_laid_out(ends_gap) {
                    // The model has begun this gap itself: go on only once it holds
                    // what the model puts in such gaps.
                    break;
                }
            }
            match next {
                Next::Only(b, after) => {
                    layout.push(&[b]);
                    out.push(b);
                    s = *after;
                }
                _ => break,
            }
        }
        whole_characters(out)
    }

    /// The one byte other than whitespace that may come next, if there is only one.
    fn next_token_byte(&self, s: &Stack) -> Next {
        let schema = &*self.schema;
        let mut only: Option<(u8, Stack)> = None;
        let mut may_close = false;
        let mut choices = 0;
        for b in (0..=255u8).filter(|&b| !is_ws(b)) {
            let mut next = *s;
            if next.step(schema, b) {
                choices += 1;
                may_close |= matches!(b, b'}' | b']');
                only = Some((b, next));
            }
        }
        match (choices, only) {
            (1, Some((b, next))) => Next::Only(b, Box::new(next)),
            (0, _) => Next::Nothing,
            _ => Next::Choice { may_close },
        }
    }

    /// The shortest bytes that complete the document from here.
    pub fn completion(&self) -> Vec<u8> {
        self.shortest_until(|s| s.can_stop())
    }

    /// The shortest bytes that end the innermost array being written: the element under
    /// way (if any) finished as briefly as the schema allows, then `]`. Empty outside an
    /// array. What follows the array is left to the writer.
    pub fn array_close(&self) -> Vec<u8> {
        let frames = &self.stack.frames[..self.stack.len as usize];
        let Some(at) = frames
            .iter()
            .rposition(|f| matches!(f, Frame::Array { .. }))
        else {
            return Vec::new();
        };
        self.shortest_until(|s| s.len as usize <= at)
    }

    /// The shortest bytes from here to a state where `done` holds (or the document ends).
    fn shortest_until(&self, done: impl Fn(&Stack) -> bool) -> Vec<u8> {
        let schema = &*self.schema;
        let mut s = self.stack;
        let mut out = Vec::new();
        for _ in 0..100_000 {
            if s.len == 0 || done(&s) {
                break;
            }
            let top = s.frames[s.len as usize - 1];
            let bytes: Vec<u8> = match top {
                Frame::Value { node } => min_start(schema, node),
                Frame::Str {
                    esc,
                    need,
                    lo,
                    short,
                    ..
                } => {
                    if need > 0 {
                        let mut v = vec![lo];
                        v.extend(std::iter::repeat_n(0x80, need as usize - 1));
                        v
                    } else if esc == 1 {
                        b"\\".to_vec()
                    } else if esc >= 2 {
                        vec![b'0'; 6 - esc as usize]
                    } else if short > 0 {
                        vec![b'-'; short as usize]
                    } else {
                        b"\"".to_vec()
                    }
                }
                Frame::Enum { node, lo, pos, .. } => match schema.node(node) {
                    Node::Enum { escaped } => {
                        let mut v = escaped[lo as usize][pos as usize..].to_vec();
                        v.push(b'"');
                        v
                    }
                    _ => break,
                },
                Frame::Key { node, lo, hi, pos } => {
                    let parent_next = s.parent_next();
                    match schema.node(node) {
                        Node::Object {
                            keys,
                            next_required,
                            ..
                        } => {
                            let last = next_required[parent_next as usize];
                            let pick = keys[lo as usize..hi as usize]
                                .iter()
                                .find(|(_, p)| *p >= parent_next && *p <= last);
                            match pick {
                                Some((k, _)) => {
                                    let mut v = k[pos as usize..].to_vec();
                                    v.push(b'"');
                                    v
                                }
                                None => break,
                            }
                        }
                        _ => break,
                    }
                }
                Frame::Num { st, .. } => {
                    if st.accepting() {
                        // A finished number ends where its parent goes on.
                        s.len -= 1;
                        continue;
                    }
                    b"0".to_vec()
                }
                Frame::Lit { lit, pos } => LITERALS[lit as usize][pos as usize..].to_vec(),
                Frame::Object {
                    node,
                    next,
                    key,
                    st,
                    ..
                } => {
                    let Node::Object {
                        props,
                        next_required,
                        ..
                    } = schema.node(node)
                    else {
                        break;
                    };
                    let required_left = (next_required[next as usize] as usize) < props.len();
                    match st {
                        ObjSt::Open if required_left => b"\"".to_vec(),
                        ObjSt::AfterValue if required_left => b",".to_vec(),
                        ObjSt::Open | ObjSt::AfterValue => b"}".to_vec(),
                        ObjSt::Colon => b":".to_vec(),
                        ObjSt::Comma => b"\"".to_vec(),
                        ObjSt::BeforeValue => min_start(schema, props[key as usize].node),
                    }
                }
                Frame::Array {
                    node, count, st, ..
                } => {
                    let Node::Array { items, min, .. } = schema.node(node) else {
                        break;
                    };
                    match st {
                        ArrSt::Open if *min == 0 => b"]".to_vec(),
                        ArrSt::AfterValue if count as usize >= *min => b"]".to_vec(),
                        ArrSt::AfterValue => b",".to_vec(),
                        ArrSt::Open | ArrSt::Comma => min_start(schema, *items),
                    }
                }
            };
            for &b in &bytes {
                if !s.step(schema, b) {
                    tracing::error!(byte = b, "constrained completion went wrong");
                    return out;
                }
            }
            out.extend_from_slice(&bytes);
        }
        out
    }
}

/// The first bytes of the shortest value of `node`; the matcher finishes the rest.
fn min_start(schema: &Schema, node: NodeId) -> Vec<u8> {
    match schema.node(node) {
        Node::Null => b"null".to_vec(),
        Node::Boolean => b"false".to_vec(),
        Node::Integer | Node::Number => b"0".to_vec(),
        Node::String { .. } | Node::Enum { .. } => b"\"".to_vec(),
        Node::Array { .. } => b"[".to_vec(),
        Node::Object { .. } => b"{".to_vec(),
        Node::Union(branches) => {
            let pick = branches
                .iter()
                .copied()
                .find(|&b| matches!(schema.node(b), Node::Null))
                .unwrap_or(branches[0]);
            min_start(schema, pick)
        }
    }
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\t' | b'\r')
}

/// What the schema lets come next, whitespace aside.
enum Next {
    /// The byte and the state after it.
    Only(u8, Box<Stack>),
    Choice {
        may_close: bool,
    },
    Nothing,
}

/// `bytes` up to the end of their last whole UTF-8 character.
fn whole_characters(mut bytes: Vec<u8>) -> Vec<u8> {
    let whole = match std::str::from_utf8(&bytes) {
        Ok(_) => bytes.len(),
        Err(e) => e.valid_up_to(),
    };
    bytes.truncate(whole);
    bytes
}

impl Stack {
    fn push(&mut self, f: Frame) -> bool {
        if self.len as usize >= self.frames.len() {
            return false;
        }
        self.frames[self.len as usize] = f;
        self.len += 1;
        true
    }

    fn top(&self) -> Option<&Frame> {
        self.len.checked_sub(1).map(|i| &self.frames[i as usize])
    }

    /// When the top frame is plain string content (no escape or UTF-8 character in
    /// progress): how many more characters the string may take. Then any token of that
    /// many characters or fewer, without quote, backslash or control bytes, made of
    /// whole characters, is accepted.
    pub(crate) fn plain_string_room(&self) -> Option<u16> {
        match self.top() {
            Some(Frame::Str {
                esc: 0,
                need: 0,
                left,
                ..
            }) => Some(*left),
            _ => None,
        }
    }

    /// Whitespace may come next, between two JSON tokens (not inside a string).
    fn accepts_ws(&self, schema: &Schema) -> bool {
        let mut s = *self;
        !self.in_string_like() && s.step(schema, b' ')
    }

    /// Inside a string, a key, an enum's string, a number or a literal.
    fn in_string_like(&self) -> bool {
        matches!(
            self.top(),
            Some(Frame::Str { .. } | Frame::Key { .. } | Frame::Enum { .. } | Frame::Lit { .. })
        )
    }

    fn can_stop(&self) -> bool {
        self.len == 0
            || (self.len == 1 && matches!(self.frames[0], Frame::Num { st, .. } if st.accepting()))
    }

    /// `next` of the object below the top frame.
    fn parent_next(&self) -> u16 {
        match self.len.checked_sub(2).map(|i| self.frames[i as usize]) {
            Some(Frame::Object { next, .. }) => next,
            _ => 0,
        }
    }

    /// Consumes one byte; false if no valid document continues with it.
    pub(crate) fn step(&mut self, schema: &Schema, b: u8) -> bool {
        loop {
            let Some(i) = (self.len as usize).checked_sub(1) else {
                return false; // the document is complete
            };
            match self.frames[i] {
                Frame::Value { node } => {
                    self.len -= 1;
                    return self.start_value(schema, node, b);
                }
                Frame::Str {
                    esc,
                    need,
                    lo,
                    hi,
                    left,
                    short,
                } => {
                    let f = &mut self.frames[i];
                    let str_frame = |esc, need, lo, hi, left, short| Frame::Str {
                        esc,
                        need,
                        lo,
                        hi,
                        left,
                        short,
                    };
                    if need > 0 {
                        if b < lo || b > hi {
                            return false;
                        }
                        *f = str_frame(esc, need - 1, 0x80, 0xBF, left, short);
                        return true;
                    }
                    if esc == 1 {
                        let e = match b {
                            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => 0,
                            b'u' => 2,
                            _ => return false,
                        };
                        *f = str_frame(e, need, lo, hi, left, short);
                        return true;
                    }
                    if esc >= 2 {
                        // No surrogate escapes: a lone one would not parse.
                        if !b.is_ascii_hexdigit() || (esc == 2 && matches!(b, b'd' | b'D')) {
                            return false;
                        }
                        let e = if esc == 5 { 0 } else { esc + 1 };
                        *f = str_frame(e, need, lo, hi, left, short);
                        return true;
                    }
                    if b == b'"' {
                        if short > 0 {
                            return false;
                        }
                        self.len -= 1;
                        return true;
                    }
                    // Every other byte here starts a character (an escape counts as one).
                    let (esc, need, lo, hi) = match b {
                        b'\\' => (1, 0, lo, hi),
                        0..=0x1F => return false,
                        0x20..=0x7F => (0, 0, lo, hi),
                        0xC2..=0xDF => (0, 1, 0x80, 0xBF),
                        0xE0 => (0, 2, 0xA0, 0xBF),
                        0xE1..=0xEC | 0xEE..=0xEF => (0, 2, 0x80, 0xBF),
                        0xED => (0, 2, 0x80, 0x9F),
                        0xF0 => (0, 3, 0x90, 0xBF),
                        0xF1..=0xF3 => (0, 3, 0x80, 0xBF),
                        0xF4 => (0, 3, 0x80, 0x8F),
                        _ => return false,
                    };
                    let Some((left, short)) = one_more_character(left, short) else {
                        return false;
                    };
                    *f = str_frame(esc, need, lo, hi, left, short);
                    return true;
                }
                Frame::Enum { node, lo, hi, pos } => {
                    let Node::Enum { escaped } = schema.node(node) else {
                        return false;
                    };
                    if b == b'"' {
                        if escaped[lo as usize].len() == pos as usize {
                            self.len -= 1;
                            return true;
                        }
                        return false;
                    }
                    let Some((nlo, nhi)) = narrow(escaped.iter().map(|v| &v[..]), lo, hi, pos, b)
                    else {
                        return false;
                    };
                    self.frames[i] = Frame::Enum {
                        node,
                        lo: nlo,
                        hi: nhi,
                        pos: pos + 1,
                    };
                    return true;
                }
                Frame::Key { node, lo, hi, pos } => {
                    let Node::Object {
                        keys,
                        next_required,
                        ..
                    } = schema.node(node)
                    else {
                        return false;
                    };
                    let next = self.parent_next();
                    let last = next_required[next as usize];
                    let in_window = |p: u16| p >= next && p <= last;
                    if b == b'"' {
                        let (k, p) = &keys[lo as usize];
                        if k.len() == pos as usize && in_window(*p) {
                            self.len -= 1;
                            if let Some(Frame::Object { next, key, .. }) =
                                self.frames.get_mut(i - 1)
                            {
                                *key = *p;
                                *next = *p + 1;
                            }
                            return true;
                        }
                        return false;
                    }
                    let Some((nlo, nhi)) = narrow(keys.iter().map(|k| &k.0[..]), lo, hi, pos, b)
                    else {
                        return false;
                    };
                    if !keys[nlo as usize..nhi as usize]
                        .iter()
                        .any(|(_, p)| in_window(*p))
                    {
                        return false;
                    }
                    self.frames[i] = Frame::Key {
                        node,
                        lo: nlo,
                        hi: nhi,
                        pos: pos + 1,
                    };
                    return true;
                }
                Frame::Num {
                    integer,
                    st,
                    digits,
                } => {
                    let digit = b.is_ascii_digit();
                    let next = match (st, b) {
                        // "-0" reads back as the float -0.0: not an integer.
                        (NumSt::Minus, b'0') if !integer => Some((NumSt::Zero, 0)),
                        (NumSt::Minus, b'1'..=b'9') => Some((NumSt::Int, 1)),
                        (NumSt::Int, _) if digit => Some((NumSt::Int, digits + 1)),
                        (NumSt::Zero | NumSt::Int, b'.') if !integer => Some((NumSt::Dot, 0)),
                        (NumSt::Dot, _) if digit => Some((NumSt::Frac, 1)),
                        (NumSt::Frac, _) if digit => Some((NumSt::Frac, digits + 1)),
                        (NumSt::Zero | NumSt::Int | NumSt::Frac, b'e' | b'E') if !integer => {
                            Some((NumSt::Exp, 0))
                        }
                        (NumSt::Exp, b'+' | b'-') => Some((NumSt::ExpSign, 0)),
                        (NumSt::Exp | NumSt::ExpSign, _) if digit => Some((NumSt::ExpInt, 1)),
                        (NumSt::ExpInt, _) if digit => Some((NumSt::ExpInt, digits + 1)),
                        _ => None,
                    };
                    match next {
                        Some((st, digits)) => {
                            let cap = match st {
                                NumSt::Int => MAX_INT_DIGITS,
                                NumSt::Frac => MAX_FRAC_DIGITS,
                                NumSt::ExpInt => MAX_EXP_DIGITS,
                                _ => u8::MAX,
                            };
                            if digits > cap {
                                return false;
                            }
                            self.frames[i] = Frame::Num {
                                integer,
                                st,
                                digits,
                            };
                            return true;
                        }
                        None if st.accepting() && !digit => {
                            // The number ended; the byte belongs to the parent.
                            self.len -= 1;
                            continue;
                        }
                        None => return false,
                    }
                }
                Frame::Lit { lit, pos } => {
                    let text = LITERALS[lit as usize];
                    if text.get(pos as usize) != Some(&b) {
                        return false;
                    }
                    if pos as usize + 1 == text.len() {
                        self.len -= 1;
                    } else {
                        self.frames[i] = Frame::Lit { lit, pos: pos + 1 };
                    }
                    return true;
                }
                Frame::Object {
                    node,
                    next,
                    key,
                    st,
                    ws,
                } => {
                    let Node::Object {
                        props,
                        keys,
                        next_required,
                    } = schema.node(node)
                    else {
                        return false;
                    };
                    let n = props.len() as u16;
                    if is_ws(b) {
                        if ws >= MAX_WS {
                            return false;
                        }
                        self.frames[i] = Frame::Object {
                            node,
                            next,
                            key,
                            st,
                            ws: ws + 1,
                        };
                        return true;
                    }
                    let required_left = next_required[next as usize] < n;
                    let set = |s: &mut Stack, st: ObjSt| {
                        s.frames[i] = Frame::Object {
                            node,
                            next,
                            key,
                            st,
                            ws: 0,
                        };
                    };
                    match (st, b) {
                        (ObjSt::Open | ObjSt::Comma, b'"') => {
                            if next >= n {
                                return false;
                            }
                            set(self, ObjSt::Colon);
                            return self.push(Frame::Key {
                                node,
                                lo: 0,
                                hi: keys.len() as u16,
                                pos: 0,
                            });
                        }
                        (ObjSt::Open | ObjSt::AfterValue, b'}') => {
                            if required_left {
                                return false;
                            }
                            self.len -= 1;
                            return true;
                        }
                        (ObjSt::Colon, b':') => {
                            set(self, ObjSt::BeforeValue);
                            return true;
                        }
                        (ObjSt::AfterValue, b',') => {
                            if next >= n {
                                return false;
                            }
                            set(self, ObjSt::Comma);
                            return true;
                        }
                        (ObjSt::BeforeValue, _) => {
                            set(self, ObjSt::AfterValue);
                            if !self.push(Frame::Value {
                                node: props[key as usize].node,
                            }) {
                                return false;
                            }
                            continue;
                        }
                        _ => return false,
                    }
                }
                Frame::Array {
                    node,
                    count,
                    st,
                    ws,
                } => {
                    let Node::Array { items, min, max } = schema.node(node) else {
                        return false;
                    };
                    if is_ws(b) {
                        if ws >= MAX_WS {
                            return false;
                        }
                        self.frames[i] = Frame::Array {
                            node,
                            count,
                            st,
                            ws: ws + 1,
                        };
                        return true;
                    }
                    match (st, b) {
                        (ArrSt::Open | ArrSt::AfterValue, b']') => {
                            if (count as usize) < *min {
                                return false;
                            }
                            self.len -= 1;
                            return true;
                        }
                        (ArrSt::AfterValue, b',') => {
                            if max.is_some_and(|m| count as usize >= m) || count == u16::MAX {
                                return false;
                            }
                            self.frames[i] = Frame::Array {
                                node,
                                count,
                                st: ArrSt::Comma,
                                ws: 0,
                            };
                            return true;
                        }
                        (ArrSt::Open | ArrSt::Comma, _) => {
                            if max.is_some_and(|m| count as usize >= m) {
                                return false;
                            }
                            self.frames[i] = Frame::Array {
                                node,
                                count: count + 1,
                                st: ArrSt::AfterValue,
                                ws: 0,
                            };
                            if !self.push(Frame::Value { node: *items }) {
                                return false;
                            }
                            continue;
                        }
                        _ => return false,
                    }
                }
            }
        }
    }

    /// Starts a value of `node` with byte `b` (the Value frame is already popped).
    fn start_value(&mut self, schema: &Schema, node: NodeId, b: u8) -> bool {
        let Some(node) = schema.branch_for(node, b) else {
            return false;
        };
        let frame = match (schema.node(node), b) {
            (Node::Null, b'n') => Frame::Lit { lit: 0, pos: 1 },
            (Node::Boolean, b't') => Frame::Lit { lit: 1, pos: 1 },
            (Node::Boolean, b'f') => Frame::Lit { lit: 2, pos: 1 },
            (Node::Integer | Node::Number, _) => {
                let integer = matches!(schema.node(node), Node::Integer);
                let (st, digits) = match b {
                    b'-' => (NumSt::Minus, 0),
                    b'0' => (NumSt::Zero, 0),
                    _ => (NumSt::Int, 1),
                };
                Frame::Num {
                    integer,
                    st,
                    digits,
                }
            }
            (Node::String { min, max }, b'"') => Frame::Str {
                esc: 0,
                need: 0,
                lo: 0,
                hi: 0,
                left: max.unwrap_or(ANY_LENGTH),
                short: *min,
            },
            (Node::Enum { escaped }, b'"') => Frame::Enum {
                node,
                lo: 0,
                hi: escaped.len() as u16,
                pos: 0,
            },
            (Node::Array { .. }, b'[') => Frame::Array {
                node,
                count: 0,
                st: ArrSt::Open,
                ws: 0,
            },
            (Node::Object { .. }, b'{') => Frame::Object {
                node,
                next: 0,
                key: 0,
                st: ObjSt::Open,
                ws: 0,
            },
            _ => return false,
        };
        self.push(frame)
    }
}

/// Within sorted `items[lo..hi]` (sharing their first `pos` bytes), the sub-range whose
/// byte at `pos` is `b`.
fn narrow<'a>(
    items: impl Iterator<Item = &'a [u8]> + Clone,
    lo: u16,
    hi: u16,
    pos: u16,
    b: u8,
) -> Option<(u16, u16)> {
    let mut first = None;
    let mut last = 0;
    for (i, v) in items.enumerate().skip(lo as usize).take((hi - lo) as usize) {
        if v.get(pos as usize) == Some(&b) {
            if first.is_none() {
                first = Some(i as u16);
            }
            last = i as u16 + 1;
        }
    }
    first.map(|f| (f, last))
}
