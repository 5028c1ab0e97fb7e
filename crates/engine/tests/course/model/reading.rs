//! How the model reads a course: clinic days, placements, a series' own
//! count (kept apart from the engine's `SeriesCount`, which it checks), and
//! the course in words for a failure's trace.

use chairside_engine::course::*;
use chairside_engine::*;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};

use crate::course::world::NY;

/// A property's outcome: the reason it fails.
pub(super) type Check = Result<(), String>;

/// The reason every action the model takes gives.
pub(super) const REASON: &str = "model step";

pub(super) fn local_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&NY).date_naive()
}

pub(super) fn midnight(d: NaiveDate) -> DateTime<Utc> {
    NY.from_local_datetime(&d.and_time(NaiveTime::MIN))
        .earliest()
        .expect("midnight exists in New York")
        .with_timezone(&Utc)
}

pub(super) fn placement(s: &CourseSession) -> Placement {
    Placement {
        chair: s.chair,
        start: s.start,
        end: s.end,
    }
}

pub(super) fn short(s: &CourseSession) -> String {
    format!(
        "#{} p{} seq{} {} {} chair{} {}{}",
        s.id.0,
        s.phase,
        s.sequence,
        s.start.with_timezone(&NY).format("%a %m-%d %H:%M"),
        s.status,
        s.chair.0,
        if s.omitted { "omitted " } else { "" },
        s.previous_status
            .map(|p| format!("(was {p})"))
            .unwrap_or_default()
    )
}

pub(super) fn describe(course: &Course) -> String {
    let mut sessions: Vec<&CourseSession> = course.sessions.iter().collect();
    sessions.sort_by_key(|s| (s.phase, s.start, s.id));
    let mut out = format!(
        "course {} phase {} at_risk {} extension {} series_from {:?} policy {:?}\n",
        course.status,
        course.phase,
        course.at_risk.as_ref().map_or("no", |r| r.reason.as_str()),
        course.extension_accepted,
        course
            .series_started_at
            .map(|t| t.with_timezone(&NY).to_string()),
        course.booster_policy.map(|p| p.interval_days),
    );
    for s in sessions {
        out.push_str("    ");
        out.push_str(&short(s));
        out.push('\n');
    }
    out
}

/// The sessions of `phase` from `from` on (the current series), in time order.
pub(super) fn series_of(
    course: &Course,
    phase: usize,
    from: Option<DateTime<Utc>>,
) -> Vec<&CourseSession> {
    let mut sessions: Vec<&CourseSession> = course
        .sessions
        .iter()
        .filter(|s| s.phase == phase && from.is_none_or(|t| s.start >= t))
        .collect();
    sessions.sort_by_key(|s| (s.start, s.id));
    sessions
}

/// The model's own count of a series (domain: counting): the protocol's
/// number less the omitted doses; completed, under way and booked doses.
#[derive(Debug)]
pub(super) struct Tally {
    pub target: u32,
    pub completed: u32,
    pub in_progress: u32,
    pub booked: u32,
}

pub(super) fn tally(rules: &SeriesRules, series: &[&CourseSession]) -> Tally {
    let count = |status| {
        series
            .iter()
            .filter(|s| s.status == status && !s.omitted)
            .count() as u32
    };
    let omitted = series.iter().filter(|s| s.omitted).count() as u32;
    Tally {
        target: (rules.sessions.max(0) as u32).saturating_sub(omitted),
        completed: count(SessionStatus::Completed),
        in_progress: count(SessionStatus::CheckedIn),
        booked: count(SessionStatus::Booked),
    }
}

pub(super) fn series_rules(protocol: &Protocol, phase: usize) -> Option<&SeriesRules> {
    match &protocol.phases.get(phase)?.kind {
        PhaseKind::Series(rules) => Some(rules),
        PhaseKind::Boosters(_) => None,
    }
}

/// The event a status change in the normal course of a day announces.
pub(super) fn status_event(id: SessionId, to: SessionStatus) -> Option<CourseEvent> {
    Some(match to {
        SessionStatus::CheckedIn => CourseEvent::SessionCheckedIn(id),
        SessionStatus::Completed => CourseEvent::SessionCompleted(id),
        SessionStatus::NotDosed => CourseEvent::SessionNotDosed(id),
        SessionStatus::NoShow => CourseEvent::SessionNoShow(id),
        SessionStatus::Cancelled => CourseEvent::SessionCancelled(id),
        _ => return None,
    })
}

pub(super) fn sorted(events: Vec<CourseEvent>) -> Vec<String> {
    let mut names: Vec<String> = events.iter().map(|e| format!("{e:?}")).collect();
    names.sort();
    names
}
