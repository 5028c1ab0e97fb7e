//! Staff coverage: a start is offered only if the staff on shift can cover
//! every patient in every segment at every minute of the new session — the
//! sessions already booked and the new one together.

mod setup;

use chairside_engine::staff::needs::{loads, preset_needs};
use chairside_engine::*;
use chrono::Duration;
use chrono::NaiveDate;

use super::{plan_in_empty_clinic, plan_ten_am};
use crate::support::clinics::weekday_clinic;
use crate::support::planning::{dates, infeasibility, validation_request};
use crate::support::wall_clock::{at, date, time, NEW_YORK, WEEKDAYS};

use Segment::*;
use StaffRole::*;

/// A staff member with these roles on shift Monday to Friday, `from` to
/// `to` (hour, minute), New York wall clock.
fn member(id: i64, roles: &[StaffRole], from: (u32, u32), to: (u32, u32)) -> StaffMember {
    StaffMember {
        id: StaffId(id),
        roles: roles.to_vec(),
        shifts: WeeklyHours::uniform(&WEEKDAYS, time(from.0, from.1), time(to.0, to.1)),
        exceptions: Vec::new(),
    }
}

/// On shift whenever the clinic is open (08:00-18:00 on weekdays).
fn all_day(id: i64, roles: &[StaffRole]) -> StaffMember {
    member(id, roles, (8, 0), (18, 0))
}

/// The weekday clinic of New York with `chairs` chairs and these staff.
fn staffed_clinic(chairs: i64, members: Vec<StaffMember>) -> ClinicCalendar {
    let mut calendar = weekday_clinic(NEW_YORK, chairs);
    calendar.staffing.members = members;
    calendar
}

fn need(segment: Segment, role: StaffRole, patients_per_staff: Option<u32>) -> StaffNeed {
    StaffNeed {
        segment,
        role,
        patients_per_staff,
    }
}

/// An esketamine session booked on `chair` on `d` at `start` (hour,
/// minute): its chair and what it asks of staff under `needs`.
fn book(
    occupancy: &mut Occupancy,
    chair: i64,
    d: NaiveDate,
    start: (u32, u32),
    needs: &[StaffNeed],
) {
    let chair_time = presets::esketamine_nasal().chair_time;
    let from = at(NEW_YORK, d, start.0, start.1);
    let to = from + chair_time.total();
    occupancy.add(Booking {
        chair: ChairId(chair),
        interval: Interval::new(from, to),
    });
    occupancy.add_loads(loads(from, &chair_time, needs));
}

/// The local start times open on `d` for an esketamine session.
fn open_times(planner: &Planner, d: NaiveDate) -> Vec<(chrono::NaiveTime, ChairId)> {
    let protocol = presets::esketamine_nasal();
    planner
        .availability(&AvailabilityRequest {
            modality: protocol.modality,
            chair_time: protocol.chair_time,
            from: d,
            to: d,
            staffing: protocol.staffing.clone(),
        })
        .unwrap()
        .into_iter()
        .map(|o| (o.local_time, o.chair))
        .collect()
}

#[test]
fn staff_coverage_not_chairs_staggers_starts() {
    // Two esketamine patients start at 10:00 on chairs 1 and 2; chair 3 is
    // free. Two nurses and a prescriber are on all day. A third patient at
    // 10:00 would make three 1:1 pre-dose checks; at 09:45 or 10:15 her
    // dosing (or check) meets their checks (or dosing): three 1:1 nurses.
    // At 09:30 her 1:4 monitoring from 09:55 needs a third nurse beside the
    // two 1:1 patients. From 10:30 the two are in monitoring (one nurse
    // for both), which leaves one nurse for her check and dosing.
    let calendar = staffed_clinic(
        3,
        vec![
            all_day(1, &[Nurse]),
            all_day(2, &[Nurse]),
            all_day(3, &[Prescriber]),
        ],
    );
    let d = date(2026, 3, 2);
    let mut occupancy = Occupancy::new();
    for chair in [1, 2] {
        book(
            &mut occupancy,
            chair,
            d,
            (10, 0),
            &preset_needs(Modality::Intranasal),
        );
    }
    let protocol = presets::esketamine_nasal();
    let plan = plan_ten_am(&calendar, &occupancy, &protocol, d).unwrap();
    let first = plan.sessions[0];
    assert_eq!((first.local_date, first.local_time), (d, time(10, 30)));
    assert_eq!(first.chair, ChairId(3));
    // On chairs alone, chair 3 takes her at 10:00.
    let chairs_only = weekday_clinic(NEW_YORK, 3);
    let plan = plan_ten_am(&chairs_only, &occupancy, &protocol, d).unwrap();
    assert_eq!(plan.sessions[0].local_time, time(10, 0));
    assert_eq!(plan.sessions[0].chair, ChairId(3));
}

