//! Measurement-based care (domain rule 13): a *suggestion* to lengthen, keep
//! or shorten booster spacing from symptom scores, with the rule that fired
//! and the numbers behind it. A clinician decides; nothing here changes a
//! schedule.

use serde::{Deserialize, Serialize};

use crate::names::named_enum;

named_enum! {
    /// A validated symptom scale.
    pub enum Instrument as "instrument" {
        /// PHQ-9 depression, 0–27.
        Phq9 => "phq9",
        /// GAD-7 anxiety, 0–21.
        Gad7 => "gad7",
        /// MADRS depression, 0–60.
        Madrs => "madrs",
        /// PCL-5 PTSD, 0–80.
        Pcl5 => "pcl5",
    }
}

impl Instrument {
    /// The scale's published abbreviation without punctuation (`PHQ9`), the
    /// code records keep.
    pub fn code(self) -> &'static str {
        match self {
            Instrument::Phq9 => "PHQ9",
            Instrument::Gad7 => "GAD7",
            Instrument::Madrs => "MADRS",
            Instrument::Pcl5 => "PCL5",
        }
    }

    /// The instrument with this code (`PHQ9`), if any.
    pub fn from_code(code: &str) -> Option<Instrument> {
        Instrument::ALL.iter().copied().find(|i| i.code() == code)
    }

    /// The highest possible score.
    pub fn max_score(self) -> i32 {
        match self {
            Instrument::Phq9 => 27,
            Instrument::Gad7 => 21,
            Instrument::Madrs => 60,
            Instrument::Pcl5 => 80,
        }
    }
}

/// Thresholds of one instrument, with the values in common use as defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thresholds {
    /// Remission: score at or below this.
    pub remission_at_most: i32,
    /// Response: at least this percent below baseline…
    pub response_percent: i32,
    /// …or at least this many points below baseline (PCL-5 uses points).
    pub response_points: Option<i32>,
}

impl Thresholds {
    /// Common thresholds: PHQ-9 remission < 5 and response ≥ 50 %; MADRS
    /// remission ≤ 12 and response ≥ 50 %; GAD-7 below mild (< 5) and ≥ 50 %;
    /// PCL-5 below the probable-PTSD cut-off (< 33) and a 10-point change.
    pub fn common(instrument: Instrument) -> Self {
        match instrument {
            Instrument::Phq9 => Thresholds {
                remission_at_most: 4,
                response_percent: 50,
                response_points: None,
            },
            Instrument::Madrs => Thresholds {
                remission_at_most: 12,
                response_percent: 50,
                response_points: None,
            },
            Instrument::Gad7 => Thresholds {
                remission_at_most: 4,
                response_percent: 50,
                response_points: None,
            },
            Instrument::Pcl5 => Thresholds {
                remission_at_most: 32,
                response_percent: 100,
                response_points: Some(10),
            },
        }
    }

    /// The highest score that still counts as a response from `baseline`
    /// (the line a chart of scores draws); `None` when no score would.
    pub fn response_at_most(&self, baseline: i32) -> Option<i32> {
        (0..=baseline)
            .rev()
            .find(|score| self.responding(baseline, *score))
    }

    fn responding(&self, baseline: i32, score: i32) -> bool {
        let by_percent =
            baseline > 0 && (baseline - score) * 100 >= baseline * self.response_percent;
        let by_points = self.response_points.is_some_and(|p| baseline - score >= p);
        by_percent || by_points
    }
}

/// How suggestions are made; a clinic setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuggestionRules {
    /// The instrument that guides spacing.
    pub instrument: Instrument,
    pub thresholds: Thresholds,
    /// How many of the latest scores must show remission before lengthening.
    pub remission_held_for: u32,
}

impl Default for SuggestionRules {
    fn default() -> Self {
        SuggestionRules {
            instrument: Instrument::Phq9,
            thresholds: Thresholds::common(Instrument::Phq9),
            remission_held_for: 2,
        }
    }
}

/// Which way to move the interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Direction {
    /// Space boosters further apart.
    Lengthen,
    /// Leave the interval.
    Keep,
    /// Bring boosters closer.
    Shorten,
}

/// A suggestion and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    /// Which way.
    pub direction: Direction,
    /// The rule that fired: `no_baseline`, `no_scores_since_baseline`,
    /// `loss_of_response`, `remission_held`, `response_maintained`.
    pub rule: String,
    /// The interval now, days.
    pub current_interval_days: i32,
    /// The interval suggested, days (one step along the protocol's steps).
    pub suggested_interval_days: i32,
    /// The baseline score, if any.
    pub baseline: Option<i32>,
    /// The scores considered, oldest first.
    pub recent: Vec<i32>,
    /// The numbers behind it, in words.
    pub explanation: String,
}

