//! The model's rules for a clinician's correction, kept apart from the
//! engine's: what a session may become again. A dose that comes back to
//! be given (booked, checked in) needs an active course and a place in the
//! current series; a dose that counts again must be owed (the doses given,
//! under way and booked before it leave it room); a session given back its
//! chair must find the calendar as a booking by hand would. Undoing the
//! change on an omitted dose takes back the omission.

use chairside_engine::course::*;
use chairside_engine::*;
use chrono::{Datelike, Duration, Timelike, Weekday};

use super::reading::{local_day, series_of, tally};
use super::verdict::{Refused, Verdict};
use crate::course::world::{time, World, NY};

pub(super) fn verdict(world: &World, s: &CourseSession, correction: Correction) -> Verdict {
    use SessionStatus::*;
    let course = &world.course;
    if correction == Correction::UndoLastChange && s.omitted && s.status != EnteredInError {
        return take_back_omission(world, s);
    }
    let to = match (correction, s.previous_status) {
        (Correction::EnteredInError, _) if s.status == EnteredInError => {
            return Verdict::refuse_by(CourseRule::StatusOrder, "already entered in error")
        }
        (Correction::EnteredInError, _) => EnteredInError,
        (Correction::UndoLastChange, None) => {
            return Verdict::refuse_by(CourseRule::NothingToUndo, "nothing to undo")
        }
        (Correction::UndoLastChange, Some(to)) => to,
    };
    let touches_a_dose = s.status == Completed || to == Completed;
    if touches_a_dose && phase_ended(course, s) {
        return Verdict::refuse_by(CourseRule::PhaseEnded, "a dose of an ended phase stays");
    }
    if to == Booked || (to == CheckedIn && !s.status.is_dose()) {
        if course.status != CourseStatus::Active {
            return Verdict::refuse_by(
                CourseRule::CourseActive,
                "a dose to come, course not active",
            );
        }
        if !in_current_series(course, s) {
            return Verdict::refuse_by(CourseRule::PhaseEnded, "not a dose of the current series");
        }
    }
    if to.is_dose() && !s.status.is_dose() && !owed(course, s, to, 0) {
        return Verdict::refuse_by(CourseRule::NothingToUndo, "the dose is no longer owed");
    }
    if to.is_live() && !s.status.is_live() {
        let broken = calendar_breaks(world, s);
        if !broken.is_empty() {
            return Verdict {
                how: Some(Refused::Breaks(broken)),
                ..Verdict::refuse("its place is no longer free")
            };
        }
    }
    Verdict {
        corrected_to: Some(to),
        ..Verdict::accept("a correction the course can take")
    }
}

/// The omission is taken back unless the course is over or the dose's
/// series is; a booking it cancelled comes back if a booking may.
fn take_back_omission(world: &World, s: &CourseSession) -> Verdict {
    use SessionStatus::*;
    let course = &world.course;
    if course.status == CourseStatus::Ceased {
        return Verdict::refuse_by(CourseRule::CourseOver, "the course has ended");
    }
    if !in_current_series(course, s) {
        return Verdict::refuse_by(CourseRule::PhaseEnded, "not a dose of the current series");
    }
    let rebooked = s.status == Cancelled
        && s.previous_status == Some(Booked)
        && course.status == CourseStatus::Active
        && owed(course, s, Booked, 1)
        && calendar_breaks(world, s).is_empty();
    Verdict {
        corrected_to: Some(if rebooked { Booked } else { s.status }),
        ..Verdict::accept("an omission taken back")
    }
}

fn phase_ended(course: &Course, s: &CourseSession) -> bool {
    s.phase < course.phase || course.status == CourseStatus::Completed
}

fn in_current_series(course: &Course, s: &CourseSession) -> bool {
    s.phase == course.phase
        && !phase_ended(course, s)
        && course.series_started_at.is_none_or(|t| s.start >= t)
}

