//! Time words as people say them: a day joined with a time said apart, offsets from now,
//! minutes past and to, Cantonese 踏/搭, a number before a part of the day, ordinal
//! weekdays, day ranges. The expected values are computed here with plain calendar
//! arithmetic over chrono dates (an oracle that does not use the parser), against fixed
//! reference times in Hong Kong; the hand-written tables cover Cantonese, the wrong
//! answers fixed and the texts that are not times.

use agent::timewords::{find, Span};
use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, NaiveDateTime};

const HK: chrono_tz::Tz = chrono_tz::Asia::Hong_Kong;
/// Wednesday morning, Sunday night, Friday afternoon at the end of February.
const REFS: [&str; 3] = [
    "2026-11-25T10:00:00+08:00",
    "2026-11-29T22:30:00+08:00",
    "2027-02-26T16:00:00+08:00",
];
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const ZH_NUM: [&str; 13] = [
    "零", "一", "兩", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二",
];
const EN_NUM: [&str; 13] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve",
];

struct Case {
    now: &'static str,
    text: String,
    want: String,
}

fn now_of(r: &str) -> NaiveDateTime {
    DateTime::parse_from_rfc3339(r).unwrap().naive_local()
}

fn d(x: NaiveDate) -> String {
    x.format("%Y-%m-%d").to_string()
}

fn dt(x: NaiveDateTime) -> String {
    x.format("%Y-%m-%dT%H:%M:%S+08:00").to_string()
}

fn at(day: NaiveDate, h: u32, m: u32) -> NaiveDateTime {
    day.and_hms_opt(0, 0, 0).unwrap() + Duration::minutes(i64::from(h * 60 + m))
}

/// The next `weekday` on or after today; a week on when the time on it has passed.
fn bare_weekday_at(now: NaiveDateTime, wd: usize, h: u32, m: u32) -> NaiveDateTime {
    let today = now.date();
    let ahead = (7 + wd as i64 - i64::from(today.weekday().num_days_from_monday())) % 7;
    let t = at(today + Duration::days(ahead), h, m);
    if t <= now {
        t + Duration::days(7)
    } else {
        t
    }
}

/// The next time `h:m`: today while ahead, else tomorrow.
fn next_time(now: NaiveDateTime, h: u32, m: u32) -> NaiveDateTime {
    let t = at(now.date(), h, m);
    if t <= now {
        t + Duration::days(1)
    } else {
        t
    }
}

/// An hour said without am/pm follows office hours: 1-7 afternoon, 8-11 morning.
fn office_hour(h: u32) -> u32 {
    if (1..=7).contains(&h) {
        h + 12
    } else {
        h
    }
}

fn one(kind: &str, text: &str, value: String) -> String {
    format!("{kind}[{text}]={value}")
}

