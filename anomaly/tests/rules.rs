//! Each rule on hand-made claims, scored against a small hand-made history.

use anomaly::{Category, Claim, Model, Policy, ReasonCode, RiskLevel, Route, Scorer};
use chrono::{DateTime, Duration, NaiveDate};

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn claim(id: &str, emp: &str, category: Category, merchant: &str, amount: f64, day: &str) -> Claim {
    let expense_date = date(day);
    let submitted = format!("{}T10:00:00+08:00", expense_date + Duration::days(3));
    Claim {
        claim_id: id.into(),
        employee_id: emp.into(),
        department: "finance".into(),
        category,
        merchant: merchant.into(),
        amount,
        currency: "HKD".into(),
        expense_date,
        submitted_at: DateTime::parse_from_rfc3339(&submitted).unwrap(),
        description: "午餐".into(),
        invoice_no: None,
        attendees: None,
    }
}

/// Six months of ordinary weekday lunches and taxis for three people.
fn history() -> Vec<Claim> {
    let mut out = Vec::new();
    let mut day = date("2026-03-02");
    let mut n = 0;
    while day < date("2026-09-01") {
        if !matches!(day.format("%a").to_string().as_str(), "Sat" | "Sun")
            && !Policy::default().holidays.contains_key(&day)
        {
            for (e, emp) in ["E1", "E2", "E3"].iter().enumerate() {
                n += 1;
                let wobble = ((n * 37) % 23) as f64;
                let mut c = claim(
                    &format!("H{n}"),
                    emp,
                    Category::Meals,
                    ["Tsui Wah", "Tai Hing"][n % 2],
                    120.0 + wobble + e as f64 * 10.0,
                    &day.to_string(),
                );
                c.invoice_no = Some(format!("INV-{n}"));
                out.push(c);
                if n % 3 == 0 {
                    n += 1;
                    out.push(claim(
                        &format!("H{n}"),
                        emp,
                        Category::Taxi,
                        "Taxi",
                        80.0 + wobble,
                        &day.to_string(),
                    ));
                }
            }
        }
        day = day.succ_opt().unwrap();
    }
    out
}

fn scorer() -> Scorer {
    let policy = Policy::default();
    Scorer::new(Model::fit(&history(), &policy, 7).unwrap(), policy)
}

fn codes(scorer: &Scorer, claims: &[Claim]) -> Vec<Vec<ReasonCode>> {
    scorer
        .score(claims)
        .into_iter()
        .map(|a| a.reasons.into_iter().map(|r| r.code).collect())
        .collect()
}

fn ordinary() -> Claim {
    claim("N1", "E1", Category::Meals, "Tsui Wah", 131.5, "2026-09-08")
}

#[test]
fn an_ordinary_claim_is_low_risk_and_auto_approved() {
    let a = &scorer().score(&[ordinary()])[0];
    assert!(a.reasons.is_empty(), "{:?}", a.reasons);
    assert_eq!(a.risk_level, RiskLevel::Low);
    assert_eq!(a.route, Route::AutoApprove);
    assert!(a.risk_score < 0.2, "{}", a.risk_score);
}

#[test]
fn same_invoice_is_a_duplicate_naming_the_original() {
    let h = history();
    let original = &h[10];
    let mut c = ordinary();
    c.invoice_no = original.invoice_no.clone();
    let a = &scorer().score(&[c])[0];
    assert_eq!(a.reasons[0].code, ReasonCode::Duplicate);
    assert!(
        a.reasons[0].detail.contains(&original.claim_id),
        "{}",
        a.reasons[0].detail
    );
    assert_eq!(a.risk_level, RiskLevel::High);
}

#[test]
fn same_claimant_merchant_amount_and_date_is_a_fuzzy_duplicate() {
    let h = history();
    let original = &h[20];
    let mut c = original.clone();
    c.claim_id = "N2".into();
    c.invoice_no = None;
    c.merchant = format!("{} Ltd.", original.merchant.to_uppercase());
    assert!(codes(&scorer(), &[c])[0].contains(&ReasonCode::Duplicate));
}

