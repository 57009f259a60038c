//! The company's expense policy (INTERFACES.md §2): limits, routing threshold, windows,
//! holidays and exchange rates. Every field of the TOML file is optional; what is left
//! out keeps the default, and tables (limits, rates) are merged key by key.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::claim::Category;
use crate::error::{Error, Result};
use crate::holidays::hong_kong_holidays;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    /// HKD. A claim above this goes to the claimant's manager.
    pub manager_threshold: f64,
    /// HKD per claim, by category.
    pub limits: BTreeMap<Category, f64>,
    /// HKD per head, for categories where a head count matters (meals, entertainment).
    pub per_attendee_limits: BTreeMap<Category, f64>,
    /// Fraction under a limit that counts as "near" it (0.03: within 3%).
    pub near_limit_band: f64,
    /// Days from expense to submission after which a claim is late.
    pub late_submission_days: i64,
    /// Amounts at or above this that are whole hundreds count as round.
    pub round_amount_min: f64,
    /// Categories where weekend and holiday expenses are ordinary (travel days).
    pub weekend_ok_categories: Vec<Category>,
    pub holidays: BTreeMap<NaiveDate, String>,
    /// Rate to HKD for one unit of each currency the company accepts.
    pub fx_to_hkd: BTreeMap<String, f64>,
    /// Risk at or above which a claim is `medium`, and `high`.
    pub medium_risk: f64,
    pub high_risk: f64,
    /// Categories whose limit the policy file sets (the others are defaults).
    pub limits_set: BTreeSet<Category>,
    /// Categories whose limit is the ceiling the company's history shows, because the
    /// file set none and the default is far above anything ever claimed.
    pub limits_from_history: BTreeSet<Category>,
    /// Whether the policy file sets `late_submission_days`, and whether the window is the
    /// one the company's history shows instead (the file set none and history's claims
    /// routinely come after the default).
    pub late_set: bool,
    pub late_from_history: bool,
    /// Whether the policy file sets `round_amount_min` (if not, smaller whole hundreds
    /// count as round in categories whose history almost never has them).
    pub round_set: bool,
    /// The highest single claim in history, per category whose limit is a default the
    /// company never comes near (see [`crate::ceilings::infer_tops`]): bills at one place
    /// on one day that together pass it are split like bills passing a limit.
    pub tops_from_history: BTreeMap<Category, f64>,
    /// Categories whose per-head limit the policy file sets, and history's highest amount
    /// a head for those whose default per-head limit the company never comes near.
    pub per_attendee_set: BTreeSet<Category>,
    pub per_attendee_tops_from_history: BTreeMap<Category, f64>,
    /// How far the company's own past claims strayed above their claimant's usual amount,
    /// per category (see [`crate::robust::StrayTail`]): where that is common, an unusual
    /// amount alone is worth a look, not an audit.
    pub stray_tails: BTreeMap<Category, crate::robust::StrayTail>,
}

impl Default for Policy {
    fn default() -> Self {
        use Category::*;
        let limits = [
            (Meals, 1_500.0),
            (Entertainment, 6_000.0),
            (Taxi, 600.0),
            (Travel, 8_000.0),
            (Hotel, 4_500.0),
            (Airfare, 15_000.0),
            (OfficeSupplies, 3_000.0),
            (Training, 20_000.0),
            (Telecom, 1_200.0),
            (Other, 3_000.0),
        ];
        let fx = [
            ("HKD", 1.0),
            ("USD", 7.8),
            ("CNY", 1.08),
            ("MOP", 0.97),
            ("TWD", 0.24),
            ("JPY", 0.052),
            ("SGD", 5.8),
            ("EUR", 8.4),
            ("GBP", 9.9),
            ("AUD", 5.1),
        ];
        Policy {
            manager_threshold: 5_000.0,
            limits: limits.into_iter().collect(),
            per_attendee_limits: [(Meals, 600.0), (Entertainment, 1_500.0)]
                .into_iter()
                .collect(),
            near_limit_band: 0.03,
            late_submission_days: 60,
            round_amount_min: 500.0,
            weekend_ok_categories: vec![Travel, Hotel, Airfare],
            holidays: hong_kong_holidays().into_iter().collect(),
            fx_to_hkd: fx.into_iter().map(|(c, r)| (c.to_string(), r)).collect(),
            medium_risk: 0.4,
            high_risk: 0.7,
            limits_set: BTreeSet::new(),
            limits_from_history: BTreeSet::new(),
            late_set: false,
            late_from_history: false,
            round_set: false,
            tops_from_history: BTreeMap::new(),
            per_attendee_set: BTreeSet::new(),
            per_attendee_tops_from_history: BTreeMap::new(),
            stray_tails: BTreeMap::new(),
        }
    }
}

