//! Scoring: rules and the model's surprise combined into one risk score with reasons and
//! a route.
//!
//! Each finding is read as an independent chance that the claim needs a human, so the
//! risk is `1 − Π(1 − strength)` (a noisy-OR): one strong reason is enough, several weak
//! ones add up, and nothing exceeds 1. The model's share is calibrated against history: a
//! claim more surprising than 99% of past claims counts about as much as a weekend claim.

use rayon::prelude::*;
use serde::Serialize;

use crate::claim::Claim;
use crate::features::{Context, Facts, N_FEATURES};
use crate::keys::normalize_merchant;
use crate::model::{model_row, Model};
use crate::policy::Policy;
use crate::profile::{amount_hkd, conversion_slack, near_limit, ClaimIndex};
use crate::route::{route, RiskLevel, Route};
use crate::rules::{evaluate, Finding, ReasonCode};

/// One reason shown to the reviewer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    pub code: ReasonCode,
    pub detail: String,
}

/// The `expenses score --json` object of INTERFACES.md §1.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    pub claim_id: String,
    pub risk_score: f64,
    pub risk_level: RiskLevel,
    pub route: Route,
    pub reasons: Vec<Reason>,
}

/// Rank among history's surprise above which the model starts to add risk.
const MODEL_QUIET_RANK: f64 = 0.9;
/// Rank at which the model names itself as a reason.
const MODEL_REASON_RANK: f64 = 0.995;
/// Past claims by the claimant from which the model's surprise counts in full.
const MODEL_FULL_CONFIDENCE_CLAIMS: f64 = 40.0;
/// Most the model adds when it is not named as a reason (below the medium risk level).
const MODEL_UNNAMED_MAX: f64 = 0.3;

/// Scores claims with a fitted model under a policy. Cheap to share across threads;
/// [`Scorer::observe`] needs `&mut` (wrap it in a lock in a service).
pub struct Scorer {
    model: Model,
    policy: Policy,
}

impl Scorer {
    /// The policy's limits left at their defaults give way to the ceilings the model
    /// found in history.
    pub fn new(model: Model, policy: Policy) -> Scorer {
        let policy = policy
            .with_limits_from_history(&model.ceilings)
            .with_late_window_from_history(model.late_window)
            .with_tops_from_history(&model.tops)
            .with_per_attendee_tops_from_history(&model.per_attendee_tops)
            .with_stray_tails_from_history(&model.stray_tails);
        Scorer { model, policy }
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Scores a batch, in input order. Claims in one batch see each other for duplicates
    /// and splits; they are not added to history (see [`Scorer::observe`]).
    pub fn score(&self, claims: &[Claim]) -> Vec<Assessment> {
        let (merchants, batch) = self.batch_index(claims);
        claims
            .par_iter()
            .zip(&merchants)
            .map(|(c, m)| self.assess(c, m, &batch))
            .collect()
    }

    /// The features of [`crate::FEATURE_NAMES`] for a batch of new claims, as `score` sees them.
    pub fn features(&self, claims: &[Claim]) -> Vec<[f64; N_FEATURES]> {
        let (merchants, batch) = self.batch_index(claims);
        let cx = self.context(Some(&batch));
        claims
            .par_iter()
            .zip(&merchants)
            .map(|(c, m)| Facts::measure_normalized(c, m, cx).vector())
            .collect()
    }

    /// Adds claims to the history this scorer compares against (duplicates, habits,
    /// merchants). The model's mixtures change only when it is fitted again.
    pub fn observe(&mut self, claims: &[Claim]) {
        self.model.profile.absorb(claims, &self.policy);
        self.model.header.history_claims += claims.len();
    }

    /// The batch's normalized merchants (computed once, in parallel) and its duplicate
    /// and split tables.
    fn batch_index(&self, claims: &[Claim]) -> (Vec<String>, ClaimIndex) {
        let merchants: Vec<String> = claims
            .par_iter()
            .map(|c| normalize_merchant(&c.merchant))
            .collect();
        let mut batch = ClaimIndex::default();
        for (c, m) in claims.iter().zip(&merchants) {
            let hkd = amount_hkd(c, &self.policy);
            let slack = conversion_slack(c, &self.policy);
            let near = near_limit(hkd, slack, c.category, &self.policy).is_some();
            batch.add_normalized(c, m, hkd, near);
        }
        (merchants, batch)
    }

    fn context<'a>(&'a self, batch: Option<&'a ClaimIndex>) -> Context<'a> {
        Context {
            base: &self.model.profile,
            batch,
            in_base: false,
            policy: &self.policy,
        }
    }

    fn assess(&self, claim: &Claim, merchant: &str, batch: &ClaimIndex) -> Assessment {
        let facts = Facts::measure_normalized(claim, merchant, self.context(Some(batch)));
        let mut findings = evaluate(claim, &facts, &self.policy);
        let model_strength = self.model_finding(claim, &facts, &mut findings);
        let risk = combine(&findings, model_strength);
        let risk_score = (risk * 1000.0).round() / 1000.0;
        let level = RiskLevel::of(risk_score, &self.policy);
        Assessment {
            claim_id: claim.claim_id.clone(),
            risk_score,
            risk_level: level,
            route: route(facts.amount_hkd, level, &self.policy),
            reasons: findings
                .into_iter()
                .map(|f| Reason {
                    code: f.code,
                    detail: f.detail,
                })
                .collect(),
        }
    }

    /// The model's contribution to the risk; adds a MODEL_OUTLIER reason when the claim is
    /// stranger than nearly all of history.
    fn model_finding(&self, claim: &Claim, facts: &Facts, findings: &mut Vec<Finding>) -> f64 {
        let calibrated = self.model.mixture_for(claim.category);
        let surprise = calibrated.mixture.surprise(&model_row(facts));
        let rank = calibrated.tail_rank(surprise);
        let beyond = calibrated.beyond_history(surprise);
        let within = ((rank - MODEL_QUIET_RANK) / (1.0 - MODEL_QUIET_RANK)).max(0.0);
        // A new joiner's claims are strange to a model of settled habits by construction
        // (few claims, few merchants of their own): the model speaks softly for them.
        let confidence = ((facts.employee_claims + 5.0) / MODEL_FULL_CONFIDENCE_CLAIMS).min(1.0);
        let strength = confidence * (0.45 * within * within + 0.1 * beyond.min(3.0)).min(0.75);
        let named = rank >= MODEL_REASON_RANK && confidence >= 0.5;
        if !named {
            // Unnamed, the model may add to other reasons but never flags a claim alone:
            // every flagged claim has a reason in words.
            return strength.min(MODEL_UNNAMED_MAX);
        }
        let how = if beyond > 0.0 {
            "stranger than every past claim".to_string()
        } else {
            format!(
                "stranger than {:.1}% of past claims",
                (rank * 100.0).min(99.9)
            )
        };
        findings.push(Finding {
            code: ReasonCode::ModelOutlier,
            strength,
            detail: format!(
                "the {} pattern model finds this claim {how}",
                claim.category
            ),
        });
        strength
    }
}

fn combine(findings: &[Finding], model_strength: f64) -> f64 {
    let rules_clear: f64 = findings
        .iter()
        .filter(|f| f.code != ReasonCode::ModelOutlier)
        .map(|f| 1.0 - f.strength)
        .product();
    1.0 - rules_clear * (1.0 - model_strength)
}
