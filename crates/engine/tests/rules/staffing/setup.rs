//! How a clinic sets its staff up: none at all (chairs alone), whose
//! ratios apply, extra shifts, refused set-ups, and shifts on the wall
//! clock across a clock change.

use chairside_engine::staff::needs::preset_needs;
use chairside_engine::*;
use chrono::Weekday::Sat;

use super::{all_day, book, member, need, open_times, staffed_clinic};
use crate::rules::{plan_in_empty_clinic, plan_ten_am};
use crate::support::clinics::weekday_clinic;
use crate::support::planning::{infeasibility, validation_request};
use crate::support::wall_clock::{at, date, time, NEW_YORK, WEEKDAYS};

use Segment::*;
use StaffRole::*;

#[test]
fn staff_coverage_a_clinic_without_staff_plans_on_chairs_alone() {
    // Ratios but no members, and bookings whose loads no one could cover:
    // every answer is the one of the same clinic without any staffing.
    let d = date(2026, 3, 2);
    let mut calendar = staffed_clinic(4, Vec::new());
    calendar.staffing.ratios = vec![StaffRatios {
        modality: Modality::Intranasal,
        needs: vec![need(Dosing, Prescriber, Some(1))],
    }];
    let mut occupancy = Occupancy::new();
    let mut chairs_alone = Occupancy::new();
    for chair in 1..=3 {
        book(
            &mut occupancy,
            chair,
            d,
            (10, 0),
            &preset_needs(Modality::Intranasal),
        );
        book(&mut chairs_alone, chair, d, (10, 0), &[]);
    }
    let plain = weekday_clinic(NEW_YORK, 4);
    let protocol = presets::esketamine_nasal();
    assert_eq!(
        plan_ten_am(&calendar, &occupancy, &protocol, d).unwrap(),
        plan_ten_am(&plain, &chairs_alone, &protocol, d).unwrap(),
    );
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let open = open_times(&planner, d);
    assert_eq!(
        open,
        open_times(&Planner::new(&plain, &chairs_alone).unwrap(), d)
    );
    assert!(open.contains(&(time(10, 0), ChairId(4))));
    let session = ProposedSession {
        chair: ChairId(4),
        start: at(NEW_YORK, d, 10, 0),
        end: at(NEW_YORK, d, 10, 0) + protocol.chair_time.total(),
    };
    let violations = planner.validate_sessions(&validation_request(&protocol, &[session]));
    assert_eq!(violations.unwrap(), []);
}

#[test]
fn staff_coverage_clinic_ratios_override_the_protocol_which_overrides_the_preset() {
    let nurse_only = vec![
        need(PreDoseCheck, Nurse, Some(1)),
        need(Dosing, Nurse, Some(1)),
    ];
    let with_prescriber = vec![need(Dosing, Prescriber, None)];
    let mut protocol = presets::esketamine_nasal();
    let mut staffing = Staffing::default();
    assert_eq!(
        staffing.needs_for(&protocol),
        preset_needs(Modality::Intranasal)
    );
    protocol.staffing = Some(nurse_only.clone());
    assert_eq!(staffing.needs_for(&protocol), nurse_only);
    staffing.ratios.push(StaffRatios {
        modality: Modality::Iv,
        needs: Vec::new(),
    });
    assert_eq!(staffing.needs_for(&protocol), nurse_only, "IV ratios only");
    staffing.ratios.push(StaffRatios {
        modality: Modality::Intranasal,
        needs: with_prescriber.clone(),
    });
    assert_eq!(staffing.needs_for(&protocol), with_prescriber);
    // The same in planning, with one nurse and no prescriber on the floor.
    let d = date(2026, 3, 2);
    let mut calendar = staffed_clinic(1, vec![all_day(1, &[Nurse])]);
    let plan = |calendar: &ClinicCalendar, protocol: &Protocol| {
        plan_in_empty_clinic(calendar, protocol, d)
    };
    let preset = presets::esketamine_nasal();
    assert_eq!(
        infeasibility(plan(&calendar, &preset)).rule,
        Rule::StaffCoverage
    );
    assert_eq!(
        plan(&calendar, &protocol).unwrap().sessions[0].local_date,
        d
    );
    calendar.staffing.ratios = staffing.ratios[..1].to_vec();
    assert_eq!(
        plan(&calendar, &protocol).unwrap().sessions[0].local_date,
        d
    );
    calendar.staffing.ratios = staffing.ratios;
    assert_eq!(
        infeasibility(plan(&calendar, &protocol)).rule,
        Rule::StaffCoverage
    );
}

