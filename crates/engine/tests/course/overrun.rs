//! A checked-in session holds its chair as long as what was recorded says:
//! a late arrival, a late dose, a patient still monitored; a booking the
//! hold reaches is offered the same start on another chair, then later
//! starts.

use chairside_engine::monitoring::overrun::{chair_held, fixes, FixKind, OverrunCause};
use chairside_engine::monitoring::MonitoringRecord;
use chairside_engine::{presets, ChairId, Interval, OpenStart};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};

fn at(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 9, hour, minute, 0).unwrap()
}

/// An esketamine booking 9:00–11:25 (10 + 15 + 120 minutes).
fn booked() -> Interval {
    Interval::new(at(9, 0), at(11, 25))
}

#[test]
fn an_on_time_session_holds_its_chair_as_booked() {
    let record = MonitoringRecord {
        arrived_at: Some(at(8, 55)),
        dose_started_at: Some(at(9, 10)),
        ..MonitoringRecord::default()
    };
    let hold = chair_held(booked(), &presets::esketamine_nasal(), &record, at(10, 0));
    assert_eq!(hold.until, at(11, 25));
    assert_eq!(hold.cause, None);
    assert_eq!(hold.beyond(booked()), None);
    assert_eq!(hold.care_starts(booked()), at(9, 0));
    assert_eq!(hold.late_by_minutes, 0);
}

#[test]
fn a_late_arrival_moves_the_end_by_the_lateness() {
    let record = MonitoringRecord {
        arrived_at: Some(at(9, 20)),
        ..MonitoringRecord::default()
    };
    let hold = chair_held(booked(), &presets::esketamine_nasal(), &record, at(9, 25));
    assert_eq!(hold.late_by_minutes, 20);
    assert_eq!(hold.until, at(11, 45));
    assert_eq!(hold.cause, Some(OverrunCause::LateArrival));
    assert_eq!(
        hold.beyond(booked()),
        Some(Interval::new(at(11, 25), at(11, 45)))
    );
    assert_eq!(
        hold.care_starts(booked()),
        at(9, 20),
        "staff are counted for the moved session"
    );
}

#[test]
fn a_late_dose_ends_its_monitoring_late() {
    let record = MonitoringRecord {
        arrived_at: Some(at(9, 0)),
        dose_started_at: Some(at(9, 40)),
        ..MonitoringRecord::default()
    };
    let hold = chair_held(booked(), &presets::esketamine_nasal(), &record, at(9, 45));
    // 9:40 + 15 minutes of dosing + 120 of monitoring.
    assert_eq!(hold.until, at(11, 55));
    assert_eq!(hold.cause, Some(OverrunCause::LateDose));
}

#[test]
fn the_rems_two_hours_hold_the_chair_even_when_the_protocol_books_less() {
    let mut protocol = presets::esketamine_nasal();
    protocol.chair_time.monitoring_minutes = 60;
    let booked = Interval::new(at(9, 0), at(10, 25));
    let record = MonitoringRecord {
        dose_started_at: Some(at(9, 10)),
        ..MonitoringRecord::default()
    };
    let hold = chair_held(booked, &protocol, &record, at(9, 30));
    assert_eq!(hold.until, at(11, 10), "first device + 120 minutes");
    assert_eq!(hold.cause, Some(OverrunCause::LateDose));
}

#[test]
fn a_patient_still_in_the_chair_holds_it_a_quarter_hour_past_now() {
    let record = MonitoringRecord {
        dose_started_at: Some(at(9, 10)),
        ..MonitoringRecord::default()
    };
    let hold = chair_held(booked(), &presets::esketamine_nasal(), &record, at(11, 30));
    assert_eq!(hold.until, at(11, 45));
    assert_eq!(hold.cause, Some(OverrunCause::StillInTheChair));
}

#[test]
fn a_discharge_ends_the_hold() {
    let record = MonitoringRecord {
        dose_started_at: Some(at(9, 10)),
        discharged_at: Some(at(11, 32)),
        ..MonitoringRecord::default()
    };
    let hold = chair_held(booked(), &presets::esketamine_nasal(), &record, at(12, 30));
    assert_eq!(hold.until, at(11, 32));
    assert_eq!(hold.cause, None);
}

fn open(chair: i64, start: DateTime<Utc>) -> OpenStart {
    OpenStart {
        chair: ChairId(chair),
        start,
        end: start + Duration::minutes(145),
        local_date: NaiveDate::from_ymd_opt(2026, 3, 9).unwrap(),
        local_time: NaiveTime::MIN,
    }
}

#[test]
fn the_same_start_on_another_chair_comes_before_a_later_start() {
    let next = Interval::new(at(11, 30), at(13, 55));
    let open = [
        open(1, at(11, 30)),
        open(2, at(11, 30)),
        open(1, at(12, 0)),
        open(2, at(12, 0)),
        open(1, at(11, 0)),
    ];
    let fixes = fixes(&open, ChairId(1), next, at(11, 20));
    let got: Vec<_> = fixes.iter().map(|f| (f.kind, f.chair.0, f.start)).collect();
    assert_eq!(
        got,
        vec![
            (FixKind::AnotherChair, 2, at(11, 30)),
            (FixKind::LaterStart, 1, at(12, 0)),
            (FixKind::LaterStart, 2, at(12, 0)),
        ]
    );
}

#[test]
fn a_booking_whose_start_has_passed_is_offered_only_starts_to_come() {
    let next = Interval::new(at(11, 30), at(13, 55));
    let open = [open(2, at(11, 30)), open(2, at(11, 45)), open(2, at(12, 0))];
    let fixes = fixes(&open, ChairId(1), next, at(11, 40));
    let got: Vec<_> = fixes.iter().map(|f| (f.kind, f.start)).collect();
    assert_eq!(
        got,
        vec![
            (FixKind::LaterStart, at(11, 45)),
            (FixKind::LaterStart, at(12, 0))
        ]
    );
}
