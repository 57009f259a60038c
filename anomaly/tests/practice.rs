//! What a company's own practice changes: a submission window its history shows when the
//! policy sets none, bills held at one amount under a limit nobody wrote down, people
//! whose claims land on the cap as a rule, two copies of a claim in one batch, and bills
//! paid in another currency that convert to a hair over a limit.

use anomaly::{Assessment, Category, Claim, Model, Policy, ReasonCode, RiskLevel, Scorer};
use chrono::{Duration, NaiveDate};

mod common;
use common::{date, submitted, working_days};

fn claim(id: &str, emp: &str, category: Category, amount: f64, day: NaiveDate) -> Claim {
    claim_submitted(id, emp, category, amount, day, 2)
}

fn claim_submitted(
    id: &str,
    emp: &str,
    category: Category,
    amount: f64,
    day: NaiveDate,
    delay_days: i64,
) -> Claim {
    let merchant = match category {
        Category::Taxi => "Uber",
        Category::OfficeSupplies => "Fortress",
        _ => "Tsui Wah",
    };
    Claim {
        submitted_at: submitted(day, delay_days),
        ..common::claim(id, emp, "site", category, merchant, amount, day)
    }
}

/// Eight months: Q1–Q4 lunch for about HKD 110–150 and buy office supplies for about
/// HKD 200–300; Q4 hands in a whole quarter's receipts at once, up to 95 days late; H1
/// takes a taxi most days whose fare is capped at the HKD 600 limit every other ride; Q3
/// takes long taxi rides of HKD 420–560 every third day, never near the limit.
fn history() -> Vec<Claim> {
    let mut out = Vec::new();
    for (n, day) in working_days("2026-01-05", "2026-09-01")
        .into_iter()
        .enumerate()
    {
        for (e, emp) in ["Q1", "Q2", "Q3", "Q4"].iter().enumerate() {
            let wobble = ((n * 37 + e * 11) % 41) as f64;
            let delay = if *emp == "Q4" {
                5 + (n as i64 * 7) % 91
            } else {
                2
            };
            out.push(claim_submitted(
                &format!("M{n}-{emp}"),
                emp,
                Category::Meals,
                110.0 + wobble,
                day,
                delay,
            ));
            if n % 4 == e {
                out.push(claim(
                    &format!("O{n}-{emp}"),
                    emp,
                    Category::OfficeSupplies,
                    200.0 + 2.0 * wobble,
                    day,
                ));
            }
        }
        if n % 3 == 0 {
            let wobble = ((n * 29) % 41) as f64;
            out.push(claim(
                &format!("R{n}"),
                "Q3",
                Category::Taxi,
                420.0 + 3.5 * wobble,
                day,
            ));
        }
        let fare = if n % 2 == 0 {
            600.0
        } else {
            180.0 + (n % 29) as f64
        };
        out.push(claim(&format!("T{n}"), "H1", Category::Taxi, fare, day));
    }
    out
}

fn scorer(policy: Policy) -> Scorer {
    Scorer::new(Model::fit(&history(), &policy, 7).unwrap(), policy)
}

fn reason(a: &Assessment, code: ReasonCode) -> Option<&str> {
    a.reasons
        .iter()
        .find(|r| r.code == code)
        .map(|r| r.detail.as_str())
}

#[test]
fn the_submission_window_comes_from_history_when_the_policy_sets_none() {
    let s = scorer(Policy::from_toml_str("").unwrap());
    // Nearly all of Q4's quarterly batches come within 90 days.
    assert_eq!(s.model().late_window, Some(90));
    assert_eq!(s.policy().late_submission_days, 90);
    let day = date("2026-09-07");
    let scored = s.score(&[
        claim_submitted("L1", "Q4", Category::Meals, 130.0, day, 85),
        claim_submitted("L2", "Q1", Category::Meals, 130.0, day, 150),
    ]);
    assert!(
        reason(&scored[0], ReasonCode::LateSubmission).is_none(),
        "{:?}",
        scored[0]
    );
    let detail = reason(&scored[1], ReasonCode::LateSubmission).unwrap();
    assert!(
        detail.contains("submitted 150 days after the expense")
            && detail.contains("up to 90 days")
            && detail.contains("the policy sets no window"),
        "{detail}"
    );

    // A window the policy file sets is the rule.
    let s = scorer(Policy::from_toml_str("late_submission_days = 60").unwrap());
    assert_eq!(s.model().late_window, None);
    let a = s.score(&[claim_submitted("L3", "Q4", Category::Meals, 130.0, day, 85)]);
    assert!(reason(&a[0], ReasonCode::LateSubmission).is_some());
}