#[test]
fn staff_coverage_an_extra_shift_opens_a_day() {
    // Open on Saturdays too, but no one's week includes them; an extra
    // shift 09:00-12:00 on Saturday 7 March fits esketamine sessions
    // (145 minutes) starting 09:00 to 09:30.
    let saturday = date(2026, 3, 7);
    let mut members = vec![all_day(1, &[Prescriber]), all_day(2, &[Nurse])];
    let mut calendar = staffed_clinic(1, members.clone());
    calendar.hours.day_mut(Sat).push(OpeningRange {
        opens: time(8, 0),
        closes: time(18, 0),
    });
    let occupancy = Occupancy::new();
    assert_eq!(
        open_times(&Planner::new(&calendar, &occupancy).unwrap(), saturday),
        []
    );
    for m in &mut members {
        m.exceptions.push(ShiftException {
            kind: ShiftExceptionKind::ExtraShift,
            span: ClosureSpan::Range {
                start: saturday.and_time(time(9, 0)),
                end: saturday.and_time(time(12, 0)),
            },
        });
    }
    calendar.staffing.members = members;
    let open = open_times(&Planner::new(&calendar, &occupancy).unwrap(), saturday);
    let starts = [time(9, 0), time(9, 15), time(9, 30)].map(|t| (t, ChairId(1)));
    assert_eq!(open, starts);
}

/// The field a calendar's validation names.
fn refused_field(calendar: &ClinicCalendar) -> String {
    match calendar.validate() {
        Err(EngineError::InvalidInput { field, .. }) => field,
        other => panic!("expected invalid input, got {other:?}"),
    }
}

