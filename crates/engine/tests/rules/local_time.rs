//! Sessions are planned in the clinic's wall-clock time: the same local
//! time across a clock change, never a skipped or repeated local time, on
//! the clinic's own grid whatever its offset from UTC.

use chairside_engine::*;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc, Weekday::*};

use super::{plan, plan_in_empty_clinic};
use crate::support::clinics::{iv_and_nasal_chairs, weekday_clinic};
use crate::support::wall_clock::{date, time, KATHMANDU, NEW_YORK};

/// Plans an IV induction for the 10:00 patient from `earliest`, across a
/// clock change in New York: every session at 10:00 local, the first
/// starting at the instant `first`, the fourth (after the change) on
/// `fourth_date` at the instant `fourth`.
fn assert_ten_am_across_a_change(
    earliest: NaiveDate,
    first: DateTime<Utc>,
    fourth_date: NaiveDate,
    fourth: DateTime<Utc>,
) {
    let calendar = weekday_clinic(NEW_YORK, 1);
    let protocol = presets::iv_ketamine_standard();
    let plan = plan_in_empty_clinic(&calendar, &protocol, earliest).unwrap();
    assert!(plan.sessions.iter().all(|s| s.local_time == time(10, 0)));
    assert_eq!(plan.sessions[0].start, first);
    assert_eq!(plan.sessions[3].local_date, fourth_date);
    assert_eq!(plan.sessions[3].start, fourth);
}

#[test]
fn ten_am_stays_ten_am_local_across_spring_forward() {
    // Before 8 March New York is UTC-5, after it UTC-4.
    assert_ten_am_across_a_change(
        date(2026, 3, 2),
        Utc.with_ymd_and_hms(2026, 3, 2, 15, 0, 0).unwrap(),
        date(2026, 3, 9),
        Utc.with_ymd_and_hms(2026, 3, 9, 14, 0, 0).unwrap(),
    );
}

#[test]
fn ten_am_stays_ten_am_local_across_fall_back() {
    assert_ten_am_across_a_change(
        date(2026, 10, 26),
        Utc.with_ymd_and_hms(2026, 10, 26, 14, 0, 0).unwrap(),
        date(2026, 11, 2),
        Utc.with_ymd_and_hms(2026, 11, 2, 15, 0, 0).unwrap(),
    );
}

#[test]
fn skipped_and_repeated_local_times_are_never_offered() {
    // A (test-only) clinic open through the night on Sundays.
    let mut calendar = weekday_clinic(NEW_YORK, 1);
    calendar.hours.sun.push(OpeningRange {
        opens: time(0, 0),
        closes: time(6, 0),
    });
    let occupancy = Occupancy::new();
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let short = ChairTime {
        pre_dose_check_minutes: 0,
        treatment_minutes: 15,
        monitoring_minutes: 0,
    };
    let local_times = |d| {
        planner
            .availability(&AvailabilityRequest {
                modality: Modality::Iv,
                chair_time: short,
                from: d,
                to: d,
                staffing: None,
            })
            .unwrap()
            .into_iter()
            .map(|o| o.local_time)
            .collect::<Vec<_>>()
    };
    let spring = local_times(date(2026, 3, 8));
    assert!(spring.contains(&time(1, 45)) && spring.contains(&time(3, 0)));
    assert!(
        !spring.iter().any(|t| *t >= time(2, 0) && *t < time(3, 0)),
        "02:xx does not exist: {spring:?}"
    );
    let fall = local_times(date(2026, 11, 1));
    assert!(fall.contains(&time(0, 45)) && fall.contains(&time(2, 0)));
    assert!(
        !fall.iter().any(|t| *t >= time(1, 0) && *t < time(2, 0)),
        "01:xx is ambiguous: {fall:?}"
    );
}