fn generated() -> Vec<Case> {
    let mut out = Vec::new();
    let mut add =
        |now: &'static str, text: String, want: String| out.push(Case { now, text, want });
    // 1. A weekday, small words, a clock time: `Thursday at 3pm`, `Friday, @ 9:30am`.
    let clocks: [(&str, u32, u32); 5] = [
        ("9am", 9, 0),
        ("3pm", 15, 0),
        ("7:30 PM", 19, 30),
        ("10:15am", 10, 15),
        ("noon", 12, 0),
    ];
    for r in REFS {
        let now = now_of(r);
        for (i, wd) in WEEKDAYS.iter().enumerate() {
            for (clock, h, m) in clocks {
                for conn in [" at ", ", at ", " @ ", " for "] {
                    let text = format!("{wd}{conn}{clock}");
                    let want = one("datetime", &text, dt(bare_weekday_at(now, i, h, m)));
                    add(r, text, want);
                }
                // Time first, then the day: `3pm on Friday`, `at 3pm on Friday`.
                let span = format!("{clock} on {wd}");
                let want = one("datetime", &span, dt(bare_weekday_at(now, i, h, m)));
                add(r, format!("at {span}"), want);
            }
        }
    }
    // 2. `next <weekday>` joined to a range: `next Tuesday from 9:30 until 11:00`.
    type Hm = (u32, u32);
    let ranges: [(&str, Hm, Hm); 3] = [
        ("from 9:30 until 11:00", (9, 30), (11, 0)),
        ("between 2 and 4pm", (14, 0), (16, 0)),
        ("from 10am to 12pm", (10, 0), (12, 0)),
    ];
    for r in REFS {
        let now = now_of(r);
        let monday = now.date() - Days::new(u64::from(now.date().weekday().num_days_from_monday()));
        for (i, wd) in WEEKDAYS.iter().enumerate() {
            let day = monday + Days::new(7 + i as u64);
            for (range, (h1, m1), (h2, m2)) in ranges {
                let text = format!("next {wd} {range}");
                let want = one(
                    "interval",
                    &text,
                    format!("{}/{}", dt(at(day, h1, m1)), dt(at(day, h2, m2))),
                );
                add(r, text, want);
            }
        }
    }
    // 3. Offsets from now, forwards and back.
    let units: [(&str, &str, i64); 4] = [
        ("minute", "minutes", 1),
        ("hour", "hours", 60),
        ("day", "days", 24 * 60),
        ("week", "weeks", 7 * 24 * 60),
    ];
    for r in [REFS[0], REFS[1]] {
        let now = now_of(r);
        for n in 1..=12i64 {
            for (one_unit, many, minutes) in units {
                let unit = if n == 1 { one_unit } else { many };
                let count = if n % 2 == 0 {
                    EN_NUM[n as usize].to_string()
                } else {
                    n.to_string()
                };
                let value = |sign: i64| {
                    let total = sign * n * minutes;
                    if total % (24 * 60) == 0 {
                        d(now.date() + Duration::minutes(total))
                    } else {
                        dt(now + Duration::minutes(total))
                    }
                };
                let kind = if minutes >= 24 * 60 {
                    "date"
                } else {
                    "datetime"
                };
                for (text, sign) in [
                    (format!("in {count} {unit}"), 1),
                    (format!("{count} {unit} from now"), 1),
                    (format!("{count} {unit} ago"), -1),
                ] {
                    let want = one(kind, &text, value(sign));
                    add(r, text, want);
                }
            }
        }
    }
    // Chinese offsets: 三小時後, 兩日前, 五分鐘後, 兩個禮拜前.
    let zh_units: [(&str, i64); 5] = [
        ("分鐘", 1),
        ("小時", 60),
        ("個鐘", 60),
        ("日", 24 * 60),
        ("個禮拜", 7 * 24 * 60),
    ];
    let now = now_of(REFS[0]);
    for n in 1..=12i64 {
        for (unit, minutes) in zh_units {
            for (after, sign) in [("後", 1), ("前", -1), ("之後", 1)] {
                let text = format!("{}{unit}{after}", ZH_NUM[n as usize]);
                let total = sign * n * minutes;
                let want = if total % (24 * 60) == 0 {
                    one("date", &text, d(now.date() + Duration::minutes(total)))
                } else {
                    one("datetime", &text, dt(now + Duration::minutes(total)))
                };
                add(REFS[0], text, want);
            }
        }
    }
    // 4. Minutes past and to an hour with pm: `20 past 3pm`, `a quarter to 5pm`.
    for r in [REFS[0], REFS[2]] {
        let now = now_of(r);
        for h in 1..=11u32 {
            for (words, m) in [
                ("5", 5),
                ("ten", 10),
                ("a quarter", 15),
                ("20", 20),
                ("twenty-five", 25),
                ("half", 30),
            ] {
                let text = format!("{words} past {h}pm");
                add(
                    r,
                    text.clone(),
                    one("datetime", &text, dt(next_time(now, h + 12, m))),
                );
                // `5 to 1pm` is a range (5am to 1pm): only words count back.
                if m != 30 && m != 5 && m != 20 {
                    let text = format!("{words} to {h}pm");
                    add(
                        r,
                        text.clone(),
                        one("datetime", &text, dt(next_time(now, h + 11, 60 - m))),
                    );
                }
            }
        }
    }
    // 5. Cantonese: 三點踏三 / 三點搭三 is the numeral × 5 minutes; 下午三點十五, 三點零五.
    let now = now_of(REFS[0]);
    for h in 1..=12u32 {
        for n in 1..=11u32 {
            for step in ["踏", "搭"] {
                let text = format!("{}點{step}{}", ZH_NUM[h as usize], ZH_NUM[n as usize]);
                let want = one("datetime", &text, dt(next_time(now, office_hour(h), n * 5)));
                add(REFS[0], text, want);
            }
        }
        let text = format!("{}點踏半", ZH_NUM[h as usize]);
        let want = one("datetime", &text, dt(next_time(now, office_hour(h), 30)));
        add(REFS[0], text, want);
        for m in [5u32, 15, 25, 45] {
            let minutes = match m {
                5 => "零五".to_string(),
                15 => "十五".to_string(),
                25 => "二十五".to_string(),
                _ => "四十五".to_string(),
            };
            if h <= 6 {
                let text = format!("下午{}點{minutes}", ZH_NUM[h as usize]);
                let want = one("datetime", &text, dt(next_time(now, h + 12, m)));
                add(REFS[0], text, want);
            }
        }
    }
    // 6. A number before a part of the day: `8 tonight`, `3 in the morning`,
    //    `at 5 tomorrow afternoon`.
    for r in REFS {
        let now = now_of(r);
        let today = now.date();
        for h in 7..=11u32 {
            let text = format!("{h} tonight");
            add(
                r,
                text.clone(),
                one("datetime", &text, dt(at(today, h + 12, 0))),
            );
        }
        for h in 1..=11u32 {
            let text = format!("{h} in the morning");
            add(
                r,
                text.clone(),
                one("datetime", &text, dt(next_time(now, h, 0))),
            );
        }
        for h in 1..=6u32 {
            let span = format!("{h} tomorrow afternoon");
            add(
                r,
                format!("at {span}"),
                one("datetime", &span, dt(at(today + Days::new(1), h + 12, 0))),
            );
        }
    }
    // 7. Ordinal weekdays of a month: `first Tuesday of October`, `last Friday of March`.
    let now = now_of(REFS[0]);
    for (mi, month) in MONTHS.iter().enumerate() {
        for (wi, wd) in WEEKDAYS.iter().enumerate() {
            for (ni, nth) in ["first", "second", "third", "last"].iter().enumerate() {
                if (mi + wi + ni) % 3 != 0 {
                    continue; // a third of the grid is enough
                }
                let find_in = |year: i32| {
                    let days: Vec<NaiveDate> = (1..=31)
                        .filter_map(|day| NaiveDate::from_ymd_opt(year, mi as u32 + 1, day))
                        .filter(|x| x.weekday().num_days_from_monday() == wi as u32)
                        .collect();
                    if ni == 3 {
                        *days.last().unwrap()
                    } else {
                        days[ni]
                    }
                };
                let mut date = find_in(now.date().year());
                if date < now.date() {
                    date = find_in(now.date().year() + 1);
                }
                let text = format!("{nth} {wd} of {month}");
                add(REFS[0], text.clone(), one("date", &text, d(date)));
            }
        }
    }
    // 8. Days of a month as a range: `July 13-15`, `1-8 September`.
    for (mi, month) in MONTHS.iter().enumerate() {
        let m = mi as u32 + 1;
        let start = NaiveDate::from_ymd_opt(2026, m, 3).unwrap();
        let year = if start >= now.date() { 2026 } else { 2027 };
        let first = NaiveDate::from_ymd_opt(year, m, 3).unwrap();
        let last = NaiveDate::from_ymd_opt(year, m, 8).unwrap();
        let value = format!("{}/{}", d(first), d(last));
        for text in [
            format!("{month} 3-8"),
            format!("3-8 {month}"),
            format!("from 3rd to 8th {month}"),
        ] {
            add(REFS[0], text.clone(), one("interval", &text, value.clone()));
        }
    }
    out
}

