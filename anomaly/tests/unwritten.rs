//! What a company that never wrote its policy down still shows in its history: where its
//! bills stop (the highest single claim, the highest amount a head) when the default
//! limit is far above anything it ever claimed, and which amounts are never round.

use anomaly::{Assessment, Category, Claim, Model, Policy, ReasonCode, RiskLevel, Route, Scorer};
use chrono::NaiveDate;

mod common;
use common::{date, working_days};

fn claim(id: &str, emp: &str, category: Category, amount: f64, day: NaiveDate) -> Claim {
    let merchant = match category {
        Category::OfficeSupplies => "Fortress",
        Category::Telecom => "CSL",
        _ => "Tai Hing",
    };
    common::claim(id, emp, "survey", category, merchant, amount, day)
}

/// Ten months for four people: lunches of HKD 60–230 with one to three at the table
/// (never over HKD 115 a head), office supplies of HKD 85–260 and now and then up to
/// HKD 390 (never near the default HKD 3,000 limit), and phone plans at HKD 200 and 300.
fn history() -> Vec<Claim> {
    let mut out = Vec::new();
    for (n, day) in working_days("2025-11-03", "2026-09-01")
        .into_iter()
        .enumerate()
    {
        for (e, emp) in ["S1", "S2", "S3", "S4"].iter().enumerate() {
            let wobble = ((n * 37 + e * 13) % 59) as f64;
            let heads = 1 + (n + e) % 3;
            let mut meal = claim(
                &format!("M{n}-{emp}"),
                emp,
                Category::Meals,
                (60.0 + 2.9 * wobble + 0.1 * e as f64).min(115.0 * heads as f64),
                day,
            );
            meal.attendees = Some(heads as u32);
            out.push(meal);
            if (n + e) % 4 != 3 {
                out.push(claim(
                    &format!("O{n}-{emp}"),
                    emp,
                    Category::OfficeSupplies,
                    85.0 + 3.0 * wobble + if n % 97 == e { 130.3 } else { 0.3 },
                    day,
                ));
            }
            if n % 21 == e {
                let plan = if e % 2 == 0 { 200.0 } else { 300.0 };
                out.push(claim(
                    &format!("T{n}-{emp}"),
                    emp,
                    Category::Telecom,
                    plan,
                    day,
                ));
            }
        }
    }
    out
}

fn scorer(policy: Policy) -> Scorer {
    Scorer::new(Model::fit(&history(), &policy, 3).unwrap(), policy)
}

fn reason(a: &Assessment, code: ReasonCode) -> Option<&str> {
    a.reasons
        .iter()
        .find(|r| r.code == code)
        .map(|r| r.detail.as_str())
}

#[test]
fn the_highest_claim_stands_in_for_a_limit_nobody_wrote_down() {
    let s = scorer(Policy::default());
    let highest = history()
        .iter()
        .filter(|c| c.category == Category::OfficeSupplies)
        .map(|c| c.amount)
        .fold(0.0, f64::max);
    assert_eq!(
        s.model().tops.get(&Category::OfficeSupplies),
        Some(&highest)
    );
    assert!(highest < 400.0, "{highest}");
    let day = date("2026-09-08");
    let scored = s.score(&[
        // One bill in two parts at one shop on one day, more than any bill ever was.
        claim("P1", "S1", Category::OfficeSupplies, 310.0, day),
        claim("P2", "S1", Category::OfficeSupplies, 290.0, day),
        // One bill a good deal above anything the company ever claimed.
        claim("P3", "S2", Category::OfficeSupplies, 520.0, day),
        // An ordinary purchase, and one at the highest.
        claim("P4", "S3", Category::OfficeSupplies, 210.0, day),
        claim("P5", "S4", Category::OfficeSupplies, highest, day),
    ]);
    for a in &scored[..2] {
        let detail = reason(a, ReasonCode::SplitClaim).unwrap_or_else(|| panic!("{a:?}"));
        assert!(
            detail.contains("total HKD 600.00")
                && detail.contains("more than any single office_supplies claim")
                && detail.contains(&format!("the highest HKD {highest:.2}")),
            "{detail}"
        );
        assert_ne!(a.risk_level, RiskLevel::Low);
    }
    let detail =
        reason(&scored[2], ReasonCode::OverLimit).unwrap_or_else(|| panic!("{:?}", scored[2]));
    assert!(
        detail.contains("HKD 520.00 is more than any of the company's")
            && detail.contains("the policy sets no office_supplies limit"),
        "{detail}"
    );
    assert_ne!(scored[2].route, Route::AutoApprove, "{:?}", scored[2]);
    assert!(scored[3].reasons.is_empty(), "{:?}", scored[3]);
    assert_eq!(scored[3].route, Route::AutoApprove);
    // At the highest is not above it (the mixture may still find it strange).
    assert!(
        reason(&scored[4], ReasonCode::OverLimit).is_none(),
        "{:?}",
        scored[4]
    );

    // A limit the policy file sets is the one that counts.
    let s = scorer(Policy::from_toml_str("[limits]\noffice_supplies = 3000\n").unwrap());
    assert!(s.model().tops.is_empty() || !s.model().tops.contains_key(&Category::OfficeSupplies));
    let scored = s.score(&[
        claim("P1", "S1", Category::OfficeSupplies, 310.0, day),
        claim("P2", "S1", Category::OfficeSupplies, 290.0, day),
        claim("P3", "S2", Category::OfficeSupplies, 520.0, day),
    ]);
    for a in &scored {
        assert!(reason(a, ReasonCode::SplitClaim).is_none(), "{a:?}");
        assert!(reason(a, ReasonCode::OverLimit).is_none(), "{a:?}");
    }
}

