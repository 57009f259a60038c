//! Table-driven tests of the time words: every case of tests/data/timewords_grid.tsv
//! (grids computed by an independent Python oracle) and tests/data/timewords_cases.tsv
//! (hand-written), plus properties that must hold on any input.

use agent::timewords::{find, Span};
use chrono::DateTime;
use chrono_tz::Tz;

struct Case {
    file: &'static str,
    line: usize,
    now: String,
    tz: String,
    text: String,
    expected: String,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (file, content) in [
        (
            "timewords_grid.tsv",
            include_str!("data/timewords_grid.tsv"),
        ),
        (
            "timewords_cases.tsv",
            include_str!("data/timewords_cases.tsv"),
        ),
    ] {
        for (i, line) in content.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            assert_eq!(
                cols.len(),
                4,
                "{file}:{}: want 4 tab-separated columns",
                i + 1
            );
            out.push(Case {
                file,
                line: i + 1,
                now: cols[0].to_string(),
                tz: cols[1].to_string(),
                text: cols[2].to_string(),
                expected: cols[3].to_string(),
            });
        }
    }
    out
}

fn render(spans: &[Span]) -> String {
    if spans.is_empty() {
        return "-".to_string();
    }
    spans
        .iter()
        .map(|s| format!("{}[{}]={}", s.value.kind(), s.text, s.value.render()))
        .collect::<Vec<_>>()
        .join(" | ")
}

fn run(now: &str, tz: &str, text: &str) -> Vec<Span> {
    let now = DateTime::parse_from_rfc3339(now).expect("reference time");
    let tz: Tz = tz.parse().expect("zone");
    find(text, now, tz)
}

