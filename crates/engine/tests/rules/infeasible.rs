//! When no plan keeps the rules, the answer names the rule in the way and,
//! where there is one, the earliest date a plan would work from.

use chairside_engine::*;
use chrono::Duration;
use chrono::Weekday::*;

use super::{full_day, plan_in_empty_clinic, plan_ten_am};
use crate::support::clinics::{iv_and_nasal_chairs, weekday_clinic};
use crate::support::planning::infeasibility;
use crate::support::wall_clock::{date, time, NEW_YORK, WEEKDAYS};

/// Why no IV induction from Monday 2 March 2026 can be planned for the
/// 10:00 patient in an otherwise empty `calendar`.
fn why_no_iv_plan(calendar: &ClinicCalendar) -> Infeasibility {
    let protocol = presets::iv_ketamine_standard();
    infeasibility(plan_in_empty_clinic(calendar, &protocol, date(2026, 3, 2)))
}

#[test]
fn infeasible_without_a_suitable_chair() {
    let mut calendar = weekday_clinic(NEW_YORK, 1);
    calendar.chairs[0].modalities = vec![Modality::Intranasal];
    let why = why_no_iv_plan(&calendar);
    assert_eq!(why.rule, Rule::NoSuitableChair);
    assert_eq!(why.earliest_feasible, None);
}

#[test]
fn infeasible_when_chairs_are_full_names_the_earliest_feasible_date() {
    let calendar = weekday_clinic(NEW_YORK, 1);
    let start = date(2026, 3, 2);
    let occupancy =
        Occupancy::from_bookings((0..21).map(|i| full_day(1, start + Duration::days(i))));
    let protocol = presets::iv_ketamine_standard();
    let why = infeasibility(plan_ten_am(&calendar, &occupancy, &protocol, start));
    assert_eq!(why.rule, Rule::ChairsFull);
    assert_eq!(why.earliest_feasible, Some(date(2026, 3, 23)));
}

#[test]
fn infeasible_when_the_span_cannot_be_kept() {
    // Open on Mondays only: six sessions a week apart take 35 days > 21.
    let calendar = ClinicCalendar::new(
        NEW_YORK,
        WeeklyHours::uniform(&[Mon], time(8, 0), time(18, 0)),
        iv_and_nasal_chairs(1),
    );
    let why = why_no_iv_plan(&calendar);
    assert_eq!(why.rule, Rule::Span);
    assert_eq!(why.earliest_feasible, None);
}

#[test]
fn infeasible_when_the_chair_time_does_not_fit_opening_hours() {
    let calendar = ClinicCalendar::new(
        NEW_YORK,
        WeeklyHours::uniform(&WEEKDAYS, time(8, 0), time(9, 0)),
        iv_and_nasal_chairs(2),
    );
    let why = why_no_iv_plan(&calendar);
    assert_eq!(why.rule, Rule::OpeningHours);
}
