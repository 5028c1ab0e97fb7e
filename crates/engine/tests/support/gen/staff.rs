//! The staff of a case, in a good share of cases: one to three members with
//! some roles each, weekly shifts on the opening-hours grid, now and then a
//! leave or an extra shift; sometimes the clinic's or the protocol's own
//! ratios. And what the other patients' booked sessions ask of staff.

use chairside_engine::staff::needs::preset_needs;
use chairside_engine::*;
use chrono::{Duration, NaiveDate};
use proptest::prelude::*;

use super::clinic::{hours, minutes};
use super::Shape;
use crate::support::wall_clock::{minute, WEEK};

/// (kind, day offset, length days, start minute, length minutes)
type RawException = (u8, i64, i64, u32, i64);
/// (roles, weekly shifts, exceptions)
type RawMember = (usize, WeeklyHours, Vec<RawException>);
/// (segment and role, ratio)
type RawNeeds = Vec<(usize, Option<u32>)>;
/// (members, the clinic's needs for the protocol's modality, the protocol's)
type RawStaffing = (Vec<RawMember>, Option<RawNeeds>, Option<RawNeeds>);
/// Per booking: (whether it asks anything of staff, tenths of it in the
/// pre-dose check, tenths of the rest in dosing, the preset it follows)
type RawLoad = (bool, i64, i64, usize);
pub(super) type RawStaff = (Option<RawStaffing>, Vec<RawLoad>);

/// What each member may do: the first someone who may prescribe (most
/// clinics have one), the others mostly nurses.
const LEADS: &[&[StaffRole]] = &[
    &[StaffRole::Prescriber],
    &[StaffRole::Prescriber, StaffRole::Nurse],
    &[StaffRole::Prescriber, StaffRole::Nurse],
    &[
        StaffRole::Prescriber,
        StaffRole::Nurse,
        StaffRole::MedicalAssistant,
    ],
];
const OTHERS: &[&[StaffRole]] = &[
    &[StaffRole::Nurse],
    &[StaffRole::Nurse],
    &[StaffRole::Nurse],
    &[StaffRole::Prescriber],
    &[StaffRole::Prescriber, StaffRole::Nurse],
    &[StaffRole::MedicalAssistant],
    &[StaffRole::Nurse, StaffRole::MedicalAssistant],
];

const MODALITIES: [Modality; 3] = [Modality::Iv, Modality::Intranasal, Modality::Im];

/// Staff in the shape's share of cases; booking loads always (a clinic
/// without staff must ignore them).
pub(super) fn raw_staff(shape: Shape) -> BoxedStrategy<RawStaff> {
    let member = (
        0..LEADS.len() * OTHERS.len(),
        shifts(shape),
        exceptions(shape),
    );
    let staffing = (
        prop_oneof![1 => Just(1usize), 4 => Just(2), 3 => Just(3)]
            .prop_flat_map(move |n| prop::collection::vec(member.clone(), n)),
        prop::option::weighted(0.15, raw_needs()),
        prop::option::weighted(0.15, raw_needs()),
    );
    let load = (prop::bool::weighted(0.8), 0..=2i64, 1..=4i64, 0..3usize);
    // `weighted` wants a probability below 1.
    let staffing = if shape.staffed < 1.0 {
        prop::option::weighted(shape.staffed, staffing).boxed()
    } else {
        staffing.prop_map(Some).boxed()
    };
    (staffing, prop::collection::vec(load, shape.max_bookings)).boxed()
}

/// Random opening-hours-like weeks, or the whole grid every day.
fn shifts(shape: Shape) -> BoxedStrategy<WeeklyHours> {
    let (first, last, _) = shape.hours;
    let every_day = WeeklyHours::uniform(&WEEK, minute(first), minute(last));
    prop_oneof![1 => hours(shape), 1 => Just(every_day)].boxed()
}

fn exceptions(shape: Shape) -> BoxedStrategy<Vec<RawException>> {
    let days = if shape.dst_nights { 0..3i64 } else { 0..20i64 };
    let start = if shape.overnight > 0 {
        prop_oneof![2 => minutes(6 * 60, 20 * 60, 15), 1 => minutes(0, 6 * 60, 30)].boxed()
    } else {
        minutes(6 * 60, 20 * 60, 15)
    };
    let exception = (
        0..3u8,
        days,
        0..3i64,
        start,
        (1..=32i64).prop_map(|q| q * 15),
    );
    prop_oneof![2 => Just(Vec::new()), 1 => prop::collection::vec(exception, 1..=2)].boxed()
}

