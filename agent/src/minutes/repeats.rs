//! Watches a JSON answer as the model writes it and says when an array element repeats
//! one written before in the same array. A small model writing greedily can fall into
//! a loop ("刘洋同意。" eight times, one action item twelve times) that spends the whole
//! answer budget on copies and leaves out everything after them; seeing the first
//! repeat, the decoder ends the array and the model goes on with the rest.

/// The JSON containers open at the current point.
enum Open {
    Object,
    Array {
        finished: Vec<String>,
        /// Where the element being written began.
        start: Option<usize>,
    },
}

/// Follows streamed JSON text; see the module docs.
#[derive(Default)]
pub struct RepeatWatch {
    text: String,
    open: Vec<Open>,
    in_string: bool,
    escaped: bool,
}

impl RepeatWatch {
    /// Feeds the next piece of the answer; true when it finished an array element equal
    /// to an earlier element of the same array.
    pub fn push(&mut self, piece: &str) -> bool {
        let mut repeated = false;
        for c in piece.chars() {
            let at = self.text.len();
            self.text.push(c);
            repeated |= self.step(c, at);
        }
        repeated
    }

    fn step(&mut self, c: char, at: usize) -> bool {
        if self.in_string {
            match (self.escaped, c) {
                (true, _) => self.escaped = false,
                (false, '\\') => self.escaped = true,
                // A string that is itself an array element ends that element.
                (false, '"') => {
                    self.in_string = false;
                    return self.finish_element(at + 1);
                }
                _ => {}
            }
            return false;
        }
        if c.is_whitespace() {
            return false;
        }
        if let Some(Open::Array { start, .. }) = self.open.last_mut() {
            if start.is_none() && c != ',' && c != ']' {
                *start = Some(at);
            }
        }
        match c {
            '"' => self.in_string = true,
            '{' => self.open.push(Open::Object),
            '[' => self.open.push(Open::Array {
                finished: Vec::new(),
                start: None,
            }),
            '}' | ']' => {
                // A number or literal running up to the `]` was the array's last element.
                let last_repeated = match self.open.pop() {
                    Some(Open::Array {
                        finished,
                        start: Some(start),
                    }) => {
                        let last = self.text[start..at].trim();
                        finished.iter().any(|f| f == last)
                    }
                    _ => false,
                };
                return self.finish_element(at + 1) || last_repeated;
            }
            ',' => return self.finish_element(at),
            _ => {}
        }
        false
    }

    /// Ends the element of the innermost array (when one is under way) at `end`.
    fn finish_element(&mut self, end: usize) -> bool {
        let Some(Open::Array { finished, start }) = self.open.last_mut() else {
            return false;
        };
        let Some(begin) = start.take() else {
            return false;
        };
        let element = self.text[begin..end].trim().to_string();
        let repeated = finished.contains(&element);
        finished.push(element);
        repeated
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `text` in pieces of `step` characters; the character offsets (in the
    /// whole text) after which a repeat was reported.
    fn repeats_at(text: &str, step: usize) -> Vec<usize> {
        let mut watch = RepeatWatch::default();
        let chars: Vec<char> = text.chars().collect();
        let mut out = Vec::new();
        for (i, piece) in chars.chunks(step).enumerate() {
            let piece: String = piece.iter().collect();
            if watch.push(&piece) {
                out.push((i + 1) * step);
            }
        }
        out
    }

    #[test]
    fn an_object_written_again_is_seen_as_soon_as_it_closes() {
        let item = r#"{"quote":"刘洋，你先介绍一下","owner":"刘洋"}"#;
        let text = format!(r#"{{"actions":[{item}, {item}"#);
        assert_eq!(repeats_at(&text, 1), [text.chars().count()]);
        // Token-sized pieces: reported with the piece that closes the copy.
        let in_fours = repeats_at(&text, 4);
        assert_eq!(in_fours.len(), 1);
        assert!(in_fours[0] >= text.chars().count());
    }

    #[test]
    fn strings_and_numbers_in_a_list_are_elements_too() {
        let text = r#"{"decisions":["Go with Second Chance","刘洋同意。", "刘洋同意。""#;
        assert_eq!(repeats_at(text, 1), [text.chars().count()]);
        assert_eq!(repeats_at("[1, 2, 1]", 1), [9]);
        assert_eq!(repeats_at("[10, 1]", 1), Vec::<usize>::new());
    }

    #[test]
    fn different_elements_and_equal_values_elsewhere_are_not_repeats() {
        // Same quote, different task: two items.
        let two_tasks = r#"{"actions":[{"quote":"I'll do both","task":"book"},{"quote":"I'll do both","task":"pay"}],"#;
        assert!(repeats_at(two_tasks, 1).is_empty());
        // Equal strings inside one object, and equal elements in different arrays.
        let text = r#"{"a":["x","y"],"b":["x"],"c":{"d":"x","e":"x"},"f":"[\"z\",\"z\"]"}"#;
        assert!(repeats_at(text, 3).is_empty());
        // An escaped quote does not end a string.
        assert!(repeats_at(r#"["say \"hi\"", "say \"ho\""]"#, 1).is_empty());
    }
}