/// Hand-written: the wrong answers fixed, Cantonese and English forms, and what is not a
/// time. Reference: Wednesday 2026-11-25 10:00 in Hong Kong.
const TABLE: &[(&str, &str)] = &[
    // The wrong answers, fixed.
    ("下午三點零五", "datetime[下午三點零五]=2026-11-25T15:05:00+08:00"),
    ("in 1/2 hour", "datetime[in 1/2 hour]=2026-11-25T10:30:00+08:00"),
    ("1/4 hour", "duration[1/4 hour]=PT15M"),
    ("一百三十分鐘", "duration[一百三十分鐘]=PT2H10M"),
    ("31/10/74", "date[31/10/74]=1974-10-31"),
    ("二零一五年三月三號", "date[二零一五年三月三號]=2015-03-03"),
    // A day and a time said apart.
    (
        "Thursday from 9:30 until 11:00",
        "interval[Thursday from 9:30 until 11:00]=2026-11-26T09:30:00+08:00/2026-11-26T11:00:00+08:00",
    ),
    ("on Saturday for 9am", "datetime[Saturday for 9am]=2026-11-28T09:00:00+08:00"),
    (
        "at 7:30 PM on Fri, Sep 20",
        "datetime[7:30 PM on Fri, Sep 20]=2027-09-20T19:30:00+08:00",
    ),
    ("in 7 days at 5pm", "datetime[in 7 days at 5pm]=2026-12-02T17:00:00+08:00"),
    (
        "tomorrow between 1 and 2:30",
        "interval[tomorrow between 1 and 2:30]=2026-11-26T13:00:00+08:00/2026-11-26T14:30:00+08:00",
    ),
    (
        "9h30 - 11h00 on Thursday",
        "interval[9h30 - 11h00 on Thursday]=2026-11-26T09:30:00+08:00/2026-11-26T11:00:00+08:00",
    ),
    (
        "4pm for 30 mins",
        "interval[4pm for 30 mins]=2026-11-25T16:00:00+08:00/2026-11-25T16:30:00+08:00",
    ),
    (
        "18th Dec for 10 days",
        "interval[18th Dec for 10 days]=2026-12-18/2026-12-27",
    ),
    ("20 to 2pm tomorrow", "datetime[20 to 2pm tomorrow]=2026-11-26T13:40:00+08:00"),
    // Offsets and stretches.
    ("in a couple of hours", "datetime[in a couple of hours]=2026-11-25T12:00:00+08:00"),
    ("in a week", "date[in a week]=2026-12-02"),
    ("a day from now", "date[a day from now]=2026-11-26"),
    ("a week hence", "date[a week hence]=2026-12-02"),
    ("3 Fridays from now", "date[3 Fridays from now]=2026-12-11"),
    ("last 2 days", "interval[last 2 days]=2026-11-23/2026-11-24"),
    ("in 3 months", "date[in 3 months]=2027-02-25"),
    ("a year from now", "date[a year from now]=2027-11-25"),
    ("2 years ago", "date[2 years ago]=2024-11-25"),
    ("三個月後", "date[三個月後]=2027-02-25"),
    ("next week Friday", "date[next week Friday]=2026-12-04"),
    ("the week after next", "interval[the week after next]=2026-12-07/2026-12-13"),
    ("last week", "interval[last week]=2026-11-16/2026-11-22"),
    (
        "past 24 hours",
        "interval[past 24 hours]=2026-11-24T10:00:00+08:00/2026-11-25T10:00:00+08:00",
    ),
    (
        "noon-2pm",
        "interval[noon-2pm]=2026-11-25T12:00:00+08:00/2026-11-25T14:00:00+08:00",
    ),
    ("now that we agreed", "-"),
    ("the past week", "interval[the past week]=2026-11-18/2026-11-24"),
    (
        "in the past hour",
        "interval[in the past hour]=2026-11-25T09:00:00+08:00/2026-11-25T10:00:00+08:00",
    ),
    ("the last day of the trip", "-"),
    ("Mon-Fri", "interval[Mon-Fri]=2026-11-30/2026-12-04"),
    ("Tue - Thu", "interval[Tue - Thu]=2026-12-01/2026-12-03"),
    ("sat-sun", "interval[sat-sun]=2026-11-28/2026-11-29"),
    ("I sat - then left", "-"),
    (
        "Friday 10-11",
        "interval[Friday 10-11]=2026-11-27T10:00:00+08:00/2026-11-27T11:00:00+08:00",
    ),
    ("未來兩週", "interval[未來兩週]=2026-11-26/2026-12-09"),
    ("下個月初", "interval[下個月初]=2026-12-01/2026-12-10"),
    ("月中", "interval[月中]=2026-11-11/2026-11-20"),
    ("過去三天", "interval[過去三天]=2026-11-22/2026-11-24"),
    ("two weeks", "duration[two weeks]=P14D"),
    ("兩週", "duration[兩週]=P14D"),
    ("聽日三點踏三", "datetime[聽日三點踏三]=2026-11-26T15:15:00+08:00"),
    ("後日朝早十點踏半", "datetime[後日朝早十點踏半]=2026-11-27T10:30:00+08:00"),
    ("半個鐘前", "datetime[半個鐘前]=2026-11-25T09:30:00+08:00"),
    ("Saturday the 5th", "date[Saturday the 5th]=2026-12-05"),
    (
        "two days from now at noon",
        "datetime[two days from now at noon]=2026-11-27T12:00:00+08:00",
    ),
    ("last month", "interval[last month]=2026-10-01/2026-10-31"),
    ("上個禮拜", "interval[上個禮拜]=2026-11-16/2026-11-22"),
    ("上個月", "interval[上個月]=2026-10-01/2026-10-31"),
    ("去年", "interval[去年]=2025-01-01/2025-12-31"),
    ("下下週", "interval[下下週]=2026-12-07/2026-12-13"),
    ("in March", "interval[March]=2027-03-01/2027-03-31"),
    ("March 2027", "interval[March 2027]=2027-03-01/2027-03-31"),
    ("this December", "interval[this December]=2026-12-01/2026-12-31"),
    ("三月", "interval[三月]=2027-03-01/2027-03-31"),
    ("明年三月", "interval[明年三月]=2027-03-01/2027-03-31"),
    ("2027年5月", "interval[2027年5月]=2027-05-01/2027-05-31"),
    ("十二月份", "interval[十二月份]=2026-12-01/2026-12-31"),
    ("this may take a while", "-"),
    ("March on", "-"),
    ("meet at 10.", "datetime[10]=2026-11-26T10:00:00+08:00"),
    ("at 3 people", "-"),
    (
        "next 3 hours",
        "interval[next 3 hours]=2026-11-25T10:00:00+08:00/2026-11-25T13:00:00+08:00",
    ),
    ("within 2 weeks", "interval[within 2 weeks]=2026-11-25/2026-12-09"),
    ("上兩天", "interval[上兩天]=2026-11-23/2026-11-24"),
    (
        "下三分鐘",
        "interval[下三分鐘]=2026-11-25T10:00:00+08:00/2026-11-25T10:03:00+08:00",
    ),
    (
        "前兩小時",
        "interval[前兩小時]=2026-11-25T08:00:00+08:00/2026-11-25T10:00:00+08:00",
    ),
    // Clocks.
    ("a quarter past noon", "datetime[a quarter past noon]=2026-11-25T12:15:00+08:00"),
    ("twenty after 3", "datetime[twenty after 3]=2026-11-25T15:20:00+08:00"),
    ("15 minutes past 3pm", "datetime[15 minutes past 3pm]=2026-11-25T15:15:00+08:00"),
    ("15h30", "datetime[15h30]=2026-11-25T15:30:00+08:00"),
    ("at 1030", "datetime[1030]=2026-11-25T10:30:00+08:00"),
    ("330 p.m.", "datetime[330 p.m.]=2026-11-25T15:30:00+08:00"),
    ("3:18a", "datetime[3:18a]=2026-11-26T03:18:00+08:00"),
    ("at 3p", "datetime[3p]=2026-11-25T15:00:00+08:00"),
    ("3 o'clock pm", "datetime[3 o'clock pm]=2026-11-25T15:00:00+08:00"),
    ("ten thirty am", "datetime[ten thirty am]=2026-11-25T10:30:00+08:00"),
    ("seven thirty p.m.", "datetime[seven thirty p.m.]=2026-11-25T19:30:00+08:00"),
    ("8 tonight", "datetime[8 tonight]=2026-11-25T20:00:00+08:00"),
    ("4pm CET", "datetime[4pm CET]=2026-11-25T23:00:00+08:00"),
    ("Thursday 8:00 GMT", "datetime[Thursday 8:00 GMT]=2026-11-26T16:00:00+08:00"),
    ("10am UTC+2", "datetime[10am UTC+2]=2026-11-25T16:00:00+08:00"),
    ("the est. cost", "-"),
    ("at 8 in the evening", "datetime[8 in the evening]=2026-11-25T20:00:00+08:00"),
    // Cantonese and Mandarin.
    ("三點踏三", "datetime[三點踏三]=2026-11-25T15:15:00+08:00"),
    ("三點搭三", "datetime[三點搭三]=2026-11-25T15:15:00+08:00"),
    ("三點踏一", "datetime[三點踏一]=2026-11-25T15:05:00+08:00"),
    ("三點踏半", "datetime[三點踏半]=2026-11-25T15:30:00+08:00"),
    ("下午三點十五", "datetime[下午三點十五]=2026-11-25T15:15:00+08:00"),
    ("聽日下午三點零五", "datetime[聽日下午三點零五]=2026-11-26T15:05:00+08:00"),
    ("兩小時前", "datetime[兩小時前]=2026-11-25T08:00:00+08:00"),
    ("兩日前", "date[兩日前]=2026-11-23"),
    ("而家", "datetime[而家]=2026-11-25T10:00:00+08:00"),
    ("依家", "datetime[依家]=2026-11-25T10:00:00+08:00"),
    ("宜家", "datetime[宜家]=2026-11-25T10:00:00+08:00"),
    ("現在", "datetime[現在]=2026-11-25T10:00:00+08:00"),
    ("十月第一個星期一", "date[十月第一個星期一]=2027-10-04"),
    ("十二月最後一個星期五", "date[十二月最後一個星期五]=2026-12-25"),
    ("下個月第二個禮拜三", "date[下個月第二個禮拜三]=2026-12-09"),
    ("這個週末", "interval[這個週末]=2026-11-28/2026-11-29"),
    ("呢個週末", "interval[呢個週末]=2026-11-28/2026-11-29"),
    ("下個週末", "interval[下個週末]=2026-12-05/2026-12-06"),
    ("半日", "duration[半日]=PT12H"),
    ("半天", "duration[半天]=PT12H"),
    ("1.5小時", "duration[1.5小時]=PT1H30M"),
    ("兩小時十分", "duration[兩小時十分]=PT2H10M"),
    ("1 分鐘", "duration[1 分鐘]=PT1M"),
    ("12月3日至5日", "interval[12月3日至5日]=2026-12-03/2026-12-05"),
    // English ordinals, now, fuzzy periods.
    ("now", "datetime[now]=2026-11-25T10:00:00+08:00"),
    ("right now", "datetime[right now]=2026-11-25T10:00:00+08:00"),
    ("on the 15th", "date[the 15th]=2026-12-15"),
    ("the 3rd of March", "date[the 3rd of March]=2027-03-03"),
    ("20th of next month", "date[20th of next month]=2026-12-20"),
    ("the day before yesterday", "date[the day before yesterday]=2026-11-23"),
    ("Friday after next", "date[Friday after next]=2026-12-11"),
    ("Tuesday the 19th", "date[Tuesday the 19th]=2027-01-19"),
    ("last Friday of October", "date[last Friday of October]=2027-10-29"),
    ("end of April", "interval[end of April]=2027-04-21/2027-04-30"),
    ("beginning of next week", "interval[beginning of next week]=2026-11-30/2026-12-02"),
    ("early March", "interval[early March]=2027-03-01/2027-03-10"),
    ("mid March", "interval[mid March]=2027-03-11/2027-03-20"),
    ("late March", "interval[late March]=2027-03-21/2027-03-31"),
    ("rest of the week", "interval[rest of the week]=2026-11-25/2026-11-29"),
    ("EOW", "interval[EOW]=2026-11-27/2026-11-29"),
    ("EOM", "interval[EOM]=2026-11-21/2026-11-30"),
    ("by EOM", "deadline[by EOM]=2026-11-30"),
    ("by EOW", "deadline[by EOW]=2026-11-27"),
    ("by EOY", "deadline[by EOY]=2026-12-31"),
    // Durations.
    ("1 hour thirty", "duration[1 hour thirty]=PT1H30M"),
    ("2 hours ten", "duration[2 hours ten]=PT2H10M"),
    ("one and a quarter hours", "duration[one and a quarter hours]=PT1H15M"),
    ("half a day", "duration[half a day]=PT12H"),
    ("July 13-15", "interval[July 13-15]=2027-07-13/2027-07-15"),
    ("23rd to 26th Oct", "interval[23rd to 26th Oct]=2027-10-23/2027-10-26"),
    // Not times.
    ("3 points", "-"),
    ("1/2 of the budget", "-"),
    ("version 2.10", "-"),
    ("the score was 3-2", "-"),
    ("call 2345 6789", "-"),
    ("HK$1,200", "-"),
    ("10 to 12 people", "-"),
    ("two to three people", "-"),
    ("three a day", "-"),
    ("3 a day", "-"),
    ("buy 3 apples", "-"),
    ("v1.5", "-"),
    ("Room 3a", "-"),
    ("第三季", "-"),
    ("三個人", "-"),
    ("百分之五", "-"),
];

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