#[test]
fn staff_coverage_pools_the_patients_of_one_ratio() {
    // One nurse watches up to four in monitoring (the only need here).
    // With three booked at 09:00, a fourth joins them at 10:00; with four
    // booked, a fifth must keep her monitoring (25 minutes in, two hours
    // long) clear of theirs (09:25-11:25): 11:00 at the earliest.
    let calendar = staffed_clinic(5, vec![all_day(1, &[Nurse])]);
    let d = date(2026, 3, 2);
    let mut protocol = presets::esketamine_nasal();
    let needs = vec![need(Monitoring, Nurse, Some(4))];
    protocol.staffing = Some(needs.clone());
    let mut occupancy = Occupancy::new();
    for chair in 1..=3 {
        book(&mut occupancy, chair, d, (9, 0), &needs);
    }
    let plan = plan_ten_am(&calendar, &occupancy, &protocol, d).unwrap();
    assert_eq!(plan.sessions[0].local_time, time(10, 0));
    book(&mut occupancy, 4, d, (9, 0), &needs);
    let plan = plan_ten_am(&calendar, &occupancy, &protocol, d).unwrap();
    assert_eq!(plan.sessions[0].local_time, time(11, 0));
    assert_eq!(plan.sessions[0].chair, ChairId(5));
}

#[test]
fn staff_coverage_a_prescribers_day_off_moves_a_session() {
    let d = date(2026, 3, 2);
    let protocol = presets::esketamine_nasal();
    let mut prescriber = all_day(2, &[Prescriber]);
    let staff = |prescriber: StaffMember| staffed_clinic(1, vec![all_day(1, &[Nurse]), prescriber]);
    let plan = plan_in_empty_clinic(&staff(prescriber.clone()), &protocol, d).unwrap();
    assert_eq!(plan.sessions[0].local_date, d);
    prescriber.exceptions.push(ShiftException {
        kind: ShiftExceptionKind::Leave,
        span: ClosureSpan::Days { first: d, last: d },
    });
    let plan = plan_in_empty_clinic(&staff(prescriber), &protocol, d).unwrap();
    assert_eq!(plan.sessions[0].local_date, d + Duration::days(1));
    assert!(!dates(&plan.sessions).contains(&d));
}

#[test]
fn staff_coverage_a_day_at_another_site_is_a_day_off_this_floor() {
    let d = date(2026, 3, 2);
    let protocol = presets::esketamine_nasal();
    let mut prescriber = all_day(2, &[Prescriber]);
    prescriber.exceptions.push(ShiftException {
        kind: ShiftExceptionKind::OtherSite,
        span: ClosureSpan::Days { first: d, last: d },
    });
    let calendar = staffed_clinic(1, vec![all_day(1, &[Nurse]), prescriber]);
    let plan = plan_in_empty_clinic(&calendar, &protocol, d).unwrap();
    assert_eq!(plan.sessions[0].local_date, d + Duration::days(1));
}

#[test]
fn staff_coverage_part_day_leave_moves_the_time_not_the_day() {
    // The prescriber is away 09:00-13:00. Dosing runs 10 to 25 minutes in:
    // a session must start by 08:35 (08:30 on the grid, 90 minutes from
    // the patient's 10:00) or from 12:50 (13:00, 180 minutes away).
    let d = date(2026, 3, 2);
    let protocol = presets::esketamine_nasal();
    let mut prescriber = all_day(2, &[Prescriber]);
    prescriber.exceptions.push(ShiftException {
        kind: ShiftExceptionKind::Leave,
        span: ClosureSpan::Range {
            start: d.and_time(time(9, 0)),
            end: d.and_time(time(13, 0)),
        },
    });
    let calendar = staffed_clinic(1, vec![all_day(1, &[Nurse]), prescriber]);
    let plan = plan_in_empty_clinic(&calendar, &protocol, d).unwrap();
    let first = plan.sessions[0];
    assert_eq!((first.local_date, first.local_time), (d, time(8, 30)));
}

#[test]
fn staff_coverage_without_any_prescriber_is_infeasible() {
    let calendar = staffed_clinic(2, vec![all_day(1, &[Nurse]), all_day(2, &[Nurse])]);
    let why = infeasibility(plan_in_empty_clinic(
        &calendar,
        &presets::esketamine_nasal(),
        date(2026, 3, 2),
    ));
    assert_eq!(why.rule, Rule::StaffCoverage);
    assert_eq!(why.earliest_feasible, None);
}