fn raw_needs() -> BoxedStrategy<RawNeeds> {
    let ratio = prop::option::weighted(0.7, 1..=4u32);
    prop::collection::vec((0..9usize, ratio), 0..=4).boxed()
}

/// Needs from their numbers: each (segment, role) once, the first given.
fn needs(raw: RawNeeds) -> Vec<StaffNeed> {
    let mut needs: Vec<StaffNeed> = Vec::new();
    for (pair, patients_per_staff) in raw {
        let segment = Segment::ALL[pair / 3];
        let role = StaffRole::ALL[pair % 3];
        if !needs.iter().any(|n| n.segment == segment && n.role == role) {
            needs.push(StaffNeed {
                segment,
                role,
                patients_per_staff,
            });
        }
    }
    needs
}

fn exception(day: &impl Fn(i64) -> NaiveDate, raw: RawException) -> ShiftException {
    let (kind, offset, days, start, length) = raw;
    let range = || {
        let start = day(offset).and_time(minute(start));
        ClosureSpan::Range {
            start,
            end: start + Duration::minutes(length),
        }
    };
    match kind {
        0 => ShiftException {
            kind: ShiftExceptionKind::Leave,
            span: ClosureSpan::Days {
                first: day(offset),
                last: day(offset + days),
            },
        },
        1 => ShiftException {
            kind: ShiftExceptionKind::OtherSite,
            span: range(),
        },
        _ => ShiftException {
            kind: ShiftExceptionKind::ExtraShift,
            span: range(),
        },
    }
}

/// The clinic's staffing, and the protocol's own needs if it has some.
pub(super) fn staffing(
    day: impl Fn(i64) -> NaiveDate,
    modality: Modality,
    raw: Option<RawStaffing>,
) -> (Staffing, Option<Vec<StaffNeed>>) {
    let Some((members, clinic, protocol)) = raw else {
        return (Staffing::default(), None);
    };
    let members = members
        .into_iter()
        .zip(1..)
        .map(|((roles, shifts, exceptions), id)| StaffMember {
            id: StaffId(id),
            roles: if id == 1 {
                LEADS[roles % LEADS.len()].to_vec()
            } else {
                OTHERS[roles % OTHERS.len()].to_vec()
            },
            shifts,
            exceptions: exceptions.into_iter().map(|e| exception(&day, e)).collect(),
        })
        .collect();
    let ratios = clinic
        .map(|raw| StaffRatios {
            modality,
            needs: needs(raw),
        })
        .into_iter()
        .collect();
    (Staffing { members, ratios }, protocol.map(needs))
}

/// What each booking asks of staff: its length split into check, dosing
/// and monitoring, each segment with the needs the clinic keeps for the
/// booking's treatment (its own ratios, else the preset's).
pub(super) fn booking_loads(
    staffing: &Staffing,
    bookings: &[Booking],
    raw: Vec<RawLoad>,
) -> Vec<Load> {
    let mut loads = Vec::new();
    for (booking, (asks, check, dosing, preset)) in bookings.iter().zip(raw) {
        if !asks {
            continue;
        }
        let modality = MODALITIES[preset];
        let needs = match staffing.ratios.iter().find(|r| r.modality == modality) {
            Some(own) => own.needs.clone(),
            None => preset_needs(modality),
        };
        let Interval { start, end } = booking.interval;
        let length = (end - start).num_minutes();
        let check = length * check / 10;
        let dosing = check + (length - check) * dosing / 10;
        let bounds = [
            start,
            start + Duration::minutes(check),
            start + Duration::minutes(dosing),
            end,
        ];
        for (i, segment) in Segment::ALL.iter().enumerate() {
            if bounds[i] == bounds[i + 1] {
                continue;
            }
            let interval = Interval::new(bounds[i], bounds[i + 1]);
            loads.extend(
                needs
                    .iter()
                    .filter(|n| n.segment == *segment)
                    .map(|n| Load {
                        interval,
                        role: n.role,
                        patients_per_staff: n.patients_per_staff,
                    }),
            );
        }
    }
    loads
}
