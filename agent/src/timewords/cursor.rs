//! A position in the text and the small moves the grammars are made of.
//! A `Cursor` is `Copy`: a grammar tries an alternative on a copy and keeps it on success.

#[derive(Debug, Clone, Copy)]
pub(crate) struct Cursor<'a> {
    pub text: &'a str,
    pub pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(text: &'a str, pos: usize) -> Self {
        Cursor { text, pos }
    }

    pub fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    pub fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    /// The ASCII word just before the cursor, spaces skipped (`by` in `by Fri`).
    pub fn word_before(&self) -> &'a str {
        let before = self.text[..self.pos].trim_end_matches([' ', '\t']);
        let start = before
            .bytes()
            .rposition(|b| !b.is_ascii_alphabetic())
            .map_or(0, |i| i + 1);
        &before[start..]
    }

    /// Skips spaces and tabs (not line breaks: an expression does not run across lines).
    pub fn skip_spaces(&mut self) {
        let rest = self.rest();
        let trimmed = rest.trim_start_matches([' ', '\t', '\u{3000}', '\u{a0}']);
        self.pos += rest.len() - trimmed.len();
    }

    /// Like `eat`, but first skips spaces; on failure the cursor does not move.
    pub fn eat_spaced(&mut self, lit: &str) -> bool {
        let mut c = *self;
        c.skip_spaces();
        if c.eat(lit) {
            *self = c;
            true
        } else {
            false
        }
    }

    /// Consumes `lit` if the text continues with it (ASCII letters case-insensitively).
    /// A literal that ends in an ASCII letter or digit must end a word in the text.
    pub fn eat(&mut self, lit: &str) -> bool {
        let rest = self.rest().as_bytes();
        // The first byte rejects almost every literal tried (the grammars try many).
        match (rest.first(), lit.as_bytes().first()) {
            (_, None) => return true,
            (Some(r), Some(l)) if r.eq_ignore_ascii_case(l) => {}
            _ => return false,
        }
        if rest.len() < lit.len() || !rest[..lit.len()].eq_ignore_ascii_case(lit.as_bytes()) {
            // Every table holds each word in both scripts, so a word that mixes them
            // begins with the first character of one of its entries: only then is the
            // rest compared character by character (this keeps the common miss cheap).
            return lit.as_bytes()[0] >= 0x80 && self.eat_folded(lit);
        }
        let ends_word = lit
            .as_bytes()
            .last()
            .is_some_and(|b| b.is_ascii_alphanumeric());
        if ends_word
            && rest
                .get(lit.len())
                .is_some_and(|b| b.is_ascii_alphanumeric())
        {
            return false;
        }
        self.pos += lit.len();
        true
    }

    /// `eat` for a Chinese literal, Traditional and Simplified characters alike after
    /// the first: text typed or transcribed in one script may carry a character of the
    /// other (`上個礼拜`).
    #[cold]
    #[inline(never)]
    fn eat_folded(&mut self, lit: &str) -> bool {
        let first = lit.chars().next().map_or(0, char::len_utf8);
        let rest = self.rest().as_bytes();
        if rest.len() < first || rest[..first] != lit.as_bytes()[..first] {
            return false;
        }
        let mut text = self.rest().chars();
        let mut len = 0;
        for l in lit.chars() {
            let Some(t) = text.next() else {
                return false;
            };
            if t != l && !t.eq_ignore_ascii_case(&l) && fold(t) != fold(l) {
                return false;
            }
            len += t.len_utf8();
        }
        let ends_word = lit
            .as_bytes()
            .last()
            .is_some_and(|b| b.is_ascii_alphanumeric());
        if ends_word && text.next().is_some_and(|ch| ch.is_ascii_alphanumeric()) {
            return false;
        }
        self.pos += len;
        true
    }

    /// Consumes the longest of `lits` found here; returns its index.
    pub fn eat_any(&mut self, lits: &[&str]) -> Option<usize> {
        self.eat_longest(lits.iter().copied())
    }

    /// Consumes the longest word of a `(word, value)` table found here; returns its index.
    pub fn eat_table<T>(&mut self, table: &[(&str, T)]) -> Option<usize> {
        self.eat_longest(table.iter().map(|(lit, _)| *lit))
    }

    fn eat_longest<'l>(&mut self, lits: impl Iterator<Item = &'l str>) -> Option<usize> {
        let mut best: Option<(usize, usize)> = None;
        let first = self.rest().as_bytes().first().map(u8::to_ascii_lowercase);
        for (i, lit) in lits.enumerate() {
            // The first byte turns away almost every entry of a table: checked here, before
            // the call, as the tables are long and tried at every place.
            if let Some(l) = lit.as_bytes().first() {
                if first != Some(l.to_ascii_lowercase()) {
                    continue;
                }
            }
            let mut c = *self;
            if c.eat(lit) && best.is_none_or(|(_, len)| c.pos - self.pos > len) {
                best = Some((i, c.pos - self.pos));
            }
        }
        let (i, len) = best?;
        self.pos += len;
        Some(i)
    }

    /// `eat_any` after optional spaces; on failure the cursor does not move.
    pub fn eat_any_spaced(&mut self, lits: &[&str]) -> Option<usize> {
        let mut c = *self;
        c.skip_spaces();
        let i = c.eat_any(lits)?;
        *self = c;
        Some(i)
    }

    /// Consumes a run of ASCII digits (at most `max` of them, and no more follow).
    pub fn digits(&mut self, max: usize) -> Option<(u32, usize)> {
        let rest = self.rest().as_bytes();
        let n = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 || n > max {
            return None;
        }
        let value = self.rest()[..n].parse().ok()?;
        self.pos += n;
        Some((value, n))
    }
}

