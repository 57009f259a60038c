//! Who looks at a claim next (INTERFACES.md §2, Policy): above the manager threshold its
//! manager; otherwise by risk: low → auto-approve, medium → finance, high → audit.

use serde::{Deserialize, Serialize};

use crate::policy::Policy;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    Low,
    Medium,
    High,
}

impl RiskLevel {
    pub fn of(risk_score: f64, policy: &Policy) -> RiskLevel {
        if risk_score >= policy.high_risk {
            RiskLevel::High
        } else if risk_score >= policy.medium_risk {
            RiskLevel::Medium
        } else {
            RiskLevel::Low
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::Low => "low",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    AutoApprove,
    Manager,
    Finance,
    Audit,
}

impl Route {
    pub fn as_str(self) -> &'static str {
        match self {
            Route::AutoApprove => "auto_approve",
            Route::Manager => "manager",
            Route::Finance => "finance",
            Route::Audit => "audit",
        }
    }
}

pub fn route(amount_hkd: f64, level: RiskLevel, policy: &Policy) -> Route {
    if amount_hkd > policy.manager_threshold {
        return Route::Manager;
    }
    match level {
        RiskLevel::Low => Route::AutoApprove,
        RiskLevel::Medium => Route::Finance,
        RiskLevel::High => Route::Audit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_follows_the_policy_table() {
        let p = Policy::default();
        assert_eq!(route(5000.0, RiskLevel::Low, &p), Route::AutoApprove);
        assert_eq!(route(5000.0, RiskLevel::Medium, &p), Route::Finance);
        assert_eq!(route(5000.0, RiskLevel::High, &p), Route::Audit);
        assert_eq!(route(5000.01, RiskLevel::Low, &p), Route::Manager);
        assert_eq!(route(9000.0, RiskLevel::High, &p), Route::Manager);
        assert_eq!(RiskLevel::of(0.39, &p), RiskLevel::Low);
        assert_eq!(RiskLevel::of(0.4, &p), RiskLevel::Medium);
        assert_eq!(RiskLevel::of(0.7, &p), RiskLevel::High);
    }
}
