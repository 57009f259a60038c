//! Compact, stable keys for the history tables: a 64-bit FNV-1a hash of the key's parts,
//! so lookups allocate nothing and a saved model means the same thing on every machine.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use chrono::NaiveDate;

/// Keys are already well-mixed hashes: the map uses them as they are.
#[derive(Default, Clone, Copy)]
pub struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub type KeyMap<V> = HashMap<u64, V, BuildHasherDefault<IdentityHasher>>;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// Builds a key from parts; a separator byte keeps ("ab","c") and ("a","bc") apart.
#[derive(Clone, Copy)]
pub struct Key(u64);

impl Key {
    pub fn new(table: u8) -> Key {
        Key(FNV_OFFSET).byte(table)
    }
    fn byte(self, b: u8) -> Key {
        Key((self.0 ^ u64::from(b)).wrapping_mul(FNV_PRIME))
    }
    pub fn str(self, s: &str) -> Key {
        s.bytes().fold(self, Key::byte).byte(0xff)
    }
    pub fn num(self, n: i64) -> Key {
        n.to_le_bytes().into_iter().fold(self, Key::byte)
    }
    pub fn date(self, d: NaiveDate) -> Key {
        self.num(i64::from(d.num_days_from_ce()))
    }
    pub fn get(self) -> u64 {
        self.0
    }
}

use chrono::Datelike;

/// A merchant name as people write it differently: case, spaces, punctuation and company
/// suffixes do not make a different merchant.
pub fn normalize_merchant(name: &str) -> String {
    let mut s: String = name
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    for suffix in [
        "有限公司",
        "公司",
        "limited",
        "ltd",
        "coltd",
        "company",
        "co",
        "hk",
        "hongkong",
    ] {
        if s.len() > suffix.len() + 2 {
            if let Some(stripped) = s.strip_suffix(suffix) {
                s = stripped.to_string();
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merchant_spellings_meet() {
        assert_eq!(
            normalize_merchant("Maxim's Palace Ltd."),
            normalize_merchant("MAXIM'S PALACE")
        );
        assert_eq!(
            normalize_merchant("美心皇宮有限公司"),
            normalize_merchant("美心皇宮")
        );
        assert_ne!(
            normalize_merchant("Tsui Wah"),
            normalize_merchant("Tai Hing")
        );
    }

    #[test]
    fn key_parts_do_not_run_together() {
        assert_ne!(
            Key::new(1).str("ab").str("c").get(),
            Key::new(1).str("a").str("bc").get()
        );
        assert_ne!(Key::new(1).str("a").get(), Key::new(2).str("a").get());
    }
}
