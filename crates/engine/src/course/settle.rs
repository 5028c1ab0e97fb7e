//! After every change, the course is brought back into line with its
//! rules: a series that reached its number of doses ends and the next phase
//! starts; a dose still owed is booked inside the phase's rules, or the
//! course goes at risk for a clinician to decide (domain rule 4); a dose no
//! longer needed is cancelled; boosters stay booked ahead.

use chrono::NaiveDate;

use crate::booster::BoosterRequest;
use crate::course::counting::SeriesCount;
use crate::course::decision::CourseEvent;
use crate::course::draft::Draft;
use crate::course::model::{CourseSession, SessionId};
use crate::course::status::{CourseStatus, SessionStatus};
use crate::error::EngineError;
use crate::infeasible::Infeasibility;
use crate::local_time::local_date;
use crate::plan::{PhaseRequest, PlannedSession};
use crate::preferences::PatientPreferences;
use crate::protocol::{PhaseKind, SeriesRules};
use crate::replan::ReplanRequest;
use crate::rules::Violation;
use crate::series::series_violations;

/// How soon the first session of a phase that follows another must be.
pub const NEXT_PHASE_WITHIN_DAYS: u32 = 28;

/// Why a course goes at risk, in the clinic's words.
pub(crate) const SERIES_OUTSIDE_RULES: &str =
    "the series cannot keep its rules with the doses still owed";
const NEXT_PHASE_UNPLANNABLE: &str = "the next phase cannot be planned within its rules";
const BOOSTER_UNPLACEABLE: &str =
    "the next booster cannot be placed within the clinician's spacing";

/// Brings an active course back into line, booking nothing before `earliest`.
pub(crate) fn settle(draft: &mut Draft, earliest: NaiveDate) -> Result<(), EngineError> {
    // Each pass ends a phase or returns: at most one pass per phase.
    for _ in 0..=draft.course.protocol.phases.len() {
        if draft.course.status != CourseStatus::Active {
            return Ok(());
        }
        let phase = draft.course.phase;
        let rules = match &draft.course.protocol.phase(phase)?.kind {
            PhaseKind::Boosters(_) => return keep_boosters_booked(draft, earliest),
            PhaseKind::Series(rules) => rules.clone(),
        };
        let count = SeriesCount::of(&draft.course, phase, &rules);
        if !count.is_complete() {
            return keep_series(draft, &rules, count, earliest);
        }
        start_next_phase(draft, earliest)?;
    }
    Ok(())
}

/// The current series reached its number: it ends, and the next phase
/// starts (a series is planned from the last dose; boosters are booked by
/// the next pass) or the course is complete.
fn start_next_phase(draft: &mut Draft, earliest: NaiveDate) -> Result<(), EngineError> {
    let phase = draft.course.phase;
    for id in ids(&draft.course.series_sessions(phase), SessionStatus::Booked) {
        draft.cancel(id, "not needed: the series has all its doses");
    }
    let zone = draft.at.zone();
    let last_dose = draft
        .course
        .series_sessions(phase)
        .iter()
        .filter(|s| s.status == SessionStatus::Completed)
        .map(|s| local_date(zone, s.start))
        .max();
    draft.course.at_risk = None;
    draft.course.extension_accepted = false;
    draft.course.series_started_at = None;
    draft.event(CourseEvent::PhaseCompleted { phase });
    let next = phase + 1;
    if next == draft.course.protocol.phases.len() {
        draft.course.status = CourseStatus::Completed;
        draft.event(CourseEvent::CourseCompleted);
        return Ok(());
    }
    draft.course.phase = next;
    if !matches!(
        draft.course.protocol.phases[next].kind,
        PhaseKind::Series(_)
    ) {
        return Ok(());
    }
    let busy = draft.busy_except(&[]);
    let plan = draft.at.planner.plan_phase(&PhaseRequest {
        protocol: &draft.course.protocol,
        phase: next,
        preferences: &draft.at.patient.preferences,
        earliest: earliest.max(draft.at.tomorrow()),
        first_within_days: NEXT_PHASE_WITHIN_DAYS,
        patient_sessions: &busy,
        previous_session: last_dose,
    });
    match plan {
        Ok(plan) => {
            for session in &plan.sessions {
                draft.book(next, session);
            }
            Ok(())
        }
        Err(EngineError::Infeasible(why)) => {
            draft.flag_at_risk(NEXT_PHASE_UNPLANNABLE, vec![as_violation(&why)]);
            Ok(())
        }
        Err(other) => Err(other),
    }
}