#[test]
fn duplicates_inside_one_batch_are_found() {
    let mut a = ordinary();
    a.invoice_no = Some("R-1".into());
    let mut b = a.clone();
    b.claim_id = "N9".into();
    let found = codes(&scorer(), &[a, b]);
    assert!(found[1].contains(&ReasonCode::Duplicate));
}

#[test]
fn claims_that_together_pass_a_limit_are_split() {
    let parts: Vec<Claim> = [700.0, 650.0, 500.0]
        .iter()
        .enumerate()
        .map(|(i, &amount)| {
            claim(
                &format!("S{i}"),
                "E2",
                Category::Meals,
                "Tai Hing",
                amount,
                "2026-09-09",
            )
        })
        .collect();
    for c in codes(&scorer(), &parts) {
        assert!(c.contains(&ReasonCode::SplitClaim), "{c:?}");
    }
}

#[test]
fn over_and_near_limits() {
    let policy = Policy::default();
    let limit = policy.limit(Category::Taxi).unwrap();
    let over = claim(
        "O1",
        "E1",
        Category::Taxi,
        "Taxi",
        limit * 1.5,
        "2026-09-08",
    );
    let near = claim(
        "O2",
        "E1",
        Category::Taxi,
        "Taxi",
        limit * 0.99,
        "2026-09-08",
    );
    let under = claim(
        "O3",
        "E1",
        Category::Taxi,
        "Taxi",
        limit * 0.9,
        "2026-09-09",
    );
    let found = codes(&scorer(), &[over, near, under]);
    assert!(found[0].contains(&ReasonCode::OverLimit));
    assert!(found[1].contains(&ReasonCode::NearLimit));
    assert!(
        !found[2].contains(&ReasonCode::NearLimit) && !found[2].contains(&ReasonCode::OverLimit)
    );
}

#[test]
fn per_head_limit_counts_attendees() {
    let mut c = claim(
        "P1",
        "E1",
        Category::Meals,
        "Tsui Wah",
        1400.0,
        "2026-09-08",
    );
    c.attendees = Some(2);
    assert!(codes(&scorer(), &[c.clone()])[0].contains(&ReasonCode::OverLimit));
    c.attendees = Some(4);
    assert!(!codes(&scorer(), &[c])[0].contains(&ReasonCode::OverLimit));
}

#[test]
fn weekends_and_hong_kong_holidays() {
    let saturday = claim("W1", "E3", Category::Meals, "Tsui Wah", 140.0, "2026-09-12");
    let national_day = claim("W2", "E3", Category::Meals, "Tsui Wah", 140.0, "2026-10-01");
    let travel_on_saturday = claim(
        "W3",
        "E3",
        Category::Hotel,
        "Hotel ICON",
        1200.0,
        "2026-09-12",
    );
    let found = codes(&scorer(), &[saturday, national_day, travel_on_saturday]);
    assert!(found[0].contains(&ReasonCode::Weekend));
    assert!(found[1].contains(&ReasonCode::Holiday));
    assert!(!found[2].contains(&ReasonCode::Weekend));
}

#[test]
fn late_submission_after_the_window() {
    let mut late = ordinary();
    late.submitted_at = DateTime::parse_from_rfc3339("2026-11-20T10:00:00+08:00").unwrap();
    let mut in_time = ordinary();
    in_time.submitted_at = DateTime::parse_from_rfc3339("2026-11-06T10:00:00+08:00").unwrap();
    let found = codes(&scorer(), &[late, in_time]);
    assert!(found[0].contains(&ReasonCode::LateSubmission));
    assert!(!found[1].contains(&ReasonCode::LateSubmission));
}

#[test]
fn round_amounts() {
    let round = claim(
        "R1",
        "E1",
        Category::Meals,
        "Tsui Wah",
        1000.0,
        "2026-09-08",
    );
    let small_round = claim("R2", "E1", Category::Meals, "Tsui Wah", 100.0, "2026-09-08");
    let found = codes(&scorer(), &[round, small_round]);
    assert!(found[0].contains(&ReasonCode::RoundAmount));
    assert!(!found[1].contains(&ReasonCode::RoundAmount));
}

