//! An amount far above the claimant's usual is an audit where the company's own claims
//! almost never stray that far, and a look (finance) where they often do.

use anomaly::{Assessment, Category, Claim, Model, Policy, ReasonCode, RiskLevel, Route, Scorer};
use chrono::NaiveDate;

mod common;
use common::working_days;

fn claim(id: &str, emp: &str, category: Category, amount: f64, day: NaiveDate) -> Claim {
    let merchant = match category {
        Category::Other => "Flower Lab",
        _ => "Tsui Wah",
    };
    common::claim(id, emp, "shops", category, merchant, amount, day)
}

/// Ten people, a year of lunches (HKD 80–120) and purchases for the shop (HKD 120–180);
/// one purchase in fifty is a big one, six to eight times the usual (window props).
fn history() -> Vec<Claim> {
    let mut out = Vec::new();
    for (n, day) in working_days("2025-09-01", "2026-09-01")
        .into_iter()
        .enumerate()
    {
        for e in 0..10 {
            let emp = format!("S{e}");
            let wobble = ((n * 37 + e * 11) % 41) as f64;
            out.push(claim(
                &format!("M{n}-{e}"),
                &emp,
                Category::Meals,
                80.0 + wobble,
                day,
            ));
            let props = (n + e * 7) % 50 == 3;
            let amount = if props {
                900.0 + 6.0 * wobble
            } else {
                120.0 + 1.5 * wobble
            };
            out.push(claim(
                &format!("O{n}-{e}"),
                &emp,
                Category::Other,
                amount,
                day,
            ));
        }
    }
    out
}

fn reason(a: &Assessment, code: ReasonCode) -> Option<&str> {
    a.reasons
        .iter()
        .find(|r| r.code == code)
        .map(|r| r.detail.as_str())
}

#[test]
fn an_amount_the_companys_own_claims_often_reach_is_a_look_not_an_audit() {
    let policy = Policy::default();
    let s = Scorer::new(Model::fit(&history(), &policy, 3).unwrap(), policy);
    let day = working_days("2026-09-07", "2026-09-12")[0];
    let scored = s.score(&[
        claim("N1", "S4", Category::Other, 1_050.0, day),
        claim("N2", "S4", Category::Meals, 640.0, day),
    ]);
    let props = &scored[0];
    let why = reason(props, ReasonCode::UnusualAmount).expect("unusual amount named");
    assert!(
        why.contains("earlier other claims were as far above their claimant's usual"),
        "{why}"
    );
    // The amount alone counts as a look (0.6); the model may add to it.
    if props.reasons.len() == 1 {
        assert_eq!(props.risk_level, RiskLevel::Medium, "{props:?}");
        assert_eq!(props.route, Route::Finance);
    }

    // Nobody's lunch ever strays that far: an audit.
    let lunch = &scored[1];
    let why = reason(lunch, ReasonCode::UnusualAmount).expect("unusual amount named");
    assert!(!why.contains("were as far above"), "{why}");
    assert_eq!(lunch.risk_level, RiskLevel::High, "{lunch:?}");
    assert_eq!(lunch.route, Route::Audit);
    assert!(props.risk_score < lunch.risk_score, "{props:?} {lunch:?}");
}
