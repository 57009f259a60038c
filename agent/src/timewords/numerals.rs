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
    cjk_digit(c).is_some() || matches!(c, '十' | '廿' | '卅' | '百')
}

/// Parses a Chinese numeral from 0 to 999: 三, 十, 十二, 二十三, 廿三, 卅一, 零五, 一百三十,
/// 百五 (150, as said in Cantonese), 一百零五.
pub(crate) fn parse_cjk(s: &str) -> Option<u32> {
    if s.matches('百').count() > 1 {
        return None;
    }
    if let Some((hundreds, rest)) = s.split_once('百') {
        let h = match hundreds {
            "" => 1,
            d => parse_cjk(d).filter(|h| (1..=9).contains(h))?,
        };
        let tail: Vec<char> = rest.chars().collect();
        let below = match tail.as_slice() {
            [] => 0,
            // 百五 / 一百五 is 150: a lone digit after 百 counts tens.
            [d] if cjk_digit(*d).is_some_and(|v| v > 0) => cjk_digit(*d)? * 10,
            ['零' | '〇', d] => cjk_digit(*d)?,
            ['一', '十', ..] => parse_cjk(rest.trim_start_matches('一'))?,
            _ => parse_cjk(rest).filter(|v| *v >= 10)?,
        };
        return Some(h * 100 + below);
    }
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

/// A year said digit by digit: 二零一五, 二〇二六 (four numerals, no 十).
pub(crate) fn cjk_year(c: &mut Cursor) -> Option<i32> {
    let mut probe = *c;
    let mut year = 0;
    for _ in 0..4 {
        let ch = probe.peek()?;
        year = year * 10 + cjk_digit(ch)? as i32;
        probe.pos += ch.len_utf8();
    }
    *c = probe;
    Some(year)
}

/// A number written in digits (up to `max_digits`) or in Chinese numerals.
pub(crate) fn number(c: &mut Cursor, max_digits: usize) -> Option<u32> {
    if let Some((v, _)) = c.digits(max_digits) {
        return Some(v);
    }
    cjk_number(c)
}

const EN_NUMBERS: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const EN_TENS: [(&str, u32); 4] = [("twenty", 20), ("thirty", 30), ("forty", 40), ("fifty", 50)];

/// An English number word zero…fifty-nine (`twenty-five`, `twenty five`).
pub(crate) fn en_number_below_60(c: &mut Cursor) -> Option<u32> {
    // Every number word begins with one of these letters.
    if !c.peek().is_some_and(|ch| "zotfsenZOTFSEN".contains(ch)) {
        return None;
    }
    if let Some(i) = c.eat_table(&EN_TENS) {
        let tens = EN_TENS[i].1;
        let mut probe = *c;
        if probe.eat("-") || probe.eat(" ") {
            if let Some(unit) = probe.eat_any(&EN_NUMBERS[1..10]) {
                *c = probe;
                return Some(tens + unit as u32 + 1);
            }
        }
        return Some(tens);
    }
    c.eat_any(&EN_NUMBERS).map(|i| i as u32)
}

/// An English number word zero…twelve.
pub(crate) fn en_number_word(c: &mut Cursor) -> Option<u32> {
    c.eat_any(&EN_NUMBERS[..13]).map(|i| i as u32)
}

/// Digits, an English number word, or `a`/`an` (one).
pub(crate) fn en_count(c: &mut Cursor) -> Option<u32> {
    if let Some((v, _)) = c.digits(4) {
        return Some(v);
    }
    // `a couple of`, `a few` (three): counts said in words.
    if let Some(i) = c.eat_any(&[
        "a couple of",
        "couple of",
        "a few",
        "a pair of",
        "a couple",
        "few",
    ]) {
        return Some([2, 2, 3, 2, 2, 3][i]);
    }
    if c.eat_any(&["a", "an", "one"]).is_some() {
        return Some(1);
    }
    en_number_below_60(c)
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
        for (s, v) in [
            ("一百三十", 130),
            ("百五", 150),
            ("一百零五", 105),
            ("二百", 200),
        ] {
            assert_eq!(parse_cjk(s), Some(v), "{s}");
        }
        for s in ["", "一三五", "十十", "百百"] {
            assert_eq!(parse_cjk(s), None, "{s}");
        }
    }
}
