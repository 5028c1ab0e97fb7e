//! Whether the staff on the floor can cover one more session, minute by
//! minute and by trying every assignment of people to roles.
//!
//! Written from the model, not the engine's `Coverage`: a member is on the
//! floor during a weekly shift (wall clock, each date converted with the
//! oracle's own [`boundary`]) or an extra shift, and not during a leave. At
//! each minute in which the new session asks for someone, every (role,
//! ratio) group of patients — booked ones and the new one — asks for
//! ⌈patients / ratio⌉ people, or one person "on site"; the minute is
//! covered if some assignment of the members on the floor, each to one of
//! their roles or to nothing, gives every role as many people as it asks.
//! Every boundary in a generated case falls on a whole minute, so looking
//! at each minute's first instant sees every change.

use std::collections::BTreeMap;

use chairside_engine::{
    ClinicCalendar, ClosureSpan, Load, Modality, Protocol, Segment, ShiftExceptionKind, StaffNeed,
    StaffRole,
};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};

use super::{boundary, local, Span};

/// One session of the patient's protocol as the oracle reads it: the
/// treatment, the minutes of its three parts, and the protocol's own needs.
#[derive(Clone, Debug)]
pub struct Treatment {
    pub modality: Modality,
    /// Pre-dose check, dosing and monitoring, in minutes.
    pub parts: [i64; 3],
    pub own_needs: Option<Vec<StaffNeed>>,
}

impl Treatment {
    pub fn of(protocol: &Protocol) -> Self {
        let c = protocol.chair_time;
        Treatment {
            modality: protocol.modality,
            parts: [
                c.pre_dose_check_minutes.into(),
                c.treatment_minutes.into(),
                c.monitoring_minutes.into(),
            ],
            own_needs: protocol.staffing.clone(),
        }
    }

    /// The whole chair time.
    pub fn duration(&self) -> Duration {
        Duration::minutes(self.parts.iter().sum())
    }

    /// The part a minute `m` minutes after the start falls in.
    fn segment_at(&self, m: i64) -> Option<Segment> {
        let [check, dosing, monitoring] = self.parts;
        match m {
            _ if m < 0 => None,
            _ if m < check => Some(Segment::PreDoseCheck),
            _ if m < check + dosing => Some(Segment::Dosing),
            _ if m < check + dosing + monitoring => Some(Segment::Monitoring),
            _ => None,
        }
    }
}

/// The staff of a clinic and what its booked sessions ask of them.
pub(super) struct Floor<'a> {
    calendar: &'a ClinicCalendar,
    loads: &'a [Load],
    /// Per member: extra shifts and leave, as instants.
    exceptions: Vec<(Vec<Span>, Vec<Span>)>,
}

/// A member on the floor around one session: roles, and when on and off.
struct Duty<'m> {
    roles: &'m [StaffRole],
    on: Vec<Span>,
    off: Vec<Span>,
}

impl Duty<'_> {
    fn at(&self, t: DateTime<Utc>) -> bool {
        let inside = |s: &Span| s.0 <= t && t < s.1;
        self.on.iter().any(inside) && !self.off.iter().any(inside)
    }
}

fn role_index(role: StaffRole) -> usize {
    StaffRole::ALL.iter().position(|r| *r == role).unwrap()
}