#[test]
fn bills_held_at_one_amount_far_above_usual_are_limit_gaming_without_a_known_limit() {
    let s = scorer(Policy::default());
    // Office supplies have a default limit of HKD 3,000, far above these HKD ~1,950
    // bills: the amount they are held under is a limit nobody wrote down.
    let series: Vec<Claim> = [
        ("2026-09-07", 1969.4),
        ("2026-09-15", 1951.5),
        ("2026-09-24", 1980.0),
    ]
    .iter()
    .enumerate()
    .map(|(i, (day, amount))| {
        claim(
            &format!("G{i}"),
            "Q2",
            Category::OfficeSupplies,
            *amount,
            date(day),
        )
    })
    .collect();
    let scored = s.score(&series);
    let last = reason(&scored[2], ReasonCode::NearLimit)
        .unwrap_or_else(|| panic!("{:?}", scored[2].reasons));
    assert!(
        last.starts_with(
            "3rd claim between HKD 1,951.50 and HKD 1,980.00 in 18 days (2026-09-07 to 2026-09-24)"
        ),
        "{last}"
    );
    assert!(
        last.contains("usual office_supplies amount of HKD 2"),
        "{last}"
    );
    assert!(last.contains("never before"), "{last}");
    assert_eq!(scored[2].risk_level, RiskLevel::High, "{:?}", scored[2]);

    // One such bill is inflated, not a series.
    let one = s.score(&series[..1]);
    assert!(
        reason(&one[0], ReasonCode::NearLimit).is_none(),
        "{:?}",
        one[0]
    );
    assert!(reason(&one[0], ReasonCode::UnusualAmount).is_some());
}

#[test]
fn claims_at_a_cap_the_claimant_lives_by_are_neither_unusual_nor_duplicates() {
    let s = scorer(Policy::default());
    let scored = s.score(&[
        claim("C1", "H1", Category::Taxi, 600.0, date("2026-09-07")),
        claim("C2", "H1", Category::Taxi, 600.0, date("2026-09-08")),
    ]);
    for a in &scored {
        assert!(reason(a, ReasonCode::UnusualAmount).is_none(), "{a:?}");
        assert!(reason(a, ReasonCode::Duplicate).is_none(), "{a:?}");
        assert_eq!(a.risk_level, RiskLevel::Low, "{a:?}");
    }
    // The same two fares by someone who never claims near the limit are a repeat.
    let scored = s.score(&[
        claim("C3", "Q1", Category::Taxi, 415.0, date("2026-09-07")),
        claim("C4", "Q1", Category::Taxi, 415.0, date("2026-09-08")),
    ]);
    assert!(reason(&scored[1], ReasonCode::Duplicate).is_some());
}

#[test]
fn of_two_copies_in_one_batch_the_later_submission_is_the_duplicate() {
    let s = scorer(Policy::default());
    let day = date("2026-09-08");
    let mut first = claim("D1", "Q3", Category::Meals, 126.0, day);
    first.invoice_no = Some("INV-77".into());
    let mut again = first.clone();
    again.claim_id = "D0".into();
    again.submitted_at = first.submitted_at + Duration::days(9);
    let scored = s.score(&[again, first]);
    let detail = reason(&scored[0], ReasonCode::Duplicate).unwrap();
    assert!(detail.starts_with("same invoice_no as D1"), "{detail}");
    assert_eq!(scored[0].risk_level, RiskLevel::High);
    // The original is named next to its copy, for a look rather than an audit.
    let detail = reason(&scored[1], ReasonCode::Duplicate).unwrap();
    assert!(
        detail.starts_with("D0 (2026-09-08), submitted later, repeats this claim"),
        "{detail}"
    );
    assert_eq!(scored[1].risk_level, RiskLevel::Medium, "{:?}", scored[1]);
}

#[test]
fn a_bill_at_the_limit_paid_in_another_currency_is_not_over_it() {
    let policy = Policy::from_toml_str("[limits]\nmeals = 650").unwrap();
    let s = scorer(policy);
    // CNY 601.85 at 1.08 is HKD 650.0; CNY 601.86 is HKD 650.0088 — the cent's rounding.
    let mut at = claim("X1", "Q1", Category::Meals, 601.86, date("2026-09-08"));
    at.currency = "CNY".into();
    let mut over = at.clone();
    over.claim_id = "X2".into();
    over.amount = 640.0;
    let scored = s.score(&[at, over]);
    assert!(
        reason(&scored[0], ReasonCode::OverLimit).is_none(),
        "{:?}",
        scored[0]
    );
    assert!(reason(&scored[0], ReasonCode::NearLimit).is_some());
    assert!(reason(&scored[1], ReasonCode::OverLimit).is_some());
}

#[test]
fn a_series_near_the_limit_stands_out_against_the_claimants_own_record() {
    let s = scorer(Policy::default());
    // Half the company's taxi claims sit at the cap (H1's), which makes one claim there
    // say little; three in two weeks by Q3, who never went there in dozens of rides, is
    // their departure, not the company's habit.
    let series: Vec<Claim> = ["2026-09-07", "2026-09-10", "2026-09-16"]
        .iter()
        .enumerate()
        .map(|(i, day)| claim(&format!("R{i}"), "Q3", Category::Taxi, 591.0, date(day)))
        .collect();
    let scored = s.score(&series);
    let detail = reason(&scored[2], ReasonCode::NearLimit).unwrap();
    assert!(
        detail.starts_with("3rd claim within 3% under the HKD 600.00 taxi limit"),
        "{detail}"
    );
    assert!(detail.contains("never before in"), "{detail}");
    assert!(
        reason(&scored[2], ReasonCode::UnusualAmount).is_none(),
        "{:?}",
        scored[2]
    );
    assert_eq!(scored[2].risk_level, RiskLevel::High, "{:?}", scored[2]);
    // The series adds far more than the common cap would let it.
    let one = s.score(&series[2..]);
    assert!(
        scored[2].risk_score >= one[0].risk_score + 0.1,
        "{} vs {}",
        scored[2].risk_score,
        one[0].risk_score
    );
}