#[test]
fn staff_coverage_one_person_fills_one_role_at_a_time() {
    // A nurse practitioner is both prescriber and nurse, but while an
    // esketamine patient doses she cannot be the prescriber on site and
    // the 1:1 nurse at once (each role alone is covered; both together
    // ask two people of one).
    let d = date(2026, 3, 2);
    let practitioner = all_day(1, &[Prescriber, Nurse]);
    let calendar = staffed_clinic(2, vec![practitioner.clone()]);
    let occupancy = Occupancy::new();
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    assert_eq!(open_times(&planner, d), []);
    let why = infeasibility(plan_in_empty_clinic(
        &calendar,
        &presets::esketamine_nasal(),
        d,
    ));
    assert_eq!(why.rule, Rule::StaffCoverage);
    // With one more nurse every start is open, as on chairs alone.
    let calendar = staffed_clinic(2, vec![practitioner, all_day(2, &[Nurse])]);
    let chairs_only = weekday_clinic(NEW_YORK, 2);
    assert_eq!(
        open_times(&Planner::new(&calendar, &occupancy).unwrap(), d),
        open_times(&Planner::new(&chairs_only, &occupancy).unwrap(), d),
    );
}

#[test]
fn staff_coverage_validation_names_an_uncovered_session() {
    // The nurse works 08:00-12:00: an esketamine session at 09:30 ends at
    // 11:55 and is covered; one at 10:00 runs to 12:25 without a nurse.
    let d = date(2026, 3, 2);
    let calendar = staffed_clinic(
        1,
        vec![
            member(1, &[Nurse], (8, 0), (12, 0)),
            all_day(2, &[Prescriber]),
        ],
    );
    let occupancy = Occupancy::new();
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let protocol = presets::esketamine_nasal();
    let session = |h, m| ProposedSession {
        chair: ChairId(1),
        start: at(NEW_YORK, d, h, m),
        end: at(NEW_YORK, d, h, m) + protocol.chair_time.total(),
    };
    let violations = |s| {
        planner
            .validate_sessions(&validation_request(&protocol, &[s]))
            .unwrap()
    };
    assert_eq!(violations(session(9, 30)), []);
    let found = violations(session(10, 0));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].rule, found[0].sequence),
        (Rule::StaffCoverage, Some(1))
    );
    assert!(found[0].detail.contains("nurse"), "{}", found[0].detail);
    // Availability offers 08:00 to 09:30 only.
    let open: Vec<_> = open_times(&planner, d)
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    let quarter_hours = (0..7)
        .map(|q| time(8 + q / 4, 15 * (q % 4)))
        .collect::<Vec<_>>();
    assert_eq!(open, quarter_hours);
}

#[test]
fn staff_coverage_validation_reads_the_shifts_of_the_whole_chair_time() {
    // FAILS (engine bug): the staff check of a proposed session looks at
    // the loads of its whole chair time from its start, but at the shifts
    // of the local dates of the interval as proposed. A session proposed
    // 23:30-23:59 for a 90-minute protocol is checked to 01:00, yet only
    // with Monday's shifts: Tuesday's 00:00-06:00 shift is not seen and
    // validation reports a shortfall at 00:00 that is not there (besides
    // the rightful ChairTime).
    let (mon, tue) = (date(2026, 3, 2), date(2026, 3, 3));
    let night_staff = |id| StaffMember {
        exceptions: vec![ShiftException {
            kind: ShiftExceptionKind::ExtraShift,
            span: ClosureSpan::Range {
                start: mon.and_time(time(23, 0)),
                end: tue.and_time(time(0, 0)),
            },
        }],
        ..member(id, &[Prescriber, Nurse], (0, 0), (6, 0))
    };
    let calendar = staffed_clinic(1, vec![night_staff(1), night_staff(2)]);
    let occupancy = Occupancy::new();
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let protocol = presets::iv_ketamine_standard();
    let start = at(NEW_YORK, mon, 23, 30);
    let rules = |end| -> Vec<Rule> {
        let session = [ProposedSession {
            chair: ChairId(1),
            start,
            end,
        }];
        let found = planner.validate_sessions(&validation_request(&protocol, &session));
        found.unwrap().into_iter().map(|v| v.rule).collect()
    };
    // As long as the chair time: outside opening hours, but covered.
    assert_eq!(
        rules(start + protocol.chair_time.total()),
        [Rule::OpeningHours]
    );
    assert_eq!(
        rules(at(NEW_YORK, mon, 23, 59)),
        [Rule::ChairTime, Rule::OpeningHours]
    );
}
