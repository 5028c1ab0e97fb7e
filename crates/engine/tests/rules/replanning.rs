//! After a miss, a move or an omitted dose: what stands stays, the rest is
//! planned again, and a plan that cannot keep the rules says which it
//! breaks.

use chairside_engine::*;
use chrono::NaiveDate;

use super::ten_am;
use crate::support::clinics::weekday_clinic;
use crate::support::planning::{dates, replan_request};
use crate::support::wall_clock::{date, NEW_YORK};

#[test]
fn replan_after_a_miss_keeps_completed_sessions_and_the_rules() {
    let calendar = weekday_clinic(NEW_YORK, 1);
    let occupancy = Occupancy::new();
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let protocol = presets::iv_ketamine_standard();
    let kept = [date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 6)];
    let preferences = ten_am();
    let replan = planner
        .replan_series(&replan_request(
            &protocol,
            &kept,
            3,
            date(2026, 3, 10),
            &preferences,
        ))
        .unwrap();
    assert!(!replan.at_risk());
    assert_eq!(
        dates(&replan.sessions),
        [date(2026, 3, 10), date(2026, 3, 12), date(2026, 3, 16)]
    );
    assert_eq!(replan.sessions[0].sequence, 4);
}

#[test]
fn replan_that_cannot_keep_the_window_is_at_risk_with_violations() {
    let calendar = weekday_clinic(NEW_YORK, 1);
    let occupancy = Occupancy::new();
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let protocol = presets::iv_ketamine_standard();
    let away: Vec<NaiveDate> = (9..=20).map(|d| date(2026, 3, d)).collect();
    let prefs = PatientPreferences {
        unavailable_dates: away,
        ..ten_am()
    };
    let kept = [date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 6)];
    let replan = planner
        .replan_series(&replan_request(
            &protocol,
            &kept,
            3,
            date(2026, 3, 9),
            &prefs,
        ))
        .unwrap();
    assert!(replan.at_risk());
    assert_eq!(
        dates(&replan.sessions),
        [date(2026, 3, 23), date(2026, 3, 25), date(2026, 3, 27)]
    );
    let rules: Vec<Rule> = replan.violations.iter().map(|v| v.rule).collect();
    assert_eq!(rules, [Rule::MaxGap, Rule::Span]);
}

#[test]
fn defer_moves_one_session_and_keeps_the_rest() {
    let calendar = weekday_clinic(NEW_YORK, 1);
    let occupancy = Occupancy::new();
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let protocol = presets::iv_ketamine_standard();
    let booked = [2, 4, 6, 9, 11, 13].map(|d| date(2026, 3, d));
    let moved = planner
        .defer_session(&DeferRequest {
            protocol: &protocol,
            phase: 0,
            dates: &booked,
            moving: 3,
            not_before: date(2026, 3, 10),
            preferences: &ten_am(),
            patient_sessions: &[],
        })
        .unwrap();
    assert!(!moved.at_risk());
    assert_eq!(moved.sessions.len(), 1);
    assert_eq!(moved.sessions[0].local_date, date(2026, 3, 16));
    assert_eq!(moved.sessions[0].sequence, 6);
}

#[test]
fn omit_keeps_the_rest_and_reports_a_gap_it_opens() {
    let protocol = presets::iv_ketamine_standard();
    let fine = [2, 4, 6, 11, 13].map(|d| date(2026, 3, d));
    assert!(omit_session(&protocol, 0, &fine).unwrap().is_empty());
    let gap = [2, 4, 6, 16].map(|d| date(2026, 3, d));
    let violations = omit_session(&protocol, 0, &gap).unwrap();
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].rule, Rule::MaxGap);
    assert_eq!(violations[0].sequence, Some(4));
}