/// A series not yet complete: book what is owed, cancel what is not, and
/// flag the course at risk when its sessions cannot keep the rules.
fn keep_series(
    draft: &mut Draft,
    rules: &SeriesRules,
    count: SeriesCount,
    earliest: NaiveDate,
) -> Result<(), EngineError> {
    let phase = draft.course.phase;
    let to_book = count.to_book();
    // A dose no longer owed is cancelled even while a clinician decides:
    // a booking held beyond the series' number could be checked in, and
    // the series would then end under a dose being given.
    if to_book < 0 {
        cancel_surplus(draft, phase, to_book.unsigned_abs() as usize);
    }
    if draft.course.at_risk.is_some() {
        return Ok(()); // a clinician decides how the owed doses are booked
    }
    if to_book > 0 {
        book_owed(draft, count, to_book as usize, earliest)?;
    }
    if draft.course.at_risk.is_none() && !draft.course.extension_accepted {
        let violations = series_violations(rules, &dose_dates(draft, phase));
        if !violations.is_empty() {
            draft.flag_at_risk(SERIES_OUTSIDE_RULES, violations);
        }
    }
    Ok(())
}

/// More booked than owed (an omitted dose, an undone miss): the latest
/// bookings go. Only bookings the count counts are surplus (an omitted
/// dose is never booked; were one, it is not a dose).
fn cancel_surplus(draft: &mut Draft, phase: usize, surplus: usize) {
    let series = draft.course.series_sessions(phase);
    let counted: Vec<&CourseSession> = series.into_iter().filter(|s| !s.omitted).collect();
    let booked = ids(&counted, SessionStatus::Booked);
    for id in booked.iter().rev().take(surplus) {
        draft.cancel(*id, "not needed: the series has its doses booked");
    }
}

/// Books the doses still owed: least disruption first (every booking stays
/// and the missing doses follow them); else the rest of the series is
/// planned again around the doses given; else the course goes at risk.
fn book_owed(
    draft: &mut Draft,
    count: SeriesCount,
    missing: usize,
    earliest: NaiveDate,
) -> Result<(), EngineError> {
    let earliest = earliest.max(draft.at.tomorrow());
    let preferences = preferences_for_owed(draft);
    if append_owed(draft, missing, earliest, &preferences) {
        return Ok(());
    }
    replan_around_given(draft, count, earliest, &preferences)
}

/// The patient's preferences for an owed dose: a day the patient missed
/// or cancelled is not offered again for the dose it was to give.
fn preferences_for_owed(draft: &Draft) -> PatientPreferences {
    let zone = draft.at.zone();
    let mut preferences = draft.at.patient.preferences.clone();
    preferences.unavailable_dates.extend(
        draft
            .course
            .series_sessions(draft.course.phase)
            .iter()
            .filter(|s| s.status.is_miss())
            .map(|s| local_date(zone, s.start)),
    );
    preferences
}

/// Every booking stays and the missing doses follow them, if that keeps
/// the series' rules; whether they were booked.
fn append_owed(
    draft: &mut Draft,
    missing: usize,
    earliest: NaiveDate,
    preferences: &PatientPreferences,
) -> bool {
    let phase = draft.course.phase;
    let appended = draft.at.planner.replan_series(&ReplanRequest {
        protocol: &draft.course.protocol,
        phase,
        kept: &dose_dates(draft, phase),
        remaining: missing,
        earliest,
        preferences,
        patient_sessions: &draft.busy_except(&[]),
    });
    match appended {
        Ok(appended) if !appended.at_risk() => {
            for session in &appended.sessions {
                draft.book(phase, session);
            }
            true
        }
        _ => false,
    }
}

