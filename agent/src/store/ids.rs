//! Ids and secrets: random, from the operating system's generator.

/// `len` random bytes as lower-case hex.
pub fn random_hex(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    getrandom::getrandom(&mut bytes).expect("the operating system's random generator failed");
    hex::encode(bytes)
}

/// A new id such as `job_0193a1f2c3d4e5f6a7b8c9d0`: a prefix, the time in milliseconds
/// (so ids sort by creation) and 8 random bytes.
pub fn new_id(prefix: &str) -> String {
    let millis = chrono::Utc::now().timestamp_millis().max(0) as u64;
    format!("{prefix}_{millis:012x}{}", random_hex(8))
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_unique_and_prefixed() {
        let a = super::new_id("job");
        let b = super::new_id("job");
        assert!(a.starts_with("job_"));
        assert_ne!(a, b);
        assert_eq!(a.len(), 4 + 12 + 16);
    }
}
