//! Numbers as they are said: ASCII digits, Chinese numerals (一…十, 兩/两, 廿, 卅, 零/〇)
//! and the English words one…twelve.

use super::cursor::Cursor;

/// The value of one Chinese numeral character, `None` for other characters.
pub(crate) fn cjk_digit(c: char) -> Option<u32> {
    Some(match c {
        '零' | '〇' => 0,
        '一' => 1,
        '二' | '兩' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

fn is_cjk_numeral(c: char) -> bool {
    cjk_digit(c).is_some() || matches!(c, '十' | '廿' | '卅')
}

/// Parses a Chinese numeral from 0 to 99: 三, 十, 十二, 二十, 二十三, 廿三, 卅一, 零五.
pub(crate) fn parse_cjk(s: &str) -> Option<u32> {
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        [d] => cjk_digit(*d).or(match d {
            '十' => Some(10),
            '廿' => Some(20),
            '卅' => Some(30),
            _ => None,
        }),
        ['零' | '〇', d] => cjk_digit(*d),
        ['十', d] => Some(10 + cjk_digit(*d)?),
        [t @ ('廿' | '卅'), d] => Some(if *t == '廿' { 20 } else { 30 } + cjk_digit(*d)?),
        [t, '十'] => Some(cjk_digit(*t)? * 10),
        [t, '十', d] => Some(cjk_digit(*t)? * 10 + cjk_digit(*d)?),
        _ => None,
    }
    .filter(|_| !chars.is_empty())
}

/// Consumes a Chinese numeral (the whole run of numeral characters must parse).
pub(crate) fn cjk_number(c: &mut Cursor) -> Option<u32> {
    let rest = c.rest();
    let len: usize = rest
        .chars()
        .take_while(|&ch| is_cjk_numeral(ch))
        .map(char::len_utf8)
        .sum();
    if len == 0 {
        return None;
    }
    let value = parse_cjk(&rest[..len])?;
    c.pos += len;
    Some(value)
}

/// A number written in digits (up to `max_digits`) or in Chinese numerals.
pub(crate) fn number(c: &mut Cursor, max_digits: usize) -> Option<u32> {
    if let Some((v, _)) = c.digits(max_digits) {
        return Some(v);
    }
    cjk_number(c)
}

const EN_NUMBERS: [&str; 13] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve",
];

/// An English number word zero…twelve.
pub(crate) fn en_number_word(c: &mut Cursor) -> Option<u32> {
    c.eat_any(&EN_NUMBERS).map(|i| i as u32)
}

/// Digits, an English number word, or `a`/`an` (one).
pub(crate) fn en_count(c: &mut Cursor) -> Option<u32> {
    if let Some((v, _)) = c.digits(4) {
        return Some(v);
    }
    if c.eat_any(&["a", "an", "one"]).is_some() {
        return Some(1);
    }
    en_number_word(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numerals() {
        for (s, v) in [
            ("三", 3),
            ("十", 10),
            ("十二", 12),
            ("二十", 20),
            ("二十三", 23),
            ("廿三", 23),
            ("卅一", 31),
            ("兩", 2),
            ("零五", 5),
        ] {
            assert_eq!(parse_cjk(s), Some(v), "{s}");
        }
        for s in ["", "一三五", "十十", "百"] {
            assert_eq!(parse_cjk(s), None, "{s}");
        }
    }
}
