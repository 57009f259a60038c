//! Expense review for mishu: read claims and a policy, measure each claim against the
//! company's history, apply the policy rules and a linfa anomaly model, and return one
//! calibrated risk score with reasons and a route.
//!
//! ```no_run
//! use anomaly::{read_claims, Model, Policy, Scorer};
//! let policy = Policy::default();
//! let history = read_claims(std::fs::File::open("history.csv")?, &policy)?.claims;
//! let model = Model::fit(&history, &policy, 42)?;
//! let new = read_claims(std::fs::File::open("new.csv")?, &policy)?;
//! let scorer = Scorer::new(model, policy);
//! for a in scorer.score(&new.claims) {
//!     println!("{}", serde_json::to_string(&a)?);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! No function panics on input; problems are [`Error`]s or, for single rows of a claims
//! file, [`RowError`]s.

mod ceilings;
mod claim;
mod claims_csv;
mod density;
mod error;
mod features;
mod holidays;
mod keys;
mod model;
mod policy;
mod profile;
mod robust;
mod route;
mod rules;
mod score;
pub mod synth;

pub use claim::{Category, Claim};
pub use claims_csv::{
    read_claims, write_claims, ClaimsRead, RowError, OPTIONAL_COLUMNS, REQUIRED_COLUMNS,
};
pub use error::{Error, Result};
pub use features::{FEATURE_NAMES, N_FEATURES};
pub use holidays::hong_kong_holidays;
pub use model::{Model, ModelHeader, MODEL_FORMAT, MODEL_VERSION};
pub use policy::Policy;
pub use route::{RiskLevel, Route};
pub use rules::ReasonCode;
pub use score::{Assessment, Reason, Scorer};

/// Features of history claims, each measured against the rest of history (what the model
/// is fitted on; `mishu expenses features` exports them for peers).
pub fn history_features(history: &[Claim], policy: &Policy) -> Vec<[f64; N_FEATURES]> {
    use rayon::prelude::*;
    let found = ceilings::infer_ceilings(history, policy);
    let policy = &policy
        .with_limits_from_history(&found)
        .with_late_window_from_history(ceilings::infer_late_window(history, policy))
        .with_tops_from_history(&ceilings::infer_tops(history, policy, &found))
        .with_per_attendee_tops_from_history(&ceilings::infer_per_attendee_tops(history, policy));
    let profile = profile::Profile::build(history, policy);
    let cx = features::Context {
        base: &profile,
        batch: None,
        in_base: true,
        policy,
    };
    history
        .par_iter()
        .map(|c| features::Facts::measure(c, cx).vector())
        .collect()
}
