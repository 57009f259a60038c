//! Telling a command that asks again for a stored task or event from one that asks for
//! something else: the hand-labelled title pairs of `data/command_title_pairs.tsv`
//! (English, Cantonese, Mandarin; tasks and events), judged by the rule commands use
//! (`meaning::same_as`: words, and meaning when minilm-l6 is installed) and by words
//! alone (the rule without the encoder). Precision and recall of each are printed and
//! held to account, with the time one check takes.

use std::time::Instant;

use agent::meaning;
use agent::minutes::text::similarity;

struct Pair {
    same: bool,
    language: String,
    kind: String,
    new: String,
    stored: String,
}

fn pairs() -> Vec<Pair> {
    include_str!("data/command_title_pairs.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 5, "{l}");
            Pair {
                same: f[0] == "1",
                language: f[1].into(),
                kind: f[2].into(),
                new: f[3].into(),
                stored: f[4].into(),
            }
        })
        .collect()
}

#[derive(Default, Clone, Copy)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Counts {
    fn precision(self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }
    fn recall(self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_).max(1) as f64
    }
}

fn count(pairs: &[Pair], said: &[bool], keep: impl Fn(&Pair) -> bool) -> Counts {
    let mut c = Counts::default();
    for (p, &s) in pairs.iter().zip(said) {
        if !keep(p) {
            continue;
        }
        match (s, p.same) {
            (true, true) => c.tp += 1,
            (true, false) => c.fp += 1,
            (false, true) => c.fn_ += 1,
            (false, false) => {}
        }
    }
    c
}

/// Which pairs a row of the table counts.
type Keep = dyn Fn(&Pair) -> bool;

#[test]
fn commands_find_stored_titles_said_again_in_other_words() {
    let pairs = pairs();
    assert!(pairs.len() >= 30);
    meaning::encoder()
        .expect("minilm-l6 is needed by this test (run `mishu models fetch minilm-l6`)");
    let words: Vec<bool> = pairs
        .iter()
        .map(|p| similarity(&p.new, &p.stored) >= meaning::SAME_BY_WORDS)
        .collect();
    let with_encoder: Vec<bool> = pairs
        .iter()
        .map(|p| meaning::same_as(&p.new, &[p.stored.as_str()]).is_some())
        .collect();
    let groups: [(&str, &Keep); 6] = [
        ("en", &|p| p.language == "en"),
        ("yue", &|p| p.language == "yue"),
        ("zh", &|p| p.language == "zh"),
        ("tasks", &|p| p.kind == "task"),
        ("events", &|p| p.kind == "event"),
        ("all", &|_| true),
    ];
    eprintln!("precision/recall (pairs) per group");
    for (name, said) in [("words only", &words), ("words + meaning", &with_encoder)] {
        let cells: Vec<String> = groups
            .iter()
            .map(|(g, keep)| {
                let c = count(&pairs, said, keep);
                let n = pairs.iter().filter(|p| keep(p)).count();
                format!("{g} {:.2}/{:.2} ({n})", c.precision(), c.recall())
            })
            .collect();
        eprintln!("{name:<16} {}", cells.join("  "));
    }
    for (i, p) in pairs.iter().enumerate() {
        if with_encoder[i] != p.same || std::env::var_os("SHOW_ALL").is_some() {
            eprintln!(
                "{} ({}, {}, {:.3}): {} | {} (labelled {})",
                if with_encoder[i] == p.same {
                    "right"
                } else {
                    "wrong"
                },
                p.language,
                p.kind,
                meaning::encoder()
                    .and_then(|e| meaning::embed(&e, &[p.new.as_str(), p.stored.as_str()]))
                    .map_or(0.0, |v| meaning::closeness(&v[0], &v[1])),
                p.new,
                p.stored,
                p.same as u8
            );
        }
    }

    let by_words = count(&pairs, &words, |_| true);
    let chosen = count(&pairs, &with_encoder, |_| true);
    // A false duplicate keeps a command from being stored: precision comes first.
    assert!(
        chosen.precision() >= 0.9,
        "precision {:.2}",
        chosen.precision()
    );
    assert!(
        by_words.precision() >= 0.9,
        "precision by words {:.2}",
        by_words.precision()
    );
    // minilm-l6 reads English; most Chinese characters are unknown to it, and Chinese
    // titles are judged by their words either way.
    let english = |p: &Pair| p.language == "en";
    assert!(
        count(&pairs, &with_encoder, english).recall() > count(&pairs, &words, english).recall(),
        "the encoder finds no English paraphrase the words miss"
    );
    assert!(chosen.recall() >= by_words.recall());
}

/// The time one command's check takes once the encoder is loaded: its title against
/// 20 stored titles of the same person (a long to-do list), printed for English titles
/// (embedded) and Chinese ones (words only: minilm-l6 does not know their characters).
#[test]
fn one_check_against_a_long_list_takes_well_under_three_seconds() {
    meaning::encoder().expect("minilm-l6 is needed by this test");
    let pairs = pairs();
    let stored: Vec<&str> = pairs.iter().take(20).map(|p| p.stored.as_str()).collect();
    // The first call warms the encoder's buffers.
    meaning::same_as("Send the Q4 budget", &stored);
    for english in [true, false] {
        let mut times: Vec<f64> = pairs
            .iter()
            .filter(|p| (p.language == "en") == english)
            .map(|p| {
                let t0 = Instant::now();
                meaning::same_as(&p.new, &stored);
                t0.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        times.sort_by(f64::total_cmp);
        let p50 = times[times.len() / 2];
        let p95 = times[(times.len() * 95).div_ceil(100) - 1];
        eprintln!(
            "{} title against 20 stored titles: p50 {p50:.1} ms, p95 {p95:.1} ms ({} checks)",
            if english { "an English" } else { "a Chinese" },
            times.len()
        );
        // Loaded machine: generous.
        assert!(p50 < 3000.0, "{p50:.0} ms");
    }
}
