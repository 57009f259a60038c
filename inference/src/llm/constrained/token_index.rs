//! Every token's bytes, computed once per tokenizer, in a prefix tree, so the set of
//! tokens allowed by a [`Matcher`] is found by walking the tree with the matcher's
//! state and cutting off every branch at its first refused byte. Inside free string
//! content — the common case — the answer is a precomputed list plus a check of the
//! few tokens that hold quotes, backslashes or pieces of characters.

use super::matcher::Matcher;
use crate::llm::tokenizer::Tokenizer;

struct TrieNode {
    /// Children as (byte, node) sorted by byte: `edges[first..first + count]`.
    first: u32,
    count: u16,
    /// Tokens ending here: `ends[end_first..end_first + end_count]`.
    end_first: u32,
    end_count: u16,
}

pub struct TokenIndex {
    nodes: Vec<TrieNode>,
    edges: Vec<(u8, u32)>,
    ends: Vec<u32>,
    /// Tokens that are whole characters with no quote, backslash or control byte,
    /// fewest characters first.
    plain: Vec<u32>,
    /// The number of characters of each of `plain`.
    plain_chars: Vec<u16>,
    /// Text tokens that are not plain.
    other: Vec<(u32, Vec<u8>)>,
}

impl TokenIndex {
    pub fn new(tok: &Tokenizer) -> TokenIndex {
        let t0 = std::time::Instant::now();
        // Build a pointer trie first, then flatten it.
        struct Build {
            children: Vec<(u8, usize)>,
            ends: Vec<u32>,
        }
        let mut build = vec![Build {
            children: Vec::new(),
            ends: Vec::new(),
        }];
        let mut plain = Vec::new();
        let mut other = Vec::new();
        for id in 0..tok.vocab_size() as u32 {
            if tok.is_control(id) {
                continue;
            }
            let bytes = tok.token_bytes(id);
            if bytes.is_empty() {
                continue;
            }
            if is_plain(bytes) {
                let chars = String::from_utf8_lossy(bytes).chars().count();
                plain.push((chars.min(u16::MAX as usize) as u16, id));
            } else {
                other.push((id, bytes.to_vec()));
            }
            let mut n = 0usize;
            for &b in bytes {
                n = match build[n].children.iter().find(|(c, _)| *c == b) {
                    Some(&(_, child)) => child,
                    None => {
                        build.push(Build {
                            children: Vec::new(),
                            ends: Vec::new(),
                        });
                        let child = build.len() - 1;
                        build[n].children.push((b, child));
                        child
                    }
                };
            }
            build[n].ends.push(id);
        }
        let mut nodes = Vec::with_capacity(build.len());
        let mut edges = Vec::new();
        let mut ends = Vec::new();
        for b in &mut build {
            b.children.sort_unstable();
            nodes.push(TrieNode {
                first: edges.len() as u32,
                count: b.children.len() as u16,
                end_first: ends.len() as u32,
                end_count: b.ends.len() as u16,
            });
            edges.extend(b.children.iter().map(|&(c, n)| (c, n as u32)));
            ends.extend_from_slice(&b.ends);
        }
        plain.sort_unstable();
        tracing::debug!(
            nodes = nodes.len(),
            plain = plain.len(),
            other = other.len(),
            ms = t0.elapsed().as_secs_f64() * 1e3,
            "built the token index for constrained decoding"
        );
        TokenIndex {
            nodes,
            edges,
            ends,
            plain_chars: plain.iter().map(|&(chars, _)| chars).collect(),
            plain: plain.into_iter().map(|(_, id)| id).collect(),
            other,
        }
    }

    /// Writes into `out` every token the matcher accepts next (stop tokens excluded).
    pub fn allowed(&self, m: &Matcher, out: &mut Vec<u32>) {
        out.clear();
        if m.is_complete() {
            return;
        }
        if let Some(room) = m.stack.plain_string_room() {
            let fitting = self.plain_chars.partition_point(|&chars| chars <= room);
            out.extend_from_slice(&self.plain[..fitting]);
            for (id, bytes) in &self.other {
                if m.accepts(bytes) {
                    out.push(*id);
                }
            }
            return;
        }
        let schema = m.schema();
        let mut todo = vec![(0u32, m.stack)];
        while let Some((n, state)) = todo.pop() {
            let node = &self.nodes[n as usize];
            let edges = &self.edges[node.first as usize..node.first as usize + node.count as usize];
            for &(b, child) in edges {
                let mut s = state;
                if !s.step(schema, b) {
                    continue;
                }
                let c = &self.nodes[child as usize];
                out.extend_from_slice(
                    &self.ends[c.end_first as usize..c.end_first as usize + c.end_count as usize],
                );
                if c.count > 0 {
                    todo.push((child, s));
                }
            }
        }
    }
}

/// Whole UTF-8 characters, none of them `"`, `\` or a control character.
fn is_plain(bytes: &[u8]) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(s) => s
            .chars()
            .all(|c| c != '"' && c != '\\' && (c as u32) >= 0x20),
        Err(_) => false,
    }
}

impl Matcher {
    /// Tokens allowed next, into `out` (see [`TokenIndex::allowed`]).
    pub fn allowed_tokens(&self, index: &TokenIndex, out: &mut Vec<u32>) {
        index.allowed(self, out)
    }
}
