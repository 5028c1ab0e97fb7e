//! Why no plan exists, and what would work instead.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::rules::Rule;

/// No plan keeps the rules: the rule that could not be met, the numbers
/// behind it, and the earliest date from which a plan does exist.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Infeasibility {
    /// The rule that could not be met.
    pub rule: Rule,
    /// The numbers behind it, e.g. how many days each blocker took out.
    pub detail: String,
    /// The earliest first-session date from which a plan within the rules
    /// exists (searched up to a year ahead), if any.
    pub earliest_feasible: Option<NaiveDate>,
}

impl std::fmt::Display for Infeasibility {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no plan: {} ({})", self.rule, self.detail)?;
        match self.earliest_feasible {
            Some(date) => write!(f, "; earliest feasible start {date}"),
            None => write!(f, "; no feasible start within a year"),
        }
    }
}

/// How far ahead the engine looks for an alternative when the requested
/// window has none: a year covers every protocol's phase length.
pub const ALTERNATIVE_SEARCH_DAYS: i64 = 366;

/// Formats blocker counts as "chairs full on 9 days, closed on 4 days".
pub(crate) fn describe_blockers(blockers: &[(Rule, usize)]) -> String {
    blockers
        .iter()
        .map(|(rule, n)| format!("{rule} on {n} day{}", if *n == 1 { "" } else { "s" }))
        .collect::<Vec<_>>()
        .join("; ")
}
