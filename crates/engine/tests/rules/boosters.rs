//! Boosters go on the target day or the nearest usable day within the
//! tolerance, never before the floor; overdue ones as soon as possible.

use chairside_engine::*;
use chrono::Duration;

use super::{full_day, ten_am};
use crate::support::clinics::weekday_clinic;
use crate::support::planning::{booster_request, dates, infeasibility};
use crate::support::wall_clock::{date, NEW_YORK};

#[test]
fn booster_goes_on_target_or_the_nearest_day_within_tolerance() {
    let calendar = weekday_clinic(NEW_YORK, 1);
    let protocol = presets::iv_ketamine_standard();
    let policy = protocol.boosters().unwrap().1.default_policy;
    let prefs = ten_am();
    let last = date(2026, 3, 13);
    let empty = Occupancy::new();
    let planner = Planner::new(&calendar, &empty).unwrap();
    let boosters = planner
        .propose_boosters(&booster_request(&protocol, &policy, &prefs, last, last, 2))
        .unwrap();
    assert_eq!(dates(&boosters), [date(2026, 4, 3), date(2026, 4, 24)]);

    // Target Fri 3 April full: Thu 2 and Sat 4 are equally near; Sat is closed anyway.
    let full = Occupancy::from_bookings([full_day(1, date(2026, 4, 3))]);
    let planner = Planner::new(&calendar, &full).unwrap();
    let boosters = planner
        .propose_boosters(&booster_request(&protocol, &policy, &prefs, last, last, 1))
        .unwrap();
    assert_eq!(boosters[0].local_date, date(2026, 4, 2));
}

#[test]
fn lengthening_the_interval_moves_only_the_boosters_planned_from_it() {
    let calendar = weekday_clinic(NEW_YORK, 1);
    let occupancy = Occupancy::new();
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let protocol = presets::iv_ketamine_standard();
    let prefs = ten_am();
    let longer = BoosterPolicy {
        interval_days: 28,
        ..protocol.boosters().unwrap().1.default_policy
    };
    let attended = date(2026, 4, 3);
    let next = planner
        .propose_boosters(&booster_request(
            &protocol, &longer, &prefs, attended, attended, 1,
        ))
        .unwrap();
    assert_eq!(next[0].local_date, date(2026, 5, 1));
}

#[test]
fn booster_never_before_the_floor_and_overdue_boosters_go_as_soon_as_possible() {
    let calendar = weekday_clinic(NEW_YORK, 1);
    let occupancy = Occupancy::new();
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let protocol = presets::iv_ketamine_standard();
    let prefs = ten_am();
    let policy = protocol.boosters().unwrap().1.default_policy;
    let overdue = planner
        .propose_boosters(&booster_request(
            &protocol,
            &policy,
            &prefs,
            date(2026, 1, 2),
            date(2026, 3, 2),
            1,
        ))
        .unwrap();
    assert_eq!(overdue[0].local_date, date(2026, 3, 2));
    // Everything near the target is full and the floor forbids going earlier.
    let full = Occupancy::from_bookings(
        (0..30).map(|i| full_day(1, date(2026, 3, 16) + Duration::days(i))),
    );
    let planner = Planner::new(&calendar, &full).unwrap();
    let why = infeasibility(planner.propose_boosters(&booster_request(
        &protocol,
        &policy,
        &prefs,
        date(2026, 3, 13),
        date(2026, 3, 13),
        1,
    )));
    assert_eq!(why.rule, Rule::ChairsFull);
    assert_eq!(why.earliest_feasible, Some(date(2026, 4, 15)));
}
