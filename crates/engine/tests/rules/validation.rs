//! Checking what a person proposes: sessions against every rule at once,
//! protocols field by field, and the JSON clinics and protocols come in.

use chairside_engine::*;
use chrono::Duration;

use super::booked;
use crate::support::clinics::weekday_clinic;
use crate::support::planning::validation_request;
use crate::support::wall_clock::{at, date, NEW_YORK};

#[test]
fn validation_lists_every_broken_rule() {
    let calendar = weekday_clinic(NEW_YORK, 1);
    let d = date(2026, 3, 2);
    let occupancy = Occupancy::from_bookings([booked(1, d, (9, 0), (10, 0))]);
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let protocol = presets::iv_ketamine_standard();
    let next_day = d + Duration::days(1);
    let friday = d + Duration::days(4);
    let sessions = [
        // Overlaps the booking and is 30 minutes short.
        ProposedSession {
            chair: ChairId(1),
            start: at(NEW_YORK, d, 9, 30),
            end: at(NEW_YORK, d, 10, 30),
        },
        // The next day (min gap 2) and past closing.
        ProposedSession {
            chair: ChairId(1),
            start: at(NEW_YORK, next_day, 17, 0),
            end: at(NEW_YORK, next_day, 18, 30),
        },
        // Not a chair of this clinic.
        ProposedSession {
            chair: ChairId(9),
            start: at(NEW_YORK, friday, 10, 0),
            end: at(NEW_YORK, friday, 11, 30),
        },
    ];
    let violations = planner
        .validate_sessions(&validation_request(&protocol, &sessions))
        .unwrap();
    let found: Vec<(Rule, Option<u32>)> = violations.iter().map(|v| (v.rule, v.sequence)).collect();
    assert_eq!(
        found,
        [
            (Rule::ChairTime, Some(1)),
            (Rule::ChairTaken, Some(1)),
            (Rule::OpeningHours, Some(2)),
            (Rule::UnknownChair, Some(3)),
            (Rule::MinGap, Some(2)),
        ]
    );
}

#[test]
fn nonsense_protocols_are_refused_with_the_field_named() {
    let field_of = |p: Protocol| match p.validate() {
        Err(EngineError::InvalidInput { field, .. }) => field,
        other => panic!("expected invalid input, got {other:?}"),
    };
    let mut p = presets::iv_ketamine_standard();
    if let PhaseKind::Series(rules) = &mut p.phases[0].kind {
        rules.min_days_between = 8;
    }
    assert_eq!(field_of(p), "phases[0].max_days_between");
    let mut p = presets::iv_ketamine_standard();
    if let PhaseKind::Series(rules) = &mut p.phases[0].kind {
        rules.sessions = 0;
    }
    assert_eq!(field_of(p), "phases[0].sessions");
    let mut p = presets::iv_ketamine_standard();
    p.chair_time.monitoring_minutes = -5;
    assert_eq!(field_of(p), "chair_time.monitoring_minutes");
    let mut p = presets::iv_ketamine_standard();
    p.phases.swap(0, 1);
    assert_eq!(field_of(p), "phases[0]");
    assert!(presets::iv_ketamine_standard().validate().is_ok());
    assert!(presets::esketamine_nasal().validate().is_ok());
}

#[test]
fn protocols_and_calendars_round_trip_through_json() {
    let protocol = presets::esketamine_nasal();
    let json = serde_json::to_string(&protocol).unwrap();
    assert_eq!(serde_json::from_str::<Protocol>(&json).unwrap(), protocol);
    let calendar: ClinicCalendar = serde_json::from_value(serde_json::json!({
        "zone": "Europe/London",
        "hours": { "mon": [{ "opens": "08:00:00", "closes": "12:00:00" }, { "opens": "13:00:00", "closes": "18:00:00" }] },
        "chairs": [{ "id": 1, "modalities": ["iv"] }],
        "closures": [{ "scope": { "kind": "chair", "chair_id": 1 }, "span": { "kind": "days", "first": "2026-12-24", "last": "2026-12-26" } }]
    }))
    .unwrap();
    assert_eq!(calendar.start_grid_minutes, 15);
    assert!(calendar.validate().is_ok());
}