#[test]
fn unusual_amount_category_and_merchant_against_habits() {
    let s = scorer();
    let big_lunch = claim("U1", "E1", Category::Meals, "Tsui Wah", 780.5, "2026-09-08");
    let first_training = claim(
        "U2",
        "E1",
        Category::Training,
        "HKU SPACE",
        2800.5,
        "2026-09-08",
    );
    let jeweller = claim(
        "U3",
        "E1",
        Category::Meals,
        "Chow Tai Fook Jewellery",
        150.5,
        "2026-09-08",
    );
    let taxi_as_meal = claim("U4", "E1", Category::Meals, "Taxi", 120.5, "2026-09-08");
    let found = codes(&s, &[big_lunch, first_training, jeweller, taxi_as_meal]);
    assert!(
        found[0].contains(&ReasonCode::UnusualAmount),
        "{:?}",
        found[0]
    );
    assert!(
        found[1].contains(&ReasonCode::UnusualCategory),
        "{:?}",
        found[1]
    );
    assert!(
        found[2].contains(&ReasonCode::UnusualMerchant),
        "{:?}",
        found[2]
    );
    assert!(
        found[3].contains(&ReasonCode::UnusualMerchant),
        "{:?}",
        found[3]
    );
}

#[test]
fn the_model_flags_what_no_rule_names() {
    // Ordinary on every rule, but at 3 a.m.-like oddity: a lunch submitted by a prompt
    // claimant 55 days late, four times their usual, at a merchant they never used.
    let mut c = claim("M1", "E2", Category::Meals, "Tsui Wah", 420.5, "2026-09-08");
    c.submitted_at = DateTime::parse_from_rfc3339("2026-11-01T10:00:00+08:00").unwrap();
    c.employee_id = "E2".into();
    let a = &scorer().score(&[c])[0];
    assert!(
        a.risk_score > scorer().score(&[ordinary()])[0].risk_score + 0.2,
        "{a:?}"
    );
}

#[test]
fn routing_sends_big_claims_to_the_manager() {
    let mut c = claim(
        "B1",
        "E1",
        Category::Airfare,
        "Cathay Pacific",
        6200.0,
        "2026-09-08",
    );
    c.invoice_no = Some("CX-1".into());
    let a = &scorer().score(&[c])[0];
    assert_eq!(a.route, Route::Manager);
}

#[test]
fn assessment_json_has_exactly_the_interface_fields() {
    let mut c = ordinary();
    c.invoice_no = Some("INV-3".into());
    let a = &scorer().score(&[c])[0];
    let v = serde_json::to_value(a).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        ["claim_id", "reasons", "risk_level", "risk_score", "route"]
    );
    assert_eq!(v["reasons"][0]["code"], "DUPLICATE");
    assert!(["low", "medium", "high"].contains(&v["risk_level"].as_str().unwrap()));
}

#[test]
fn observed_claims_become_history() {
    let mut s = scorer();
    let mut first = ordinary();
    first.invoice_no = Some("NEW-1".into());
    let mut again = first.clone();
    again.claim_id = "N77".into();
    assert!(!codes(&s, &[again.clone()])[0].contains(&ReasonCode::Duplicate));
    s.observe(&[first]);
    assert!(codes(&s, &[again])[0].contains(&ReasonCode::Duplicate));
}

#[test]
fn hand_built_nonsense_amounts_do_not_panic_or_make_nan() {
    let s = scorer();
    for amount in [0.0, -5.0, f64::NAN, f64::INFINITY, 1e300] {
        let mut c = ordinary();
        c.amount = amount;
        let a = &s.score(&[c])[0];
        assert!(
            (0.0..=1.0).contains(&a.risk_score),
            "{amount}: {}",
            a.risk_score
        );
    }
}