#[test]
fn a_table_dearer_a_head_than_any_before_is_over_the_unwritten_per_head_limit() {
    let s = scorer(Policy::default());
    let top = s.model().per_attendee_tops[&Category::Meals];
    assert!(top <= 115.0 && top > 100.0, "{top}");
    let day = date("2026-09-09");
    // Under the highest meal bill, but for one person.
    let mut dear = claim("H1", "S1", Category::Meals, 220.0, day);
    dear.attendees = Some(1);
    let mut ordinary = claim("H2", "S2", Category::Meals, 180.0, day);
    ordinary.attendees = Some(2);
    let scored = s.score(&[dear, ordinary]);
    let detail =
        reason(&scored[0], ReasonCode::OverLimit).unwrap_or_else(|| panic!("{:?}", scored[0]));
    assert!(
        detail.contains("HKD 220.00 a head for 1 attendees")
            && detail.contains("the policy sets no meals per-head limit"),
        "{detail}"
    );
    assert!(
        reason(&scored[1], ReasonCode::OverLimit).is_none(),
        "{:?}",
        scored[1]
    );

    // A per-head limit in the file rules.
    let s = scorer(Policy::from_toml_str("[per_attendee_limits]\nmeals = 600\n").unwrap());
    assert!(!s.model().per_attendee_tops.contains_key(&Category::Meals));
}

#[test]
fn a_small_whole_hundred_is_round_where_the_company_never_has_one() {
    let s = scorer(Policy::default());
    let day = date("2026-09-10");
    let scored = s.score(&[
        claim("R1", "S1", Category::OfficeSupplies, 300.0, day),
        // Phone plans are whole hundreds as a rule.
        claim("R2", "S2", Category::Telecom, 300.0, day),
        // A single hundred is too ordinary to be round.
        claim("R3", "S3", Category::Meals, 100.0, day),
    ]);
    let detail =
        reason(&scored[0], ReasonCode::RoundAmount).unwrap_or_else(|| panic!("{:?}", scored[0]));
    assert!(
        detail.contains("300.00 HKD is a round amount, rare in office_supplies")
            && detail.contains("0.00% of the company's"),
        "{detail}"
    );
    assert_eq!(scored[0].risk_level, RiskLevel::Medium, "{:?}", scored[0]);
    assert!(
        reason(&scored[1], ReasonCode::RoundAmount).is_none(),
        "{:?}",
        scored[1]
    );
    assert!(
        reason(&scored[2], ReasonCode::RoundAmount).is_none(),
        "{:?}",
        scored[2]
    );

    // A threshold the policy file sets is the rule.
    let s = scorer(Policy::from_toml_str("round_amount_min = 500").unwrap());
    let a = s.score(&[claim("R1", "S1", Category::OfficeSupplies, 300.0, day)]);
    assert!(
        reason(&a[0], ReasonCode::RoundAmount).is_none(),
        "{:?}",
        a[0]
    );
}
