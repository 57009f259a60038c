//! The JSON-schema subset constrained decoding understands, compiled into a flat list
//! of nodes: objects (properties, required), strings, string enums, integers, numbers,
//! booleans, null, arrays of these, and unions (`anyOf` / `oneOf` / `type: [..]`) whose
//! branches start with different characters (e.g. nullable values).

use std::collections::HashMap;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::{Error, Result};

pub(crate) type NodeId = u32;

#[derive(Debug, Clone)]
pub(crate) struct Property {
    pub name: String,
    pub node: NodeId,
    pub required: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Null,
    Boolean,
    Integer,
    Number,
    /// A free string of `min` characters or more and at most `max` (`None`: any).
    String {
        min: u16,
        max: Option<u16>,
    },
    /// String enum: the JSON-escaped values (without quotes), sorted bytewise.
    Enum {
        escaped: Vec<Vec<u8>>,
    },
    Array {
        items: NodeId,
        min: usize,
        max: Option<usize>,
    },
    /// Properties are written in schema order; optional ones may be left out.
    Object {
        props: Vec<Property>,
        /// JSON-escaped property names, sorted bytewise, with their property index.
        keys: Vec<(Vec<u8>, u16)>,
        /// For each index i, the first required property at or after i (props.len() if none).
        next_required: Vec<u16>,
    },
    Union(Vec<NodeId>),
}

/// What a JSON value starts with, which is how a union picks its branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Start {
    Object,
    Array,
    String,
    Number,
    True,
    False,
    Null,
}

impl Start {
    pub fn of_byte(b: u8) -> Option<Start> {
        Some(match b {
            b'{' => Start::Object,
            b'[' => Start::Array,
            b'"' => Start::String,
            b'-' | b'0'..=b'9' => Start::Number,
            b't' => Start::True,
            b'f' => Start::False,
            b'n' => Start::Null,
            _ => return None,
        })
    }
}

/// A compiled schema.
#[derive(Debug, Clone)]
pub struct Schema {
    pub(crate) nodes: Vec<Node>,
    pub(crate) root: NodeId,
    /// While compiling from text: the property names of each `properties` object in
    /// the order the text lists them, by JSON pointer of the object holding them.
    key_order: HashMap<String, Vec<String>>,
}

/// Deepest nesting of objects/arrays a schema may have.
pub const MAX_DEPTH: usize = 12;

impl Schema {
    pub fn from_json(schema: &Value) -> Result<Schema> {
        Schema::compile_root(schema, HashMap::new())
    }

    /// Compiles schema text. Properties are generated in the order the text lists
    /// them (`from_json` sees them alphabetically, as serde_json's map keeps them).
    pub fn parse(text: &str) -> Result<Schema> {
        let bad = |e: serde_json::Error| Error::BadInput(format!("the schema is not JSON: {e}"));
        let v: Value = serde_json::from_str(text).map_err(bad)?;
        let tree: Tree = serde_json::from_str(text).map_err(bad)?;
        let mut order = HashMap::new();
        tree.collect_order("#".to_string(), &mut order);
        Schema::compile_root(&v, order)
    }

    fn compile_root(schema: &Value, key_order: HashMap<String, Vec<String>>) -> Result<Schema> {
        let mut s = Schema {
            nodes: Vec::new(),
            root: 0,
            key_order,
        };
        s.root = s.compile(schema, "#", 0)?;
        s.key_order.clear();
        Ok(s)
    }