/// Suggests booster spacing from a baseline and the scores since, oldest
/// first, moving one step along `steps` (the protocol's intervals).
pub fn suggest(
    rules: &SuggestionRules,
    baseline: Option<i32>,
    since: &[i32],
    steps: &[i32],
    current: i32,
) -> Suggestion {
    let (direction, rule, explanation, recent) = judge_response(rules, baseline, since);
    Suggestion {
        direction,
        rule: rule.to_string(),
        current_interval_days: current,
        suggested_interval_days: one_step(steps, current, direction),
        baseline,
        recent,
        explanation,
    }
}

/// The interval one step from `current` along the protocol's steps in
/// `direction` (`current` itself when there is no step that way).
fn one_step(steps: &[i32], current: i32, direction: Direction) -> i32 {
    let mut sorted = steps.to_vec();
    sorted.sort();
    let next = match direction {
        Direction::Keep => None,
        Direction::Lengthen => sorted.iter().copied().find(|s| *s > current),
        Direction::Shorten => sorted.iter().rev().copied().find(|s| *s < current),
    };
    next.unwrap_or(current)
}

/// Which way the scores point, the rule that says so, the numbers behind it
/// in words, and the scores it read: lost response shortens, remission held
/// lengthens, anything else keeps.
fn judge_response(
    rules: &SuggestionRules,
    baseline: Option<i32>,
    since: &[i32],
) -> (Direction, &'static str, String, Vec<i32>) {
    let t = rules.thresholds;
    let Some(baseline) = baseline else {
        let why = "no score before the first session to compare with".into();
        return (Direction::Keep, "no_baseline", why, Vec::new());
    };
    let Some(&latest) = since.last() else {
        let why = format!("baseline {baseline}; no score since");
        return (Direction::Keep, "no_scores_since_baseline", why, Vec::new());
    };
    let held = rules.remission_held_for.max(1) as usize;
    let recent: Vec<i32> = since.iter().rev().take(held).rev().copied().collect();
    if !t.responding(baseline, latest) {
        let why = format!(
            "latest {latest} against baseline {baseline}: less than {}% below{}",
            t.response_percent,
            t.response_points
                .map(|p| format!(" and less than {p} points below"))
                .unwrap_or_default()
        );
        return (Direction::Shorten, "loss_of_response", why, recent);
    }
    if recent.len() == held && recent.iter().all(|s| *s <= t.remission_at_most) {
        let why = format!(
            "the last {held} scores {recent:?} are all at or below {} (remission)",
            t.remission_at_most
        );
        return (Direction::Lengthen, "remission_held", why, recent);
    }
    let why = format!("latest {latest} keeps the response against baseline {baseline}, not yet remission held for {held} scores");
    (Direction::Keep, "response_maintained", why, recent)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEPS: [i32; 5] = [14, 21, 28, 35, 42];

    #[test]
    fn remission_held_at_the_last_two_boosters_lengthens_one_step() {
        let s = suggest(
            &SuggestionRules::default(),
            Some(20),
            &[9, 4, 3],
            &STEPS,
            21,
        );
        assert_eq!(
            (s.direction, s.suggested_interval_days, s.rule.as_str()),
            (Direction::Lengthen, 28, "remission_held")
        );
        assert_eq!(s.recent, [4, 3]);
    }

    #[test]
    fn loss_of_response_shortens_one_step() {
        let s = suggest(&SuggestionRules::default(), Some(20), &[4, 11], &STEPS, 28);
        assert_eq!(
            (s.direction, s.suggested_interval_days, s.rule.as_str()),
            (Direction::Shorten, 21, "loss_of_response")
        );
    }

    #[test]
    fn response_without_remission_keeps_the_interval() {
        let s = suggest(&SuggestionRules::default(), Some(20), &[8, 6], &STEPS, 21);
        assert_eq!(
            (s.direction, s.suggested_interval_days),
            (Direction::Keep, 21)
        );
    }

    #[test]
    fn no_baseline_suggests_nothing() {
        let s = suggest(&SuggestionRules::default(), None, &[3], &STEPS, 21);
        assert_eq!(
            (s.direction, s.rule.as_str()),
            (Direction::Keep, "no_baseline")
        );
    }

    #[test]
    fn pcl5_response_is_a_ten_point_change() {
        let rules = SuggestionRules {
            instrument: Instrument::Pcl5,
            thresholds: Thresholds::common(Instrument::Pcl5),
            remission_held_for: 2,
        };
        assert_eq!(
            suggest(&rules, Some(50), &[41], &STEPS, 21).direction,
            Direction::Shorten
        );
        assert_eq!(
            suggest(&rules, Some(50), &[40], &STEPS, 21).direction,
            Direction::Keep
        );
        assert_eq!(
            suggest(&rules, Some(50), &[30, 28], &STEPS, 21).direction,
            Direction::Lengthen
        );
    }

    #[test]
    fn at_the_longest_step_lengthening_keeps_it() {
        let s = suggest(&SuggestionRules::default(), Some(20), &[2, 2], &STEPS, 42);
        assert_eq!(s.suggested_interval_days, 42);
    }
}
