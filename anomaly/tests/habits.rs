//! Rules that compare a claim with the claimant's own pattern: limit gaming (a series of
//! claims just under a limit, by someone who does not usually claim that close) and
//! amounts inflated against the claimant's usual amount in the category.

use anomaly::{Assessment, Category, Claim, Model, Policy, ReasonCode, RiskLevel, Scorer};
use chrono::NaiveDate;

mod common;
use common::{date, working_days};

fn claim(id: &str, emp: &str, category: Category, amount: f64, day: NaiveDate) -> Claim {
    let merchant = match category {
        Category::Taxi => "Taxi",
        _ => "Tsui Wah",
    };
    common::claim(id, emp, "sales", category, merchant, amount, day)
}

/// Six months: E1–E3 lunch for about HKD 110–160 and take taxis; E4 takes one long taxi
/// ride a week that the fare cap always cuts to just under the HKD 600 limit; E5 takes
/// clients to lunch for HKD 1,150–1,450 once a week.
fn history() -> Vec<Claim> {
    let mut out = Vec::new();
    for (n, day) in working_days("2026-03-02", "2026-09-01")
        .into_iter()
        .enumerate()
    {
        for (e, emp) in ["E1", "E2", "E3"].iter().enumerate() {
            let wobble = ((n * 37 + e * 11) % 41) as f64;
            out.push(claim(
                &format!("H{n}-{emp}"),
                emp,
                Category::Meals,
                110.0 + wobble + e as f64 * 5.0,
                day,
            ));
            if n % 3 == e {
                out.push(claim(
                    &format!("T{n}-{emp}"),
                    emp,
                    Category::Taxi,
                    70.0 + wobble,
                    day,
                ));
            }
        }
        if n % 5 == 2 {
            let bill = 1150.0 + ((n * 53) % 300) as f64;
            out.push(claim(&format!("C{n}"), "E5", Category::Meals, bill, day));
        }
        if n % 5 == 0 {
            let fare = 582.0 + (n % 17) as f64;
            out.push(claim(&format!("X{n}"), "E4", Category::Taxi, fare, day));
            out.push(claim(
                &format!("XM{n}"),
                "E4",
                Category::Meals,
                120.0 + (n % 13) as f64,
                day,
            ));
        }
    }
    out
}

fn scorer() -> Scorer {
    let policy = Policy::default();
    Scorer::new(Model::fit(&history(), &policy, 7).unwrap(), policy)
}

fn reason(a: &Assessment, code: ReasonCode) -> Option<&str> {
    a.reasons
        .iter()
        .find(|r| r.code == code)
        .map(|r| r.detail.as_str())
}

#[test]
fn a_series_just_under_the_limit_is_limit_gaming_with_its_count() {
    let s = scorer();
    let limit = s.policy().limit(Category::Meals).unwrap();
    // Four lunches each 0.6–2.5% under the limit within 20 days, by E1 who never did that.
    let series: Vec<Claim> = [
        ("2026-09-07", 0.994),
        ("2026-09-14", 0.98),
        ("2026-09-18", 0.975),
        ("2026-09-25", 0.99),
    ]
    .iter()
    .enumerate()
    .map(|(i, (day, f))| {
        claim(
            &format!("G{i}"),
            "E1",
            Category::Meals,
            (limit * f).round(),
            date(day),
        )
    })
    .collect();
    let scored = s.score(&series);
    for a in &scored {
        let detail = reason(a, ReasonCode::NearLimit)
            .unwrap_or_else(|| panic!("{} not NEAR_LIMIT: {:?}", a.claim_id, a.reasons));
        assert!(
            detail.contains("of 4 claims") || detail.contains("4th claim"),
            "{detail}"
        );
        assert!(detail.contains("HKD 1,500.00 meals limit"), "{detail}");
        assert!(detail.contains("never before"), "{detail}");
        assert_eq!(a.risk_level, RiskLevel::High, "{:?}", a);
    }
    let last = reason(&scored[3], ReasonCode::NearLimit).unwrap();
    assert!(
        last.starts_with("4th claim within 3% under the HKD 1,500.00 meals limit in 19 days (2026-09-07 to 2026-09-25)"),
        "{last}"
    );

    // One claim alone near the limit is worth a look, not an audit.
    // (E5 takes clients to lunch for HKD 1,150–1,450: the amount itself is not unusual.)
    let single = s.score(&[claim(
        "S1",
        "E5",
        Category::Meals,
        limit * 0.99,
        date("2026-09-08"),
    )]);
    assert!(reason(&single[0], ReasonCode::NearLimit).is_some());
    assert_eq!(single[0].risk_level, RiskLevel::Medium, "{:?}", single[0]);
}

#[test]
fn a_series_builds_up_claim_by_claim_as_claims_arrive() {
    let mut s = scorer();
    let limit = s.policy().limit(Category::Meals).unwrap();
    let mut levels = Vec::new();
    for (i, day) in ["2026-09-07", "2026-09-10", "2026-09-15"]
        .iter()
        .enumerate()
    {
        let c = claim(
            &format!("A{i}"),
            "E3",
            Category::Meals,
            limit * 0.985,
            date(day),
        );
        let a = s.score(std::slice::from_ref(&c)).remove(0);
        levels.push(a.risk_score);
        if i == 2 {
            let detail = reason(&a, ReasonCode::NearLimit).unwrap();
            assert!(detail.starts_with("3rd claim within 3%"), "{detail}");
        }
        s.observe(&[c]);
    }
    assert!(levels[0] < levels[1] && levels[1] < levels[2], "{levels:?}");
}