    pub(crate) fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id as usize]
    }

    /// The branch of `id` a value starting with `b` belongs to (itself if not a union).
    pub(crate) fn branch_for(&self, id: NodeId, b: u8) -> Option<NodeId> {
        let start = Start::of_byte(b)?;
        match self.node(id) {
            Node::Union(branches) => branches
                .iter()
                .copied()
                .find(|&br| self.starts(br).contains(&start)),
            _ => self.starts(id).contains(&start).then_some(id),
        }
    }

    fn starts(&self, id: NodeId) -> Vec<Start> {
        match self.node(id) {
            Node::Null => vec![Start::Null],
            Node::Boolean => vec![Start::True, Start::False],
            Node::Integer | Node::Number => vec![Start::Number],
            Node::String { .. } | Node::Enum { .. } => vec![Start::String],
            Node::Array { .. } => vec![Start::Array],
            Node::Object { .. } => vec![Start::Object],
            Node::Union(b) => b.iter().flat_map(|&x| self.starts(x)).collect(),
        }
    }

    fn push(&mut self, n: Node) -> NodeId {
        self.nodes.push(n);
        (self.nodes.len() - 1) as NodeId
    }

    fn compile(&mut self, v: &Value, at: &str, depth: usize) -> Result<NodeId> {
        let bad = |msg: String| Error::BadInput(format!("schema at {at}: {msg}"));
        if depth > MAX_DEPTH {
            return Err(bad(format!("nested deeper than {MAX_DEPTH} levels")));
        }
        let obj = v
            .as_object()
            .ok_or_else(|| bad("a schema must be a JSON object".into()))?;
        for key in ["$ref", "allOf", "not", "if", "patternProperties"] {
            if obj.contains_key(key) {
                return Err(bad(format!("'{key}' is not supported")));
            }
        }
        // Constraints the decoder cannot hold the model to are refused rather than
        // ignored: an answer breaking them would pass as valid. (`format` is an
        // annotation in JSON Schema and stays allowed.)
        for key in [
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
            "pattern",
            "minProperties",
            "maxProperties",
            "uniqueItems",
            "contains",
        ] {
            if obj.contains_key(key) {
                return Err(bad(format!(
                    "'{key}' cannot be enforced while decoding (leave it out and check the answer afterwards)"
                )));
            }
        }
        let union_key = ["anyOf", "oneOf"]
            .into_iter()
            .find(|k| obj.contains_key(*k));
        if let Some(key) = union_key {
            let alts = obj[key]
                .as_array()
                .ok_or_else(|| bad(format!("{key} must be an array")))?;
            let mut branches = Vec::new();
            for (i, a) in alts.iter().enumerate() {
                branches.push(self.compile(a, &format!("{at}/{key}/{i}"), depth)?);
            }
            return self.union(branches, at);
        }
        if let Some(c) = obj.get("const") {
            return self.enum_node(std::slice::from_ref(c), at);
        }
        if let Some(values) = obj.get("enum") {
            let values = values
                .as_array()
                .ok_or_else(|| bad("enum must be an array".into()))?;
            return self.enum_node(values, at);
        }
        let types: Vec<&str> = match obj.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts
                .iter()
                .map(|t| {
                    t.as_str()
                        .ok_or_else(|| bad("type names must be strings".into()))
                })
                .collect::<Result<_>>()?,
            Some(_) => return Err(bad("'type' must be a string or an array".into())),
            None if obj.contains_key("properties") => vec!["object"],
            None if obj.contains_key("items") => vec!["array"],
            None => return Err(bad("say the 'type' of the value".into())),
        };
        if types.is_empty() {
            return Err(bad("'type' is an empty list".into()));
        }
        let mut branches = Vec::new();
        for t in types {
            branches.push(self.compile_type(t, obj, at, depth)?);
        }
        if branches.len() == 1 {
            Ok(branches[0])
        } else {
            self.union(branches, at)
        }
    }

    fn compile_type(
        &mut self,
        t: &str,
        obj: &Map<String, Value>,
        at: &str,
        depth: usize,
    ) -> Result<NodeId> {
        let bad = |msg: String| Error::BadInput(format!("schema at {at}: {msg}"));
        let count = |key: &str| -> Result<Option<usize>> {
            match obj.get(key) {
                None => Ok(None),
                Some(v) => v
                    .as_u64()
                    .map(|n| Some(n as usize))
                    .ok_or_else(|| bad(format!("'{key}' must be a non-negative integer"))),
            }
        };
        Ok(match t {
            "null" => self.push(Node::Null),
            "boolean" => self.push(Node::Boolean),
            "integer" => self.push(Node::Integer),
            "number" => self.push(Node::Number),
            "string" => {
                let min = count("minLength")?.unwrap_or(0);
                let max = count("maxLength")?;
                let limit = u16::MAX as usize - 1;
                if min > limit || max.is_some_and(|m| m > limit) {
                    return Err(bad(format!(
                        "string lengths above {limit} are not supported"
                    )));
                }
                if max.is_some_and(|m| m < min) {
                    return Err(bad("minLength/maxLength cannot be met".into()));
                }
                self.push(Node::String {
                    min: min as u16,
                    max: max.map(|m| m as u16),
                })
            }
            "array" => {
                let items = obj
                    .get("items")
                    .ok_or_else(|| bad("an array needs 'items'".into()))?;
                let items = self.compile(items, &format!("{at}/items"), depth + 1)?;
                let min = count("minItems")?.unwrap_or(0);
                let max = count("maxItems")?;
                if max.is_some_and(|m| m < min) || min > u16::MAX as usize {
                    return Err(bad("minItems/maxItems cannot be met".into()));
                }
                self.push(Node::Array { items, min, max })
            }
            "object" => {
                let empty = Map::new();
                let props_json = match obj.get("properties") {
                    Some(Value::Object(p)) => p,
                    Some(_) => return Err(bad("'properties' must be an object".into())),
                    None => &empty,
                };
                let required: Vec<&str> = match obj.get("required") {
                    Some(Value::Array(r)) => r.iter().filter_map(|x| x.as_str()).collect(),
                    Some(_) => return Err(bad("'required' must be an array".into())),
                    None => Vec::new(),
                };
                for r in &required {
                    if !props_json.contains_key(*r) {
                        return Err(bad(format!(
                            "required property '{r}' is not in 'properties'"
                        )));
                    }
                }
                let mut names: Vec<&String> = props_json.keys().collect();
                if let Some(order) = self.key_order.get(at) {
                    names.sort_by_key(|n| order.iter().position(|o| o == *n));
                }
                let mut props = Vec::new();
                for name in names {
                    let p = &props_json[name.as_str()];
                    let node = self.compile(p, &format!("{at}/properties/{name}"), depth + 1)?;
                    props.push(Property {
                        name: name.clone(),
                        node,
                        required: required.contains(&name.as_str()),
                    });
                }
                if props.len() > u16::MAX as usize / 2 {
                    return Err(bad("too many properties".into()));
                }
                let mut keys: Vec<(Vec<u8>, u16)> = props
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (escape(&p.name), i as u16))
                    .collect();
                keys.sort();
                let mut next_required = vec![props.len() as u16; props.len() + 1];
                for i in (0..props.len()).rev() {
                    next_required[i] = if props[i].required {
                        i as u16
                    } else {
                        next_required[i + 1]
                    };
                }
                self.push(Node::Object {
                    props,
                    keys,
                    next_required,
                })
            }
            other => return Err(bad(format!("type '{other}' is not supported"))),
        })
    }

    fn enum_node(&mut self, values: &[Value], at: &str) -> Result<NodeId> {
        let mut strings = Vec::new();
        let mut null = false;
        for v in values {
            match v {
                Value::String(s) => strings.push(escape(s)),
                Value::Null => null = true,
                other => {
                    return Err(Error::BadInput(format!(
                        "schema at {at}: enum values must be strings or null, not {other}"
                    )))
                }
            }
        }
        strings.sort();
        strings.dedup();
        let mut branches = Vec::new();
        if !strings.is_empty() {
            branches.push(self.push(Node::Enum { escaped: strings }));
        }
        if null {
            branches.push(self.push(Node::Null));
        }
        match branches.len() {
            0 => Err(Error::BadInput(format!("schema at {at}: empty enum"))),
            1 => Ok(branches[0]),
            _ => self.union(branches, at),
        }
    }

    /// A union whose branches each start differently. A string and a string enum merge
    /// into the string; an integer and a number into the number.
    fn union(&mut self, branches: Vec<NodeId>, at: &str) -> Result<NodeId> {
        let mut flat = Vec::new();
        for b in branches {
            match self.node(b) {
                Node::Union(inner) => flat.extend(inner.clone()),
                _ => flat.push(b),
            }
        }
        let mut kept: Vec<NodeId> = Vec::new();
        for b in flat {
            let sb = self.starts(b);
            if let Some(pos) = kept.iter().position(|&k| {
                let sk = self.starts(k);
                sb.iter().any(|s| sk.contains(s))
            }) {
                let k = kept[pos];
                let merged = match (self.node(k), self.node(b)) {
                    (Node::String { .. }, Node::Enum { .. } | Node::String { .. }) => k,
                    (Node::Enum { .. }, Node::String { .. }) => b,
                    (Node::Number, Node::Integer | Node::Number) => k,
                    (Node::Integer, Node::Number) => b,
                    (Node::Integer, Node::Integer)
                    | (Node::Boolean, Node::Boolean)
                    | (Node::Null, Node::Null) => k,
                    (Node::Enum { escaped: a }, Node::Enum { escaped: c }) => {
                        let mut all = a.clone();
                        all.extend(c.iter().cloned());
                        all.sort();
                        all.dedup();
                        self.push(Node::Enum { escaped: all })
                    }
                    _ => {
                        return Err(Error::BadInput(format!(
                            "schema at {at}: the alternatives of a union must differ in type (two objects or two arrays cannot be told apart)"
                        )))
                    }
                };
                kept[pos] = merged;
            } else {
                kept.push(b);
            }
        }
        Ok(if kept.len() == 1 {
            kept[0]
        } else {
            self.push(Node::Union(kept))
        })
    }

    /// Checks `value` against the schema; the error says where it fails.
    pub fn validate(&self, value: &Value) -> std::result::Result<(), String> {
        self.validate_node(self.root, value, "$")
    }

    fn validate_node(&self, id: NodeId, v: &Value, at: &str) -> std::result::Result<(), String> {
        let fail = |what: &str| Err(format!("{at}: expected {what}, got {v}"));
        match self.node(id) {
            Node::Null => v.is_null().then_some(()).map_or_else(|| fail("null"), Ok),
            Node::Boolean => v
                .is_boolean()
                .then_some(())
                .map_or_else(|| fail("a boolean"), Ok),
            Node::Integer => (v.is_i64() || v.is_u64())
                .then_some(())
                .map_or_else(|| fail("an integer"), Ok),
            Node::Number => v
                .is_number()
                .then_some(())
                .map_or_else(|| fail("a number"), Ok),
            Node::String { min, max } => match v.as_str() {
                Some(text) => {
                    let n = text.chars().count();
                    if n < *min as usize || max.is_some_and(|m| n > m as usize) {
                        Err(format!("{at}: a string of {n} characters is out of bounds"))
                    } else {
                        Ok(())
                    }
                }
                None => fail("a string"),
            },
            Node::Enum { escaped } => match v {
                Value::String(s) if escaped.contains(&escape(s)) => Ok(()),
                _ => fail("one of the enum values"),
            },
            Node::Array { items, min, max } => {
                let arr = match v.as_array() {
                    Some(a) => a,
                    None => return fail("an array"),
                };
                if arr.len() < *min || max.is_some_and(|m| arr.len() > m) {
                    return Err(format!("{at}: {} items is out of bounds", arr.len()));
                }
                for (i, x) in arr.iter().enumerate() {
                    self.validate_node(*items, x, &format!("{at}[{i}]"))?;
                }
                Ok(())
            }
            Node::Object { props, .. } => {
                let obj = match v.as_object() {
                    Some(o) => o,
                    None => return fail("an object"),
                };
                for p in props {
                    match obj.get(&p.name) {
                        Some(x) => self.validate_node(p.node, x, &format!("{at}.{}", p.name))?,
                        None if p.required => {
                            return Err(format!("{at}: required property '{}' is missing", p.name))
                        }
                        None => {}
                    }
                }
                if let Some(k) = obj.keys().find(|k| !props.iter().any(|p| &p.name == *k)) {
                    return Err(format!("{at}: unexpected property '{k}'"));
                }
                Ok(())
            }
            Node::Union(branches) => {
                if branches
                    .iter()
                    .any(|&b| self.validate_node(b, v, at).is_ok())
                {
                    Ok(())
                } else {
                    fail("a value of one of the union's types")
                }
            }
        }
    }
}