/// The TOML file: everything optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    manager_threshold: Option<f64>,
    limits: Option<HashMap<String, f64>>,
    per_attendee_limits: Option<HashMap<String, f64>>,
    near_limit_band: Option<f64>,
    late_submission_days: Option<i64>,
    round_amount_min: Option<f64>,
    weekend_ok_categories: Option<Vec<String>>,
    /// Replaces the built-in holiday list.
    holidays: Option<Vec<toml::Value>>,
    /// Added to the holiday list (company days off).
    extra_holidays: Option<Vec<toml::Value>>,
    fx_to_hkd: Option<HashMap<String, f64>>,
    medium_risk: Option<f64>,
    high_risk: Option<f64>,
}

impl Policy {
    pub fn from_toml_str(text: &str) -> Result<Policy> {
        let file: PolicyFile = toml::from_str(text).map_err(|e| Error::Policy(e.to_string()))?;
        let mut policy = Policy::default();
        if let Some(v) = file.manager_threshold {
            policy.manager_threshold = v;
        }
        policy.limits_set = merge_category_table(&mut policy.limits, file.limits, "limits")?;
        policy.per_attendee_set = merge_category_table(
            &mut policy.per_attendee_limits,
            file.per_attendee_limits,
            "per_attendee_limits",
        )?;
        if let Some(v) = file.near_limit_band {
            policy.near_limit_band = v;
        }
        if let Some(v) = file.late_submission_days {
            policy.late_submission_days = v;
            policy.late_set = true;
        }
        if let Some(v) = file.round_amount_min {
            policy.round_amount_min = v;
            policy.round_set = true;
        }
        if let Some(names) = file.weekend_ok_categories {
            policy.weekend_ok_categories = names
                .iter()
                .map(|n| n.parse().map_err(Error::Policy))
                .collect::<Result<_>>()?;
        }
        if let Some(days) = file.holidays {
            policy.holidays = dates(&days, "holidays")?
                .into_iter()
                .map(|d| (d, "holiday".into()))
                .collect();
        }
        for day in dates(&file.extra_holidays.unwrap_or_default(), "extra_holidays")? {
            policy.holidays.insert(day, "company holiday".into());
        }
        for (code, rate) in file.fx_to_hkd.unwrap_or_default() {
            let code = code.trim().to_ascii_uppercase();
            if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(Error::Policy(format!(
                    "fx_to_hkd: {code:?} is not an ISO 4217 code"
                )));
            }
            policy.fx_to_hkd.insert(code, rate);
        }
        if let Some(v) = file.medium_risk {
            policy.medium_risk = v;
        }
        if let Some(v) = file.high_risk {
            policy.high_risk = v;
        }
        policy.validate()?;
        Ok(policy)
    }

    fn validate(&self) -> Result<()> {
        let bad = |what: String| Err(Error::Policy(what));
        if !(self.manager_threshold.is_finite() && self.manager_threshold > 0.0) {
            return bad(format!(
                "manager_threshold must be > 0, got {}",
                self.manager_threshold
            ));
        }
        for (table, values) in [
            ("limits", &self.limits),
            ("per_attendee_limits", &self.per_attendee_limits),
        ] {
            for (cat, v) in values {
                if !(v.is_finite() && *v > 0.0) {
                    return bad(format!("{table}.{cat} must be > 0, got {v}"));
                }
            }
        }
        if !(0.0..0.5).contains(&self.near_limit_band) {
            return bad(format!(
                "near_limit_band must be in [0, 0.5), got {}",
                self.near_limit_band
            ));
        }
        if self.late_submission_days < 1 {
            return bad(format!(
                "late_submission_days must be >= 1, got {}",
                self.late_submission_days
            ));
        }
        for (code, rate) in &self.fx_to_hkd {
            if !(rate.is_finite() && *rate > 0.0) {
                return bad(format!("fx_to_hkd.{code} must be > 0, got {rate}"));
            }
        }
        if !(0.0 < self.medium_risk && self.medium_risk < self.high_risk && self.high_risk <= 1.0) {
            return bad(format!(
                "need 0 < medium_risk < high_risk <= 1, got {} and {}",
                self.medium_risk, self.high_risk
            ));
        }
        Ok(())
    }

    /// The per-claim limit of a category (HKD), if the policy sets one.
    pub fn limit(&self, category: Category) -> Option<f64> {
        self.limits.get(&category).copied()
    }

    /// How a reason names the category's limit: the policy's, or the history's ceiling.
    pub fn limit_name(&self, category: Category) -> String {
        if self.limits_from_history.contains(&category) {
            format!("{category} ceiling seen in the company's history")
        } else {
            format!("{category} limit")
        }
    }

    /// This policy with history's ceilings as the limits of the categories they cover.
    pub fn with_limits_from_history(&self, ceilings: &BTreeMap<Category, f64>) -> Policy {
        let mut policy = self.clone();
        for (&cat, &ceiling) in ceilings {
            if !policy.limits_set.contains(&cat) {
                policy.limits.insert(cat, ceiling);
                policy.limits_from_history.insert(cat);
            }
        }
        policy
    }

    /// This policy with the submission window history shows, where the file set none.
    pub fn with_late_window_from_history(mut self, days: Option<i64>) -> Policy {
        if let Some(days) = days.filter(|_| !self.late_set) {
            self.late_submission_days = days;
            self.late_from_history = true;
        }
        self
    }

    /// This policy with history's highest claims for the categories whose limit is a
    /// default nobody comes near (see [`crate::ceilings::infer_tops`]).
    pub fn with_tops_from_history(mut self, tops: &BTreeMap<Category, f64>) -> Policy {
        for (&cat, &top) in tops {
            if !self.limits_set.contains(&cat) && !self.limits_from_history.contains(&cat) {
                self.tops_from_history.insert(cat, top);
            }
        }
        self
    }

    /// This policy with history's highest amounts a head where the file sets no per-head
    /// limit (see [`crate::ceilings::infer_per_attendee_tops`]).
    pub fn with_per_attendee_tops_from_history(mut self, tops: &BTreeMap<Category, f64>) -> Policy {
        for (&cat, &top) in tops {
            if !self.per_attendee_set.contains(&cat) {
                self.per_attendee_tops_from_history.insert(cat, top);
            }
        }
        self
    }

    /// This policy with the company's own tails of amounts above the claimant's usual.
    pub fn with_stray_tails_from_history(
        mut self,
        tails: &BTreeMap<Category, crate::robust::StrayTail>,
    ) -> Policy {
        self.stray_tails = tails.clone();
        self
    }

    /// One unit of `currency` in HKD, when the policy knows the currency.
    pub fn rate_to_hkd(&self, currency: &str) -> Option<f64> {
        self.fx_to_hkd.get(currency).copied()
    }

    pub fn holiday(&self, date: NaiveDate) -> Option<&str> {
        self.holidays.get(&date).map(String::as_str)
    }

    pub fn weekend_ok(&self, category: Category) -> bool {
        self.weekend_ok_categories.contains(&category)
    }
}