/// The rest of the series planned again around the doses given (its
/// bookings may move), or the course at risk if no plan keeps the rules
/// and no extension was accepted.
fn replan_around_given(
    draft: &mut Draft,
    count: SeriesCount,
    earliest: NaiveDate,
    preferences: &PatientPreferences,
) -> Result<(), EngineError> {
    let phase = draft.course.phase;
    let zone = draft.at.zone();
    let series = draft.course.series_sessions(phase);
    let booked = ids(&series, SessionStatus::Booked);
    let given: Vec<NaiveDate> = series
        .iter()
        .filter(|s| {
            matches!(
                s.status,
                SessionStatus::Completed | SessionStatus::CheckedIn
            )
        })
        .map(|s| local_date(zone, s.start))
        .collect();
    let replan = draft.at.planner.replan_series(&ReplanRequest {
        protocol: &draft.course.protocol,
        phase,
        kept: &given,
        remaining: count.target.saturating_sub(count.standing()) as usize,
        earliest,
        preferences,
        patient_sessions: &draft.busy_except(&booked),
    });
    match replan {
        Ok(replan) if !replan.at_risk() || draft.course.extension_accepted => {
            replace_booked(draft, phase, &booked, &replan.sessions);
            Ok(())
        }
        Ok(replan) => {
            draft.flag_at_risk(SERIES_OUTSIDE_RULES, replan.violations);
            Ok(())
        }
        Err(EngineError::Infeasible(why)) => {
            draft.flag_at_risk(SERIES_OUTSIDE_RULES, vec![as_violation(&why)]);
            Ok(())
        }
        Err(other) => Err(other),
    }
}

/// Makes the booked sessions of a phase equal to a plan: a booking already
/// where the plan puts a session stays; the others are cancelled and the
/// rest of the plan is booked.
pub(crate) fn replace_booked(
    draft: &mut Draft,
    phase: usize,
    booked: &[SessionId],
    plan: &[PlannedSession],
) {
    let same = |s: &CourseSession, p: &PlannedSession| {
        s.chair == p.chair && s.start == p.start && s.end == p.end
    };
    let mut kept = Vec::new();
    for id in booked {
        let session = draft.course.session(*id).expect("booked session").clone();
        match plan.iter().position(|p| same(&session, p)) {
            Some(i) => kept.push(i),
            None => draft.cancel(*id, "moved by a re-plan of the course"),
        }
    }
    for (i, planned) in plan.iter().enumerate() {
        if !kept.contains(&i) {
            draft.book(phase, planned);
        }
    }
}

/// In the booster phase, the clinic's `boosters_ahead` boosters stay
/// booked, each planned from the dose before it.
fn keep_boosters_booked(draft: &mut Draft, earliest: NaiveDate) -> Result<(), EngineError> {
    if draft.course.at_risk.is_some() {
        return Ok(());
    }
    let phase = draft.course.phase;
    let booked = draft
        .course
        .sessions
        .iter()
        .filter(|s| s.phase == phase && s.status == SessionStatus::Booked)
        .count();
    let wanted = draft.at.settings.boosters_ahead as usize;
    if booked >= wanted {
        return Ok(());
    }
    let Some(policy) = draft.course.policy() else {
        return Ok(());
    };
    let zone = draft.at.zone();
    let not_before = earliest.max(draft.at.tomorrow());
    let previous = draft
        .course
        .sessions
        .iter()
        .filter(|s| s.status.is_dose())
        .map(|s| local_date(zone, s.start))
        .max()
        .unwrap_or(not_before);
    let busy = draft.busy_except(&[]);
    let proposed = draft.at.planner.propose_boosters(&BoosterRequest {
        protocol: &draft.course.protocol,
        policy: &policy,
        previous_session: previous,
        count: wanted - booked,
        not_before,
        first_sequence: 1,
        preferences: &draft.at.patient.preferences,
        patient_sessions: &busy,
    });
    match proposed {
        Ok(proposed) => {
            for session in &proposed {
                draft.book(phase, session);
            }
            Ok(())
        }
        Err(EngineError::Infeasible(why)) => {
            draft.flag_at_risk(BOOSTER_UNPLACEABLE, vec![as_violation(&why)]);
            Ok(())
        }
        Err(other) => Err(other),
    }
}

/// Local dates of the doses of the current series: given, under way, booked.
fn dose_dates(draft: &Draft, phase: usize) -> Vec<NaiveDate> {
    let zone = draft.at.zone();
    let mut dates: Vec<NaiveDate> = draft
        .course
        .series_sessions(phase)
        .iter()
        .filter(|s| s.status.is_dose())
        .map(|s| local_date(zone, s.start))
        .collect();
    dates.sort();
    dates
}

/// The ids of the sessions in a status, in the given (time) order.
fn ids(sessions: &[&CourseSession], status: SessionStatus) -> Vec<SessionId> {
    sessions
        .iter()
        .filter(|s| s.status == status)
        .map(|s| s.id)
        .collect()
}

/// An infeasibility as the violation an at-risk flag shows.
pub(crate) fn as_violation(why: &Infeasibility) -> Violation {
    Violation {
        rule: why.rule,
        sequence: None,
        detail: why.to_string(),
    }
}
