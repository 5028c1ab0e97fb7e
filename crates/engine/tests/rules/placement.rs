//! Where a session goes on its day: its whole chair time free, the start
//! cap kept, the first free chair in calendar order, inside the patient's
//! days and window, one a day for the patient; and the starts on offer.

use chairside_engine::*;
use chrono::Duration;
use chrono::Weekday::*;

use super::{booked, full_day, plan, plan_in_empty_clinic, plan_ten_am, ten_am};
use crate::support::clinics::weekday_clinic;
use crate::support::planning::{dates, phase_request};
use crate::support::wall_clock::{at, date, time, NEW_YORK};

#[test]
fn chair_time_covers_check_treatment_and_monitoring_and_never_overlaps() {
    // One chair; a booking 10:00-11:30. A 10:00 preference gets the nearest
    // start whose whole 145-minute esketamine interval is free.
    let calendar = weekday_clinic(NEW_YORK, 1);
    let d = date(2026, 3, 2);
    let occupancy = Occupancy::from_bookings([booked(1, d, (10, 0), (11, 30))]);
    let protocol = presets::esketamine_nasal();
    let plan = plan_ten_am(&calendar, &occupancy, &protocol, d).unwrap();
    let first = plan.sessions[0];
    assert_eq!(first.end - first.start, Duration::minutes(145));
    assert_eq!(
        first.local_time,
        time(11, 30),
        "07:35 would end at 10:00 too, but 11:30 is nearer 10:00"
    );
}

#[test]
fn start_cap_staggers_starts_across_chairs() {
    let mut calendar = weekday_clinic(NEW_YORK, 2);
    calendar.max_starts_per_slot = Some(1);
    let d = date(2026, 3, 2);
    let occupancy = Occupancy::from_bookings([booked(1, d, (10, 0), (11, 0))]);
    let protocol = presets::iv_ketamine_standard();
    let plan = plan_ten_am(&calendar, &occupancy, &protocol, d).unwrap();
    // Chair 2 is free at 10:00, but a session already starts then.
    assert_eq!(plan.sessions[0].local_time, time(9, 45));
    assert_eq!(plan.sessions[0].chair, ChairId(2));
}

#[test]
fn first_free_chair_in_stable_order_and_chair_closures_are_respected() {
    let mut calendar = weekday_clinic(NEW_YORK, 3);
    calendar.closures.push(Closure {
        scope: ClosureScope::Chair(ChairId(1)),
        span: ClosureSpan::Range {
            start: date(2026, 3, 1).and_time(time(0, 0)),
            end: date(2026, 3, 31).and_time(time(0, 0)),
        },
    });
    let protocol = presets::iv_ketamine_standard();
    let plan = plan_in_empty_clinic(&calendar, &protocol, date(2026, 3, 2)).unwrap();
    assert!(plan.sessions.iter().all(|s| s.chair == ChairId(2)));
}

#[test]
fn patient_weekdays_window_and_days_away_are_respected() {
    let calendar = weekday_clinic(NEW_YORK, 1);
    let prefs = PatientPreferences {
        weekdays: vec![Mon, Wed, Fri],
        earliest_start: Some(time(13, 0)),
        latest_start: Some(time(15, 0)),
        preferred_start: Some(time(9, 0)),
        unavailable_dates: vec![date(2026, 3, 4)],
    };
    let protocol = presets::iv_ketamine_standard();
    let plan = plan(
        &calendar,
        &Occupancy::new(),
        &protocol,
        &prefs,
        date(2026, 3, 2),
    )
    .unwrap();
    assert_eq!(
        dates(&plan.sessions),
        [2, 6, 9, 11, 13, 16].map(|d| date(2026, 3, d))
    );
    assert!(
        plan.sessions.iter().all(|s| s.local_time == time(13, 0)),
        "nearest to 09:00 inside 13:00-15:00"
    );
}

#[test]
fn one_session_per_patient_per_local_day() {
    let calendar = weekday_clinic(NEW_YORK, 2);
    let occupancy = Occupancy::new();
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let protocol = presets::iv_ketamine_standard();
    // The patient's other course has a session on Wed 4 March at 16:00.
    let other = [Interval::new(
        at(NEW_YORK, date(2026, 3, 4), 16, 0),
        at(NEW_YORK, date(2026, 3, 4), 17, 30),
    )];
    let preferences = ten_am();
    let plan = planner
        .plan_phase(&PhaseRequest {
            patient_sessions: &other,
            ..phase_request(&protocol, &preferences, date(2026, 3, 2), 14)
        })
        .unwrap();
    assert_eq!(
        &dates(&plan.sessions)[..3],
        [date(2026, 3, 2), date(2026, 3, 5), date(2026, 3, 9)]
    );
}

#[test]
fn availability_lists_free_chair_starts_only() {
    let calendar = weekday_clinic(NEW_YORK, 2);
    let d = date(2026, 3, 2);
    let occupancy = Occupancy::from_bookings([full_day(1, d)]);
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let protocol = presets::iv_ketamine_standard();
    let open = planner
        .availability(&AvailabilityRequest {
            modality: Modality::Iv,
            chair_time: protocol.chair_time,
            from: d,
            to: d,
            staffing: None,
        })
        .unwrap();
    // 08:00 .. 16:30 every 15 minutes (90-minute sessions end by 18:00), chair 2 only.
    assert_eq!(open.len(), 35);
    assert!(open.iter().all(|o| o.chair == ChairId(2)));
    assert_eq!(open.first().unwrap().local_time, time(8, 0));
    assert_eq!(open.last().unwrap().local_time, time(16, 30));
}