#[test]
fn staffing_set_ups_that_make_no_sense_are_refused_with_the_field_named() {
    let good = vec![all_day(1, &[Nurse]), all_day(2, &[Prescriber])];
    let mut calendar = staffed_clinic(1, good.clone());
    assert!(calendar.validate().is_ok());
    calendar.staffing.members[1].roles.clear();
    assert_eq!(refused_field(&calendar), "staff[1].roles");
    assert!(Planner::new(&calendar, &Occupancy::new()).is_err());
    calendar.staffing.members = good.clone();
    calendar.staffing.members[0]
        .exceptions
        .push(ShiftException {
            kind: ShiftExceptionKind::ExtraShift,
            span: ClosureSpan::Days {
                first: date(2026, 3, 7),
                last: date(2026, 3, 7),
            },
        });
    assert_eq!(refused_field(&calendar), "staff[0].exceptions[0].span");
    calendar.staffing.members = vec![member(1, &[Nurse], (12, 0), (9, 0))];
    assert_eq!(refused_field(&calendar), "staff[0].shifts.mon[0]");
    calendar.staffing.members = good;
    calendar.staffing.ratios = vec![StaffRatios {
        modality: Modality::Iv,
        needs: vec![
            need(Monitoring, Nurse, Some(4)),
            need(Monitoring, Nurse, Some(3)),
        ],
    }];
    assert_eq!(refused_field(&calendar), "staff_ratios[0].needs[1]");
    calendar.staffing.ratios[0].needs = vec![need(Monitoring, Nurse, Some(0))];
    assert_eq!(
        refused_field(&calendar),
        "staff_ratios[0].needs[0].patients_per_staff"
    );
    let mut protocol = presets::esketamine_nasal();
    protocol.staffing = Some(vec![
        need(Dosing, Prescriber, None),
        need(Dosing, Prescriber, Some(1)),
    ]);
    match protocol.validate() {
        Err(EngineError::InvalidInput { field, .. }) => assert_eq!(field, "staffing[1]"),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

#[test]
fn staff_shifts_follow_the_wall_clock_across_a_clock_change() {
    // Open 07:00-18:00; the nurse practitioner and the nurse work
    // 08:00-16:00 on weekdays. New York moves from UTC-5 to UTC-4 on
    // Sunday 8 March: on the Mondays before and after, the first start is
    // 08:00 local and the last 13:30 (ending 15:55), not an hour off.
    let mut calendar = staffed_clinic(
        1,
        vec![
            member(1, &[Prescriber, Nurse], (8, 0), (16, 0)),
            member(2, &[Nurse], (8, 0), (16, 0)),
        ],
    );
    calendar.hours = WeeklyHours::uniform(&WEEKDAYS, time(7, 0), time(18, 0));
    let occupancy = Occupancy::new();
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    for d in [date(2026, 3, 2), date(2026, 3, 9)] {
        let open: Vec<_> = open_times(&planner, d)
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        assert_eq!(open.first(), Some(&time(8, 0)), "{d}");
        assert_eq!(open.last(), Some(&time(13, 30)), "{d}");
        assert_eq!(open.len(), 23, "{d}");
    }
    let protocol = presets::esketamine_nasal();
    let monday = date(2026, 3, 9);
    let session = |h, m| {
        let start = at(NEW_YORK, monday, h, m);
        [ProposedSession {
            chair: ChairId(1),
            start,
            end: start + protocol.chair_time.total(),
        }]
    };
    let rules = |h, m| -> Vec<Rule> {
        let sessions = session(h, m);
        let found = planner.validate_sessions(&validation_request(&protocol, &sessions));
        found.unwrap().into_iter().map(|v| v.rule).collect()
    };
    assert_eq!(rules(8, 0), []);
    assert_eq!(rules(7, 45), [Rule::StaffCoverage]);
    assert_eq!(rules(13, 45), [Rule::StaffCoverage]);
}

#[test]
fn staffing_travels_as_json_in_the_calendar() {
    let calendar: ClinicCalendar = serde_json::from_value(serde_json::json!({
        "zone": "America/New_York",
        "hours": { "mon": [{ "opens": "08:00:00", "closes": "18:00:00" }] },
        "chairs": [{ "id": 1, "modalities": ["intranasal"] }],
        "staffing": {
            "members": [{
                "id": 7,
                "roles": ["prescriber", "nurse"],
                "shifts": { "mon": [{ "opens": "08:00:00", "closes": "16:00:00" }] },
                "exceptions": [{ "kind": "leave", "span": { "kind": "days", "first": "2026-03-09", "last": "2026-03-09" } }]
            }],
            "ratios": [{
                "modality": "intranasal",
                "needs": [{ "segment": "monitoring", "role": "nurse", "patients_per_staff": 4 }, { "segment": "dosing", "role": "prescriber" }]
            }]
        }
    }))
    .unwrap();
    assert!(calendar.validate().is_ok());
    let staffing = &calendar.staffing;
    assert_eq!(staffing.members[0].roles, [Prescriber, Nurse]);
    assert_eq!(
        staffing.members[0].exceptions[0].kind,
        ShiftExceptionKind::Leave
    );
    let needs = staffing.needs_for(&presets::esketamine_nasal());
    assert_eq!(
        needs,
        [
            need(Monitoring, Nurse, Some(4)),
            need(Dosing, Prescriber, None)
        ]
    );
    let json = serde_json::to_string(&calendar).unwrap();
    assert_eq!(
        serde_json::from_str::<ClinicCalendar>(&json).unwrap(),
        calendar
    );
}