#[test]
fn someone_whose_bills_always_sit_at_the_limit_is_not_flagged_for_it() {
    let s = scorer();
    let scored = s.score(&[
        claim("N1", "E4", Category::Taxi, 595.0, date("2026-09-08")),
        claim("N2", "E4", Category::Taxi, 590.0, date("2026-09-15")),
    ]);
    for a in &scored {
        assert_eq!(a.risk_level, RiskLevel::Low, "{:?}", a);
        let detail = reason(a, ReasonCode::NearLimit).expect("the fact is still named");
        assert!(detail.contains("as usual for this claimant"), "{detail}");
    }
}

#[test]
fn an_amount_inflated_against_the_claimants_own_habit_is_unusual() {
    let s = scorer();
    // E1 lunches for about HKD 130; HKD 520 is four times that, yet far under the limit
    // and ordinary for a company lunch with guests.
    let scored = s.score(&[
        claim("I1", "E1", Category::Meals, 520.0, date("2026-09-08")),
        claim("I2", "E1", Category::Meals, 142.0, date("2026-09-09")),
    ]);
    let detail = reason(&scored[0], ReasonCode::UnusualAmount)
        .unwrap_or_else(|| panic!("{:?}", scored[0].reasons));
    assert!(
        detail.contains("this claimant's usual meals amount of HKD 1"),
        "{detail}"
    );
    assert!(detail.contains("× this claimant's usual"), "{detail}");
    assert_ne!(scored[0].risk_level, RiskLevel::Low);
    assert!(
        reason(&scored[1], ReasonCode::UnusualAmount).is_none(),
        "{:?}",
        scored[1]
    );
    assert_eq!(scored[1].risk_level, RiskLevel::Low, "{:?}", scored[1]);
}

#[test]
fn one_inflated_claim_in_history_does_not_move_the_usual_amount() {
    let policy = Policy::default();
    let mut past = history();
    // An earlier inflated lunch slipped through; the median barely notices it.
    past.push(claim(
        "OLD",
        "E2",
        Category::Meals,
        900.0,
        date("2026-08-20"),
    ));
    let s = Scorer::new(Model::fit(&past, &policy, 7).unwrap(), policy);
    let a = s.score(&[claim(
        "I3",
        "E2",
        Category::Meals,
        600.0,
        date("2026-09-08"),
    )]);
    assert!(
        reason(&a[0], ReasonCode::UnusualAmount).is_some(),
        "{:?}",
        a[0]
    );
}

#[test]
fn a_new_joiner_is_measured_against_the_department_until_their_own_habit_shows() {
    let policy = Policy::default();
    let mut past = history();
    for (i, day) in ["2026-08-24", "2026-08-25", "2026-08-26"]
        .iter()
        .enumerate()
    {
        past.push(claim(
            &format!("J{i}"),
            "E9",
            Category::Meals,
            60.0,
            date(day),
        ));
    }
    let s = Scorer::new(Model::fit(&past, &policy, 7).unwrap(), policy);
    let scored = s.score(&[
        // Three cheap lunches say little yet: an ordinary department lunch is fine.
        claim("J4", "E9", Category::Meals, 150.0, date("2026-09-08")),
        claim("J5", "E9", Category::Meals, 900.0, date("2026-09-09")),
    ]);
    assert!(
        reason(&scored[0], ReasonCode::UnusualAmount).is_none(),
        "{:?}",
        scored[0]
    );
    let detail = reason(&scored[1], ReasonCode::UnusualAmount)
        .unwrap_or_else(|| panic!("{:?}", scored[1].reasons));
    assert!(
        detail.contains("from 3 own claims and the department's usual"),
        "{detail}"
    );
}

#[test]
fn a_cap_the_company_lives_by_is_its_limit_when_the_policy_sets_none() {
    // Lunches are capped at HKD 400 in practice (several bills cut to exactly 400), far
    // under the default meals limit of 1,500 that the (empty) policy file leaves.
    let mut past = history();
    past.retain(|c| c.employee_id != "E5");
    let days = working_days("2026-03-02", "2026-09-01");
    for (i, day) in days.iter().enumerate().filter(|(i, _)| i % 10 == 0) {
        past.push(claim(
            &format!("CAP{i}"),
            "E2",
            Category::Meals,
            400.0,
            *day,
        ));
    }
    let policy = Policy::from_toml_str("").unwrap();
    let s = Scorer::new(Model::fit(&past, &policy, 7).unwrap(), policy);
    assert_eq!(s.model().ceilings.get(&Category::Meals), Some(&400.0));
    assert_eq!(s.policy().limit(Category::Meals), Some(400.0));
    let series: Vec<Claim> = ["2026-09-07", "2026-09-10", "2026-09-16"]
        .iter()
        .enumerate()
        .map(|(i, day)| claim(&format!("L{i}"), "E1", Category::Meals, 394.0, date(day)))
        .collect();
    let scored = s.score(&series);
    let detail = reason(&scored[2], ReasonCode::NearLimit)
        .unwrap_or_else(|| panic!("{:?}", scored[2].reasons));
    assert!(
        detail.starts_with(
            "3rd claim within 3% under the HKD 400.00 meals ceiling seen in the company's history"
        ),
        "{detail}"
    );

    // A limit the policy file sets is never replaced.
    let policy = Policy::from_toml_str("[limits]\nmeals = 1500").unwrap();
    let s = Scorer::new(Model::fit(&past, &policy, 7).unwrap(), policy);
    assert!(s.model().ceilings.is_empty());
    assert_eq!(s.policy().limit(Category::Meals), Some(1500.0));
}
