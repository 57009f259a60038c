//! Speed of spotting and resolving time words (issue 5): a 5,000-word mixed English /
//! Cantonese / Mandarin transcript must take under 20 ms.
//! Run: `cargo bench -p agent --bench parse` (prints the median of 50 runs).

use std::time::{Duration, Instant};

use agent::directory::Directory;
use agent::timewords;
use chrono::DateTime;

const SENTENCES: [&str; 12] = [
    "Peter: OK so let's meet next Wednesday at 3pm for an hour to go through the Q4 budget with finance.",
    "陳大文：我哋聽日下午三點同財務部開會，大概個半鐘，記得帶埋份報告。",
    "Mary: I can't make it, can we do 2-4pm on Friday instead? I have 3 people joining from HR.",
    "小明：份report最遲下週一前要交，唔該大家跟進下，5000蚊以上嘅要經理批。",
    "David: the vendor call is every Monday and Wednesday at 10am, it usually runs 30 minutes.",
    "李美玲：我们下周三上午十点和人事部开会，然后每个星期五下午两点做周报。",
    "Ann: send me the slides by end of day tomorrow, and the final numbers before December 15.",
    "張國榮：逢星期三朝早九點半開例會，十二月三號之前要準備好第三季嘅總結。",
    "Peter: sounds good, and the offsite is from December 10 to December 12, so block those days.",
    "大文：冇問題，我三點三去到，兩點到四點我要見客，之後再傾。",
    "Mary: also remember the deadline for expense claims is the end of the month, no exceptions.",
    "小明：明白，我會喺月尾之前整理好，下個月一號交畀財務部。",
];

fn words(text: &str) -> usize {
    let latin = text
        .split_whitespace()
        .filter(|w| w.chars().any(|c| c.is_ascii_alphanumeric()))
        .count();
    let cjk = text
        .chars()
        .filter(|c| !c.is_ascii() && c.is_alphanumeric())
        .count();
    latin + cjk / 2
}

fn transcript(min_words: usize) -> String {
    let mut text = String::new();
    let mut i = 0;
    while words(&text) < min_words {
        text.push_str(SENTENCES[i % SENTENCES.len()]);
        text.push('\n');
        i += 1;
    }
    text
}

fn median_ms(mut f: impl FnMut() -> usize, runs: usize) -> (f64, usize) {
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut found = 0;
    for _ in 0..runs {
        let start = Instant::now();
        found = std::hint::black_box(f());
        times.push(start.elapsed());
    }
    times.sort();
    (times[runs / 2].as_secs_f64() * 1000.0, found)
}

fn main() {
    let text = transcript(5_000);
    let now = DateTime::parse_from_rfc3339("2026-11-25T10:00:00+08:00").expect("time");
    let tz = chrono_tz::Asia::Hong_Kong;
    let directory =
        Directory::from_json(include_str!("../tests/data/directory.json")).expect("directory");
    println!(
        "transcript: {} words (Latin words + CJK characters / 2), {} bytes",
        words(&text),
        text.len()
    );

    let (ms, spans) = median_ms(|| timewords::find(&text, now, tz).len(), 50);
    println!("time words: {spans} spans, median {ms:.2} ms over 50 runs (budget 20 ms)");
    let (ms_dir, mentions) = median_ms(|| directory.find(&text).len(), 50);
    println!("directory:  {mentions} mentions, median {ms_dir:.2} ms over 50 runs");
    if ms >= 20.0 {
        eprintln!("time words took {ms:.2} ms: over the 20 ms budget");
        std::process::exit(1);
    }
}