#[test]
fn local_times_that_do_not_exist_or_repeat_are_errors_unless_chosen() {
    let skipped = date(2026, 3, 8).and_time(time(2, 30));
    assert!(matches!(
        resolve_local(NEW_YORK, skipped, Disambiguation::Earlier),
        Err(LocalTimeError::NonExistent { .. })
    ));
    let repeated = date(2026, 11, 1).and_time(time(1, 30));
    let Err(LocalTimeError::Ambiguous { earlier, later, .. }) =
        resolve_local(NEW_YORK, repeated, Disambiguation::Reject)
    else {
        panic!("01:30 on 1 November occurs twice in New York");
    };
    assert_eq!(later - earlier, Duration::hours(1));
    assert_eq!(
        resolve_local(NEW_YORK, repeated, Disambiguation::Earlier),
        Ok(earlier)
    );
    assert_eq!(
        resolve_local(NEW_YORK, repeated, Disambiguation::Later),
        Ok(later)
    );
}

#[test]
fn a_zone_with_a_quarter_hour_offset_plans_on_its_local_grid() {
    let calendar = ClinicCalendar::new(
        KATHMANDU,
        WeeklyHours::uniform(&[Sun, Mon, Tue, Wed, Thu, Fri], time(9, 0), time(17, 0)),
        iv_and_nasal_chairs(1),
    );
    let protocol = presets::iv_ketamine_standard();
    let plan = plan(
        &calendar,
        &Occupancy::new(),
        &protocol,
        &PatientPreferences::default(),
        date(2026, 5, 4),
    )
    .unwrap();
    assert_eq!(plan.sessions[0].local_time, time(9, 0));
    assert_eq!(
        plan.sessions[0].start,
        Utc.with_ymd_and_hms(2026, 5, 4, 3, 15, 0).unwrap()
    );
    assert_eq!(
        plan.sessions[0].end - plan.sessions[0].start,
        Duration::minutes(90)
    );
}

/// A clinic open 16:00 to midnight, written `24:00`.
fn open_until_midnight() -> WeeklyHours {
    serde_json::from_value(serde_json::json!({
        "mon": [{"opens": "16:00", "closes": "24:00"}],
        "tue": [{"opens": "16:00", "closes": "24:00"}],
        "wed": [{"opens": "16:00", "closes": "24:00"}],
        "thu": [{"opens": "16:00", "closes": "24:00"}],
        "fri": [{"opens": "16:00", "closes": "24:00"}],
    }))
    .expect("24:00 is a closing time")
}

#[test]
fn a_clinic_may_close_at_midnight_and_a_session_may_end_there() {
    let hours = open_until_midnight();
    let written = serde_json::to_value(&hours).unwrap();
    assert_eq!(
        written["mon"][0]["closes"], "24:00",
        "written as it was read"
    );
    let calendar = crate::support::clinics::one_chair(NEW_YORK, hours);
    calendar.validate().expect("valid hours");
    let occupancy = Occupancy::new();
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let monday = date(2026, 3, 2);
    let protocol = presets::iv_ketamine_standard();
    let open = planner
        .availability(&AvailabilityRequest {
            modality: protocol.modality,
            chair_time: protocol.chair_time,
            from: monday,
            to: monday,
            staffing: None,
        })
        .unwrap();
    // 90 minutes of chair time: the last start is 22:30, ending at midnight.
    let last = open.last().expect("open starts");
    assert_eq!(last.local_time, time(22, 30));
    assert_eq!(last.end, Utc.with_ymd_and_hms(2026, 3, 3, 5, 0, 0).unwrap());
}

#[test]
fn midnight_is_a_closing_time_only() {
    let opens_at_24: Result<OpeningRange, _> =
        serde_json::from_str(r#"{"opens": "24:00", "closes": "24:00"}"#);
    assert!(opens_at_24.is_err(), "a day cannot open at its end");
    let late: Result<OpeningRange, _> =
        serde_json::from_str(r#"{"opens": "16:00", "closes": "24:30"}"#);
    assert!(late.is_err(), "nothing after 24:00");
}
