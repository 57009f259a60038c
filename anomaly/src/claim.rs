//! One expense claim, as read from the claims CSV or an API body (INTERFACES.md §2).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

/// The expense categories of INTERFACES.md §2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Meals,
    Entertainment,
    Taxi,
    Travel,
    Hotel,
    Airfare,
    OfficeSupplies,
    Training,
    Telecom,
    Other,
}

impl Category {
    pub const ALL: [Category; 10] = [
        Category::Meals,
        Category::Entertainment,
        Category::Taxi,
        Category::Travel,
        Category::Hotel,
        Category::Airfare,
        Category::OfficeSupplies,
        Category::Training,
        Category::Telecom,
        Category::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Meals => "meals",
            Category::Entertainment => "entertainment",
            Category::Taxi => "taxi",
            Category::Travel => "travel",
            Category::Hotel => "hotel",
            Category::Airfare => "airfare",
            Category::OfficeSupplies => "office_supplies",
            Category::Training => "training",
            Category::Telecom => "telecom",
            Category::Other => "other",
        }
    }

    /// Position in [`Category::ALL`], for per-category tables.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Category {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == wanted)
            .ok_or_else(|| {
                let known: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
                format!("unknown category {s:?} (one of {})", known.join(", "))
            })
    }
}

/// A claim. `amount` is in `currency`; the policy's rates turn it into HKD for scoring.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    pub claim_id: String,
    pub employee_id: String,
    pub department: String,
    pub category: Category,
    pub merchant: String,
    pub amount: f64,
    /// ISO 4217 code, upper case.
    pub currency: String,
    pub expense_date: NaiveDate,
    pub submitted_at: DateTime<FixedOffset>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub invoice_no: Option<String>,
    /// Head count, for meals and entertainment.
    #[serde(default)]
    pub attendees: Option<u32>,
}

impl Claim {
    /// Whole days from the expense to its submission (Hong Kong calendar dates of both).
    pub fn submission_delay_days(&self) -> i64 {
        (self.submitted_at.date_naive() - self.expense_date).num_days()
    }
}