#[test]
fn every_table_case_resolves_as_written() {
    let cases = cases();
    assert!(cases.len() >= 400, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for c in &cases {
        let got = render(&run(&c.now, &c.tz, &c.text));
        if got != c.expected {
            failures.push(format!(
                "{}:{} [{}] {:?}\n    want {}\n    got  {}",
                c.file, c.line, c.now, c.text, c.expected, got
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    eprintln!("{} time-word cases passed", cases.len());
}

#[test]
fn spans_are_byte_offsets_of_the_text() {
    let text = "安排週三下午與財務部審核預算, then 3pm tomorrow for 30 minutes";
    for span in run("2026-11-25T10:00:00+08:00", "Asia/Hong_Kong", text) {
        assert_eq!(&text[span.start..span.end], span.text);
    }
}

#[test]
fn the_zone_decides_today_and_the_offset() {
    // 23:30 UTC on the 24th is already the 25th in Hong Kong, still the 24th in London.
    let now = "2026-11-24T23:30:00Z";
    let hk = run(now, "Asia/Hong_Kong", "tomorrow 3pm");
    assert_eq!(hk[0].value.render(), "2026-11-26T15:00:00+08:00");
    let london = run(now, "Europe/London", "tomorrow 3pm");
    assert_eq!(london[0].value.render(), "2026-11-25T15:00:00+00:00");
    let ny_summer = run(
        "2026-07-01T12:00:00-04:00",
        "America/New_York",
        "tomorrow 9am",
    );
    assert_eq!(ny_summer[0].value.render(), "2026-07-02T09:00:00-04:00");
}

#[test]
fn odd_input_never_panics_and_spans_stay_on_char_boundaries() {
    let samples = [
        "",
        " ",
        "第",
        "每",
        "逢",
        "下個",
        "下個月",
        "3/",
        "/12",
        "99:99",
        "25點",
        "三點三個",
        "every",
        "every other",
        "by",
        "before before",
        "2-",
        "-4pm",
        "十點一個",
        "12月",
        "月",
        "2026-13-45",
        "0/0",
        "31/4",
        "29/2/2027",
        "at 3",
        "🙂週三🙂",
        "週\u{0}三",
        "ｔｏｍｏｒｒｏｗ",
        "每月99號",
        "每隔",
        "隔",
        "個半",
        "兩個半",
        "1.",
        ".5 hours",
        "99999999999 hours",
        "from 13 to 25pm",
        "between and",
        "下午下午下午",
        "聽日聽日聽日",
        "3pm3pm3pm",
        "三a間房",
        "一 B間",
        "和之間",
        "之間",
        "兩點和之間",
        "29號號",
        "年底底",
        "禮拜一至",
        "星期一至八",
        "between the 21st and",
        "week 99",
        "week 0",
        "the 13th month of 2027",
        "2099年的第99週",
        "明年第13個月",
        "from March to",
        "on the first of",
        "by lunch lunch",
    ];
    let mut text = String::new();
    for s in samples {
        for span in run("2026-11-25T10:00:00+08:00", "Asia/Hong_Kong", s) {
            assert!(s.is_char_boundary(span.start) && s.is_char_boundary(span.end));
        }
        text.push_str(s);
        text.push(' ');
    }
    // Fragments of the grammars joined in many orders (a fixed linear congruential
    // sequence picks them): no panic, spans on character boundaries.
    let fragments = [
        "之間", "和", "同", "間", "a", "一", " ", "至", "到", "號", "日", "年", "底", "頭", "尾",
        "禮拜", "星期", "五", "29", "2027", "月", "第", "個", "前", "the ", "21st", "and ", "to ",
        "week ", "of ", "lunch", "by ", "放工", "from ", "now", "Mon", "Sat ", "14th", "quarter",
        "last ", "past ", "3", "pm", ":", "/", "-", "é",
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..400 {
        let mut text = String::new();
        for _ in 0..8 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            text.push_str(fragments[(state >> 33) as usize % fragments.len()]);
        }
        for span in run("2026-11-25T10:00:00+08:00", "Asia/Hong_Kong", &text) {
            assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
        }
    }
    // Every prefix of a long mixed text, cut at any character.
    let mixed =
        format!("{text} 聽日下午三點半同Peter開會, every Mon and Wed at 10am 每個禮拜一三五");
    for (i, _) in mixed.char_indices() {
        let _ = run("2026-02-28T23:59:59+08:00", "Asia/Hong_Kong", &mixed[..i]);
        let _ = run("2026-02-28T23:59:59+08:00", "Asia/Hong_Kong", &mixed[i..]);
    }
}

/// Random mixes of time words, numbers, punctuation and filler (a fixed-seed generator):
/// spans are in order, never overlap, sit on character boundaries, carry their own text
/// and never start or end with a space.
#[test]
fn random_mixes_keep_the_span_invariants() {
    const TOKENS: [&str; 48] = [
        "聽日", "下午", "三點", "半", "到", "四點", "每", "週", "三", "逢", "星期", "禮拜", "下個",
        "月", "號", "日", "前", "之前", "個", "鐘", "第", "兩", "十", "廿", "by", "every", "next",
        "Friday", "Mon", "at", "3", "15", "pm", ":", "/", "-", "12", "2026", "Dec", "of", "in",
        "minutes", "hour", " ", "，", "。", "and", "🙂",
    ];
    let mut state: u64 = 0x5eed_1234_abcd_0001;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    for _ in 0..3000 {
        let len = 1 + next() % 12;
        let text: String = (0..len).map(|_| TOKENS[next() % TOKENS.len()]).collect();
        let spans = run("2026-11-29T23:59:00+08:00", "Asia/Hong_Kong", &text);
        let mut last_end = 0;
        for s in &spans {
            assert!(
                s.start >= last_end && s.start < s.end,
                "{text:?}: {spans:?}"
            );
            assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
            assert_eq!(&text[s.start..s.end], s.text);
            assert_eq!(s.text.trim(), s.text, "{text:?}");
            let _ = s.value.render();
            last_end = s.end;
        }
    }
}