/// The JSON string escape of `s`, without the quotes, as serde_json writes it.
fn escape(s: &str) -> Vec<u8> {
    let quoted = serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""));
    quoted.as_bytes()[1..quoted.len() - 1].to_vec()
}

/// The shape of a JSON document with object keys in the order of the text: just
/// enough to know the order of each `properties` object.
enum Tree {
    Map(Vec<(String, Tree)>),
    Seq(Vec<Tree>),
    Leaf,
}

impl Tree {
    fn collect_order(&self, at: String, out: &mut HashMap<String, Vec<String>>) {
        match self {
            Tree::Map(entries) => {
                for (k, v) in entries {
                    if let (true, Tree::Map(props)) = (k == "properties", v) {
                        out.insert(at.clone(), props.iter().map(|(n, _)| n.clone()).collect());
                    }
                    v.collect_order(format!("{at}/{k}"), out);
                }
            }
            Tree::Seq(items) => {
                for (i, v) in items.iter().enumerate() {
                    v.collect_order(format!("{at}/{i}"), out);
                }
            }
            Tree::Leaf => {}
        }
    }
}

impl<'de> Deserialize<'de> for Tree {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Tree, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Tree;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("JSON")
            }
            fn visit_bool<E>(self, _: bool) -> std::result::Result<Tree, E> {
                Ok(Tree::Leaf)
            }
            fn visit_i64<E>(self, _: i64) -> std::result::Result<Tree, E> {
                Ok(Tree::Leaf)
            }
            fn visit_u64<E>(self, _: u64) -> std::result::Result<Tree, E> {
                Ok(Tree::Leaf)
            }
            fn visit_f64<E>(self, _: f64) -> std::result::Result<Tree, E> {
                Ok(Tree::Leaf)
            }
            fn visit_str<E>(self, _: &str) -> std::result::Result<Tree, E> {
                Ok(Tree::Leaf)
            }
            fn visit_unit<E>(self) -> std::result::Result<Tree, E> {
                Ok(Tree::Leaf)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> std::result::Result<Tree, A::Error> {
                let mut items = Vec::new();
                while let Some(t) = a.next_element()? {
                    items.push(t);
                }
                Ok(Tree::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> std::result::Result<Tree, A::Error> {
                let mut entries = Vec::new();
                while let Some((k, v)) = a.next_entry::<String, Tree>()? {
                    entries.push((k, v));
                }
                Ok(Tree::Map(entries))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_keeps_the_property_order_of_the_text() {
        let s = Schema::parse(
            r#"{"type": "object", "properties": {"task": {"type": "string"},
                "owner": {"anyOf": [{"type": "object", "properties": {"z": {"type": "null"}, "a": {"type": "null"}}}, {"type": "null"}]},
                "due": {"type": "string"}}}"#,
        )
        .unwrap();
        let names = |id: NodeId| match s.node(id) {
            Node::Object { props, .. } => props.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
            _ => panic!("not an object"),
        };
        assert_eq!(names(s.root), ["task", "owner", "due"]);
        let owner = match s.node(s.root) {
            Node::Object { props, .. } => props[1].node,
            _ => unreachable!(),
        };
        let Node::Union(branches) = s.node(owner) else {
            panic!("not a union")
        };
        assert_eq!(names(branches[0]), ["z", "a"]);
    }
}