/// The Simplified form of the Traditional characters that time words are made of (any
/// other character is itself).
fn fold(ch: char) -> char {
    match ch {
        '個' => '个',
        '禮' => '礼',
        '週' => '周',
        '點' => '点',
        '鐘' => '钟',
        '時' => '时',
        '後' => '后',
        '兩' => '两',
        '號' => '号',
        '這' => '这',
        '聽' => '听',
        '從' => '从',
        '過' => '过',
        '來' => '来',
        '內' => '内',
        '現' => '现',
        '晝' => '昼',
        '間' => '间',
        '尋' => '寻',
        '際' => '际',
        '幾' => '几',
        '遲' => '迟',
        '頭' => '头',
        '當' => '当',
        '歲' => '岁',
        '鬧' => '闹',
        '終' => '终',
        '報' => '报',
        '資' => '资',
        '節' => '节',
        '聖' => '圣',
        '誕' => '诞',
        '萬' => '万',
        '勞' => '劳',
        '動' => '动',
        '國' => '国',
        '慶' => '庆',
        '開' => '开',
        '會' => '会',
        '將' => '将',
        '裡' | '裏' => '里',
        '於' => '于',
        '為' => '为',
        '與' => '与',
        c => c,
    }
}

/// A grammar made of alternative forms: each reads from a cursor with a context.
pub(crate) type Form<C, T> = fn(&mut Cursor, &C) -> Option<T>;

/// The form that reads furthest from `c` (on a tie, the earlier one in `forms`); the
/// cursor moves to where it ends.
pub(crate) fn longest<C, T>(c: &mut Cursor, ctx: &C, forms: &[Form<C, T>]) -> Option<T> {
    let mut best: Option<(Cursor, T)> = None;
    for form in forms {
        let mut probe = *c;
        if let Some(found) = form(&mut probe, ctx) {
            if best.as_ref().is_none_or(|(b, _)| probe.pos > b.pos) {
                best = Some((probe, found));
            }
        }
    }
    let (end, found) = best?;
    *c = end;
    Some(found)
}

/// True when the text at `c` is not an ASCII word, or is one of `words` (lower case).
/// The grammars use it to turn common words away before trying their long tables.
pub(crate) fn first_word_in(c: &Cursor, words: &[&str]) -> bool {
    let rest = c.rest().as_bytes();
    match rest.first() {
        Some(b) if b.is_ascii_alphabetic() => {
            let len = rest.iter().take_while(|b| b.is_ascii_alphabetic()).count();
            let word = &rest[..len];
            words
                .iter()
                .any(|w| w.len() == len && w.as_bytes().eq_ignore_ascii_case(word))
        }
        _ => true,
    }
}

/// True where an ASCII word or number may start: not inside letters or digits, and not
/// after a digit and a separator (`3.5`, `3/12`, `15:30` are read from their first digit).
pub(crate) fn at_word_start(text: &str, pos: usize) -> bool {
    let before = &text.as_bytes()[..pos];
    match before {
        [] => true,
        [.., b] if b.is_ascii_alphanumeric() => false,
        [.., d, b'.' | b',' | b':' | b'/' | b'-'] if d.is_ascii_digit() => false,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eat_respects_word_ends_and_case() {
        let mut c = Cursor::new("Tomorrow at 3PM", 0);
        assert!(c.eat("tomorrow"));
        assert!(!c.eat("at"));
        assert!(c.eat_spaced("at"));
        c.skip_spaces();
        assert_eq!(c.digits(2), Some((3, 1)));
        assert!(c.eat("pm"));
        let mut d = Cursor::new("mondays", 0);
        assert!(!d.eat("monday"));
    }

    #[test]
    fn eat_matches_traditional_and_simplified_alike() {
        let mut c = Cursor::new("上個礼拜", 0);
        assert!(c.eat("上个禮拜"));
        assert_eq!(c.rest(), "");
        let mut d = Cursor::new("兩个钟頭", 0);
        assert!(d.eat("兩個鐘"));
        assert_eq!(d.rest(), "頭");
        // The first character is compared as written (tables hold both scripts).
        assert!(!d.eat("头"));
        let mut e = Cursor::new("下午", 0);
        assert!(!e.eat("上午"));
        assert_eq!(e.pos, 0);
    }

    #[test]
    fn eat_any_takes_the_longest() {
        let mut c = Cursor::new("下個禮拜三", 0);
        assert_eq!(c.eat_any(&["下", "下個", "下個禮拜"]), Some(2));
        assert_eq!(c.rest(), "三");
    }
}
