//! One form for matching: Traditional characters become Simplified, one character for one
//! character of the same byte length, so offsets into the normalized text are offsets
//! into the original. ASCII case is left to the matcher.

/// `text` with Traditional Chinese characters in their Simplified form, byte for byte
/// aligned with `text`.
pub fn simplified(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    let converted = fast2s::convert(text);
    let mut out = String::with_capacity(text.len());
    let mut conv = converted.chars();
    for original in text.chars() {
        match conv.next() {
            Some(c) if c.len_utf8() == original.len_utf8() => out.push(c),
            _ => out.push(original),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::simplified;

    #[test]
    fn traditional_becomes_simplified_with_the_same_length() {
        assert_eq!(simplified("陳大文 財務部"), "陈大文 财务部");
        assert_eq!(simplified("Peter 陳"), "Peter 陈");
        assert_eq!(simplified("财务部").len(), "財務部".len());
    }
}