fn check(cases: &[Case]) -> Vec<String> {
    cases
        .iter()
        .filter_map(|c| {
            let now = DateTime::parse_from_rfc3339(c.now).unwrap();
            let got = render(&find(&c.text, now, HK));
            (got != c.want).then(|| {
                format!(
                    "[{}] {:?}\n    want {}\n    got  {}",
                    c.now, c.text, c.want, got
                )
            })
        })
        .collect()
}

#[test]
fn generated_forms_resolve_as_the_calendar_says() {
    let cases = generated();
    assert!(cases.len() >= 600, "only {} cases", cases.len());
    let failures = check(&cases);
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    eprintln!("{} generated time-word cases passed", cases.len());
}

#[test]
fn hand_written_forms_and_non_times() {
    let cases: Vec<Case> = TABLE
        .iter()
        .map(|(text, want)| Case {
            now: REFS[0],
            text: text.to_string(),
            want: want.to_string(),
        })
        .collect();
    let failures = check(&cases);
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn the_weekday_is_kept_when_it_disagrees_with_nothing() {
    // A weekday with a time already past today moves a week on, said either way round.
    let now = DateTime::parse_from_rfc3339(REFS[0]).unwrap();
    let a = find("Wednesday at 9am", now, HK);
    let b = find("9am on Wednesday", now, HK);
    assert_eq!(a[0].value.render(), "2026-12-02T09:00:00+08:00");
    assert_eq!(a[0].value, b[0].value);
}