impl<'a> Floor<'a> {
    pub fn new(calendar: &'a ClinicCalendar, loads: &'a [Load]) -> Self {
        let zone = calendar.zone;
        let span = |span: ClosureSpan| match span {
            ClosureSpan::Days { first, last } => (
                boundary(zone, first.and_time(NaiveTime::MIN)),
                boundary(zone, (last + Duration::days(1)).and_time(NaiveTime::MIN)),
            ),
            ClosureSpan::Range { start, end } => (boundary(zone, start), boundary(zone, end)),
            ClosureSpan::Instants { start, end } => (start, end),
        };
        let exceptions = calendar
            .staffing
            .members
            .iter()
            .map(|m| {
                let of = |kinds: &'static [ShiftExceptionKind]| {
                    let chosen = m.exceptions.iter().filter(move |e| kinds.contains(&e.kind));
                    chosen.map(|e| span(e.span)).collect()
                };
                (
                    of(&[ShiftExceptionKind::ExtraShift]),
                    of(&[ShiftExceptionKind::Leave, ShiftExceptionKind::OtherSite]),
                )
            })
            .collect();
        Floor {
            calendar,
            loads,
            exceptions,
        }
    }

    /// Every member's duty around `session`: weekly shifts of the dates
    /// from the day before it to the day after, extra shifts, leave.
    fn duty(&self, session: Span) -> Vec<Duty<'a>> {
        let zone = self.calendar.zone;
        let first = local(zone, session.0).date() - Duration::days(1);
        let last = local(zone, session.1).date() + Duration::days(1);
        let dates: Vec<NaiveDate> = first.iter_days().take_while(|d| *d <= last).collect();
        let members = &self.calendar.staffing.members;
        members
            .iter()
            .zip(&self.exceptions)
            .map(|(m, (extra, leave))| {
                let mut on: Vec<Span> = extra.clone();
                for d in &dates {
                    on.extend(m.shifts.on(d.weekday()).iter().map(|r| {
                        (
                            boundary(zone, d.and_time(r.opens)),
                            boundary(zone, d.and_time(r.closes)),
                        )
                    }));
                }
                Duty {
                    roles: &m.roles,
                    on,
                    off: leave.clone(),
                }
            })
            .collect()
    }

    /// Whether a session of the treatment starting at `start` keeps every
    /// patient covered at every minute it asks for someone.
    pub fn covers(&self, treatment: &Treatment, start: DateTime<Utc>) -> bool {
        let staffing = &self.calendar.staffing;
        if staffing.members.is_empty() {
            return true;
        }
        let needs = staffing.needs_for_modality(treatment.modality, treatment.own_needs.as_deref());
        let session = (start, start + treatment.duration());
        let booked: Vec<&Load> = self
            .loads
            .iter()
            .filter(|l| l.interval.start < session.1 && session.0 < l.interval.end)
            .collect();
        let duty = self.duty(session);
        for m in 0..treatment.duration().num_minutes() {
            let t = start + Duration::minutes(m);
            let segment = treatment.segment_at(m);
            let mine: Vec<&StaffNeed> = needs
                .iter()
                .filter(|n| Some(n.segment) == segment)
                .collect();
            if mine.is_empty() {
                continue;
            }
            let asked = asked_per_role(&booked, &mine, t);
            let present: Vec<&[StaffRole]> =
                duty.iter().filter(|d| d.at(t)).map(|d| d.roles).collect();
            if !assignable(&present, asked) {
                return false;
            }
        }
        true
    }
}

/// People each role asks for at `t`: the booked loads active then and the
/// new session's needs, pooled by (role, ratio).
fn asked_per_role(booked: &[&Load], mine: &[&StaffNeed], t: DateTime<Utc>) -> [u32; 3] {
    let mut patients: BTreeMap<(StaffRole, Option<u32>), u32> = BTreeMap::new();
    for l in booked {
        if l.interval.start <= t && t < l.interval.end {
            *patients.entry((l.role, l.patients_per_staff)).or_default() += 1;
        }
    }
    for n in mine {
        *patients.entry((n.role, n.patients_per_staff)).or_default() += 1;
    }
    let mut asked = [0u32; 3];
    for ((role, ratio), count) in patients {
        asked[role_index(role)] += match ratio {
            Some(n) => count.div_ceil(n),
            None => 1,
        };
    }
    asked
}

/// Whether the people present, each taking one of their roles or none,
/// can give every role what it asks: every assignment is tried.
fn assignable(present: &[&[StaffRole]], asked: [u32; 3]) -> bool {
    let Some((first, rest)) = present.split_first() else {
        return asked == [0; 3];
    };
    if assignable(rest, asked) {
        return true;
    }
    first.iter().any(|role| {
        let mut left = asked;
        let i = role_index(*role);
        left[i] = left[i].saturating_sub(1);
        assignable(rest, left)
    })
}