/// Whether the current series owes the dose coming back as `to`, its
/// number raised by `more` (an omission taken back).
fn owed(course: &Course, s: &CourseSession, to: SessionStatus, more: u32) -> bool {
    let Some(rules) = course.current_series() else {
        return true;
    };
    let series = series_of(course, course.phase, course.series_started_at);
    if !series.iter().any(|x| x.id == s.id) {
        return true; // an abandoned series counts nothing
    }
    let t = tally(rules, &series);
    let booked_before = series
        .iter()
        .filter(|x| x.status == SessionStatus::Booked && !x.omitted)
        .filter(|x| (x.start, x.id) < (s.start, s.id))
        .count() as u32;
    let before = match to {
        SessionStatus::Booked => booked_before,
        _ => 0,
    };
    t.completed + t.in_progress + before < t.target + more
}

/// The calendar's rules a session at its own chair and start breaks (the
/// clinic of the model: Mon–Fri 08:00–18:00, day closures, other
/// patients' bookings, a start cap, the patient's other sessions).
pub(super) fn calendar_breaks(world: &World, s: &CourseSession) -> Vec<Rule> {
    let interval = s.interval();
    let (start, end) = (s.start.with_timezone(&NY), s.end.with_timezone(&NY));
    let day = start.date_naive();
    let mut broken = Vec::new();
    let open = !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
        && end.date_naive() == day
        && start.time() >= time(8, 0)
        && end.time() <= time(18, 0);
    if !open {
        broken.push(Rule::OpeningHours);
    }
    if world.calendar.closures.iter().any(|c| closes(c, s)) {
        broken.push(Rule::Closure);
    }
    if !world.others.is_free(s.chair, &interval) {
        broken.push(Rule::ChairTaken);
    }
    if let Some(cap) = world.calendar.max_starts_per_slot {
        let grid = i64::from(world.calendar.start_grid_minutes);
        let minutes = i64::from(start.time().hour()) * 60 + i64::from(start.time().minute());
        let from = s.start - Duration::minutes(minutes % grid);
        if world
            .others
            .starts_within(from, from + Duration::minutes(grid))
            >= cap
        {
            broken.push(Rule::StartsPerSlot);
        }
    }
    broken.extend(patient_busy(world, s));
    broken.sort_by_key(|r| format!("{r:?}"));
    broken.dedup();
    broken
}

fn closes(closure: &Closure, s: &CourseSession) -> bool {
    let applies = match closure.scope {
        ClosureScope::Clinic => true,
        ClosureScope::Chair(c) => c == s.chair,
    };
    match closure.span {
        ClosureSpan::Days { first, last } => {
            applies && (first..=last).contains(&local_day(s.start))
        }
        _ => unreachable!("the model's clinic closes whole days"),
    }
}

/// The patient is elsewhere at that time (overlap), or that day — and a
/// series judged whole has two doses that day.
fn patient_busy(world: &World, s: &CourseSession) -> Vec<Rule> {
    let course = &world.course;
    let interval = s.interval();
    let series = matches!(course.protocol.phases[s.phase].kind, PhaseKind::Series(_));
    let same_day_dose = course.sessions.iter().any(|o| {
        o.id != s.id
            && o.phase == s.phase
            && o.status.is_dose()
            && (o.phase != course.phase || course.series_started_at.is_none_or(|t| o.start >= t))
            && local_day(o.start) == local_day(s.start)
    });
    let mut broken = match series && same_day_dose {
        true => vec![Rule::OnePerDay],
        false => Vec::new(),
    };
    let own = world
        .course
        .sessions
        .iter()
        .filter(|o| o.id != s.id && o.status.is_live())
        .map(CourseSession::interval);
    broken.extend(
        world
            .elsewhere
            .iter()
            .copied()
            .chain(own)
            .filter(|o| o.overlaps(&interval) || local_day(o.start) == local_day(s.start))
            .map(|o| match o.overlaps(&interval) {
                true => Rule::PatientOverlap,
                false => Rule::OnePerDay,
            }),
    );
    broken
}
