//! Days off worked abroad, and pairs of bills at one place: a traveller's weekend meals on
//! trips do not make a Saturday lunch in town business, and two bills at one place of
//! which one is what the claimant ordinarily spends there are worth a look, not an audit.

use anomaly::{Assessment, Category, Claim, Model, Policy, ReasonCode, RiskLevel, Route, Scorer};
use chrono::{Datelike, NaiveDate, Weekday};

mod common;
use common::{date, submitted, working_days};

fn claim(id: &str, emp: &str, amount: f64, currency: &str, day: NaiveDate) -> Claim {
    let merchant = if currency == "HKD" {
        "Tsui Wah"
    } else {
        "Ichiran"
    };
    Claim {
        currency: currency.into(),
        submitted_at: submitted(day, 3),
        ..common::claim(id, emp, "buying", Category::Meals, merchant, amount, day)
    }
}

/// Eight months of lunches for about HKD 80–120. T1 and T2 travel: every fourth week they
/// spend Monday to Sunday abroad and claim their meals in JPY, Saturday and Sunday
/// included; at home they never claim on a day off. S1 works in a shop that opens on
/// Saturdays and claims a Saturday lunch in HKD most weeks.
fn history() -> Vec<Claim> {
    let mut out = Vec::new();
    let mut day = date("2026-01-05");
    let mut n = 0usize;
    while day < date("2026-09-01") {
        let week = (day - date("2026-01-05")).num_days() / 7;
        let off = matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
            || Policy::default().holidays.contains_key(&day);
        let wobble = ((n * 37) % 41) as f64;
        for (e, emp) in ["T1", "T2"].iter().enumerate() {
            let abroad = week % 4 == e as i64 + 1;
            if abroad {
                let yen = ((90.0 + wobble) / 0.052).round();
                out.push(claim(&format!("A{n}-{emp}"), emp, yen, "JPY", day));
            } else if !off {
                out.push(claim(
                    &format!("H{n}-{emp}"),
                    emp,
                    85.0 + wobble,
                    "HKD",
                    day,
                ));
            }
        }
        if !off || day.weekday() == Weekday::Sat {
            out.push(claim(&format!("S{n}"), "S1", 80.0 + wobble, "HKD", day));
        }
        n += 1;
        day = day.succ_opt().unwrap();
    }
    out
}

fn policy() -> Policy {
    Policy::from_toml_str("[limits]\nmeals = 450\n").unwrap()
}

fn scorer() -> Scorer {
    Scorer::new(Model::fit(&history(), &policy(), 7).unwrap(), policy())
}

fn reason(a: &Assessment, code: ReasonCode) -> Option<&str> {
    a.reasons
        .iter()
        .find(|r| r.code == code)
        .map(|r| r.detail.as_str())
}

#[test]
fn weekends_worked_abroad_do_not_make_a_weekend_at_home_business() {
    let s = scorer();
    let saturday = date("2026-09-12");
    let scored = s.score(&[
        claim("N1", "T1", 96.0, "HKD", saturday),
        claim("N2", "T1", 1_850.0, "JPY", saturday),
        claim("N3", "S1", 96.0, "HKD", saturday),
    ]);
    // T1's weekend claims were all paid abroad: a Saturday lunch in HKD is a day off.
    let at_home = &scored[0];
    let why = reason(at_home, ReasonCode::Weekend).expect("weekend at home named");
    assert!(why.contains("paid abroad, none in HKD"), "{why}");
    assert_eq!(at_home.risk_level, RiskLevel::Medium, "{at_home:?}");
    assert_eq!(at_home.route, Route::Finance);
    // The same Saturday on a trip is what T1 does.
    assert_eq!(scored[1].risk_level, RiskLevel::Low, "{:?}", scored[1]);
    // S1 works Saturdays at home.
    assert_eq!(scored[2].risk_level, RiskLevel::Low, "{:?}", scored[2]);
}

#[test]
fn a_pair_with_one_ordinary_bill_is_worth_a_look_not_an_audit() {
    let s = scorer();
    let day = working_days("2026-09-07", "2026-09-12")[1];
    let lopsided = s.score(&[
        claim("P1", "T2", 395.0, "HKD", day),
        claim("P2", "T2", 92.0, "HKD", day),
    ]);
    for a in &lopsided {
        let why = reason(a, ReasonCode::SplitClaim).expect("split named");
        assert!(
            why.contains("the smaller, HKD 92.00, is within this claimant's usual meals range"),
            "{why}"
        );
    }
    // The ordinary bill is only a look; the big one is still high risk for its amount.
    assert_eq!(
        lopsided[1].risk_level,
        RiskLevel::Medium,
        "{:?}",
        lopsided[1]
    );
    assert!(reason(&lopsided[0], ReasonCode::UnusualAmount).is_some());

    // Two bills each far above the claimant's usual that pass the limit together: one
    // bill cut in two.
    let cut = s.score(&[
        claim("P3", "T2", 260.0, "HKD", day),
        claim("P4", "T2", 240.0, "HKD", day),
    ]);
    for a in &cut {
        let why = reason(a, ReasonCode::SplitClaim).expect("split named");
        assert!(!why.contains("usual meals range"), "{why}");
        assert_eq!(a.risk_level, RiskLevel::High, "{a:?}");
        assert_eq!(a.route, Route::Audit);
    }
}