/// Dates written either as TOML dates (`2026-12-24`) or strings (`"2026-12-24"`).
fn dates(values: &[toml::Value], field: &str) -> Result<Vec<NaiveDate>> {
    values
        .iter()
        .map(|v| {
            let text = match v {
                toml::Value::Datetime(d) => d.to_string(),
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .map_err(|_| Error::Policy(format!("{field}: {text:?} is not a YYYY-MM-DD date")))
        })
        .collect()
}

/// Merges a table of the file into the defaults; returns the categories it set.
fn merge_category_table(
    into: &mut BTreeMap<Category, f64>,
    from: Option<HashMap<String, f64>>,
    table: &str,
) -> Result<BTreeSet<Category>> {
    let mut set = BTreeSet::new();
    for (name, value) in from.unwrap_or_default() {
        let cat: Category = name
            .parse()
            .map_err(|e| Error::Policy(format!("{table}: {e}")))?;
        into.insert(cat, value);
        set.insert(cat);
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_interface() {
        let p = Policy::default();
        assert_eq!(p.manager_threshold, 5000.0);
        assert_eq!(p.near_limit_band, 0.03);
        assert_eq!(p.late_submission_days, 60);
        assert_eq!(p.limits.len(), Category::ALL.len());
        assert!(p
            .holiday(NaiveDate::from_ymd_opt(2026, 2, 17).unwrap())
            .is_some());
    }

    #[test]
    fn toml_overrides_merge_onto_defaults() {
        let p = Policy::from_toml_str(
            "manager_threshold = 8000\nextra_holidays = [2026-12-24]\n[limits]\ntaxi = 300\n[fx_to_hkd]\nkrw = 0.0056\n",
        )
        .unwrap();
        assert_eq!(p.manager_threshold, 8000.0);
        assert_eq!(p.limit(Category::Taxi), Some(300.0));
        assert_eq!(p.limit(Category::Meals), Some(1500.0));
        assert_eq!(p.rate_to_hkd("KRW"), Some(0.0056));
        assert!(p
            .holiday(NaiveDate::from_ymd_opt(2026, 12, 24).unwrap())
            .is_some());
        assert!(p
            .holiday(NaiveDate::from_ymd_opt(2026, 12, 25).unwrap())
            .is_some());
    }

    #[test]
    fn bad_policies_are_errors_that_name_the_field() {
        for (text, word) in [
            ("[limits]\nlunch = 10", "lunch"),
            ("manager_threshold = -1", "manager_threshold"),
            ("near_limt_band = 0.1", "near_limt_band"),
            ("medium_risk = 0.9\nhigh_risk = 0.5", "medium_risk"),
        ] {
            let err = Policy::from_toml_str(text).unwrap_err().to_string();
            assert!(err.contains(word), "{err}");
        }
    }
}
