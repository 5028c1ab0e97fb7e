//! Moving one session (defer: the rest keeps its link to the course and its
//! times) and adding one at a chosen time. A chosen time is judged: the
//! calendar's rules (hours, closures, a taken chair) are absolute; the
//! protocol's spacing may be overridden by a clinician with a reason.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::booster::BoosterRequest;
use crate::calendar::ChairId;
use crate::course::action::Target;
use crate::course::counting::SeriesCount;
use crate::course::decision::Placement;
use crate::course::draft::Draft;
use crate::course::guards::{self, given, in_status};
use crate::course::model::{CourseSession, SessionId};
use crate::course::refusal::{CourseRule, Refusal};
use crate::course::settle::settle;
use crate::course::status::SessionStatus;
use crate::error::EngineError;
use crate::infeasible::Infeasibility;
use crate::local_time::local_date;
use crate::plan::PlannedSession;
use crate::protocol::PhaseKind;
use crate::replan::DeferRequest;
use crate::rules::{Rule, Violation};
use crate::validate::{ProposedSession, ValidationRequest};

/// The protocol rules a clinician may override with a reason.
pub fn overridable(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::MinGap
            | Rule::MaxGap
            | Rule::Span
            | Rule::WeeklyCap
            | Rule::BoosterFloor
            | Rule::BoosterCeiling
    )
}

pub(crate) fn reschedule(
    draft: &mut Draft,
    id: SessionId,
    to: &Target,
    reason: &str,
    override_reason: Option<&str>,
) -> Result<(), EngineError> {
    let reason = guards::reason("reason", reason)?;
    let session = draft.session(id)?.clone();
    guards::active(draft)?;
    in_status(
        &session,
        SessionStatus::Booked,
        "only a booked session moves",
    )?;
    let placement = match *to {
        Target::At { chair, start } => {
            not_past(draft, "to", start)?;
            judge(
                draft,
                session.phase,
                chair,
                start,
                override_reason,
                Some(id),
            )?
        }
        Target::NextBest { not_before } => next_best(draft, id, not_before)?,
    };
    draft.place(id, placement, reason);
    settle(draft, draft.at.tomorrow())
}

pub(crate) fn add_session(
    draft: &mut Draft,
    chair: Option<ChairId>,
    start: DateTime<Utc>,
    override_reason: Option<&str>,
) -> Result<(), EngineError> {
    guards::active(draft)?;
    book_owed_dose(draft, chair, start, override_reason)?;
    settle(draft, draft.at.tomorrow())
}

/// Books one dose the current phase still owes at a chosen time, judged as
/// a booking made by hand (the course is not yet brought back into line).
pub(crate) fn book_owed_dose(
    draft: &mut Draft,
    chair: Option<ChairId>,
    start: DateTime<Utc>,
    override_reason: Option<&str>,
) -> Result<(), EngineError> {
    not_past(draft, "at", start)?;
    let phase = draft.course.phase;
    if let Some(rules) = draft.course.current_series().cloned() {
        let count = SeriesCount::of(&draft.course, phase, &rules);
        if count.to_book() <= 0 {
            return Err(EngineError::Violations(vec![Violation::new(
                Rule::SessionCount,
                None,
                format!(
                    "the series holds {} doses for this course and all are given or booked",
                    count.target
                ),
            )]));
        }
    }
    let placement = judge(draft, phase, chair, start, override_reason, None)?;
    draft.book(
        phase,
        &PlannedSession {
            sequence: 0,
            chair: placement.chair,
            start: placement.start,
            end: placement.end,
            local_date: local_date(draft.at.zone(), placement.start),
            local_time: crate::local_time::to_local(draft.at.zone(), placement.start).time(),
        },
    );
    Ok(())
}

pub(crate) fn not_past(
    draft: &Draft,
    field: &str,
    start: DateTime<Utc>,
) -> Result<(), EngineError> {
    if start < draft.now() {
        return Err(EngineError::invalid(
            field,
            format!("{start} is in the past"),
        ));
    }
    Ok(())
}

/// The earliest day from `not_before` that keeps the phase's rules.
fn next_best(
    draft: &Draft,
    id: SessionId,
    not_before: Option<NaiveDate>,
) -> Result<Placement, EngineError> {
    let session = draft.session(id)?;
    let current = local_date(draft.at.zone(), session.start);
    let not_before = not_before
        .unwrap_or(current + Duration::days(1))
        .max(draft.at.tomorrow());
    let placed = match &draft.course.protocol.phase(session.phase)?.kind {
        PhaseKind::Series(_) => next_best_dose(draft, session, not_before)?,
        PhaseKind::Boosters(_) => next_best_booster(draft, session, not_before)?,
    };
    Ok(Placement {
        chair: placed.chair,
        start: placed.start,
        end: placed.end,
    })
}

/// A dose of a series moves to the earliest day that keeps the series'
/// rules with every other dose where it is.
fn next_best_dose(
    draft: &Draft,
    session: &CourseSession,
    not_before: NaiveDate,
) -> Result<PlannedSession, EngineError> {
    let zone = draft.at.zone();
    let course = &draft.course;
    let doses: Vec<_> = course
        .series_sessions(session.phase)
        .into_iter()
        .filter(|s| s.status.is_dose())
        .collect();
    // A booking outside the current series (one a restart abandoned) has
    // no place in the series to keep.
    let Some(moving) = doses.iter().position(|s| s.id == session.id) else {
        return Err(Refusal::new(
            CourseRule::PhaseEnded,
            format!(
                "session {} is not a dose of the current series: it has no next best day in it",
                session.id.0
            ),
        )
        .into());
    };
    let dates: Vec<NaiveDate> = doses.iter().map(|s| local_date(zone, s.start)).collect();
    let moved = draft.at.planner.defer_session(&DeferRequest {
        protocol: &course.protocol,
        phase: session.phase,
        dates: &dates,
        moving,
        not_before,
        preferences: &draft.at.patient.preferences,
        patient_sessions: &draft.busy_except(&[session.id]),
    })?;
    if moved.at_risk() {
        return Err(EngineError::Violations(moved.violations));
    }
    Ok(moved.sessions[0])
}

/// A booster moves to the first day the clinician's spacing allows after
/// the dose before it.
fn next_best_booster(
    draft: &Draft,
    session: &CourseSession,
    not_before: NaiveDate,
) -> Result<PlannedSession, EngineError> {
    let zone = draft.at.zone();
    let course = &draft.course;
    let current = local_date(zone, session.start);
    let policy = course.policy().expect("a booster phase has a policy");
    let previous = course
        .sessions
        .iter()
        .filter(|s| s.id != session.id && s.status.is_dose())
        .map(|s| local_date(zone, s.start))
        .filter(|d| *d < current)
        .max()
        .unwrap_or(not_before);
    let proposed = draft.at.planner.propose_boosters(&BoosterRequest {
        protocol: &course.protocol,
        policy: &policy,
        previous_session: previous,
        count: 1,
        not_before,
        first_sequence: session.sequence,
        preferences: &draft.at.patient.preferences,
        patient_sessions: &draft.busy_except(&[session.id]),
    })?;
    Ok(proposed[0])
}

/// Chooses the chair (the one given, or the first free suitable one in the
/// clinic's order) and judges a session of `phase` starting at `start`.
pub(crate) fn judge(
    draft: &mut Draft,
    phase: usize,
    chair: Option<ChairId>,
    start: DateTime<Utc>,
    override_reason: Option<&str>,
    moving: Option<SessionId>,
) -> Result<Placement, EngineError> {
    let end = start + draft.course.protocol.chair_time.total();
    let (chair, violations) = match chair {
        Some(chair) => (chair, violations_at(draft, phase, chair, start, moving)?),
        None => choose_chair(draft, phase, start, moving)?,
    };
    let (soft, hard): (Vec<Violation>, Vec<Violation>) =
        violations.into_iter().partition(|v| overridable(v.rule));
    if !hard.is_empty() {
        return Err(EngineError::Violations(hard));
    }
    if !soft.is_empty() {
        if given(override_reason).is_none() {
            return Err(EngineError::Violations(soft));
        }
        guards::clinical(draft.at.actor, "booking outside the protocol's rules")?;
        if draft.course.current_series().is_some() && phase == draft.course.phase {
            // The clinician accepted a series outside its spacing rules.
            draft.course.extension_accepted = true;
        }
    }
    Ok(Placement { chair, start, end })
}

/// The first suitable chair without a calendar problem, else the first
/// suitable chair and its problems.
fn choose_chair(
    draft: &Draft,
    phase: usize,
    start: DateTime<Utc>,
    moving: Option<SessionId>,
) -> Result<(ChairId, Vec<Violation>), EngineError> {
    let modality = draft.course.protocol.modality;
    let candidates: Vec<ChairId> = draft
        .at
        .planner
        .calendar()
        .chairs
        .iter()
        .filter(|c| c.can_host(modality))
        .map(|c| c.id)
        .collect();
    let chair_blockers = [
        Rule::ChairTaken,
        Rule::Closure,
        Rule::ChairInactive,
        Rule::ChairModality,
        Rule::UnknownChair,
        Rule::StartsPerSlot,
    ];
    let mut first = None;
    for chair in candidates {
        let found = violations_at(draft, phase, chair, start, moving)?;
        if !found.iter().any(|v| chair_blockers.contains(&v.rule)) {
            return Ok((chair, found));
        }
        first.get_or_insert((chair, found));
    }
    first.ok_or_else(|| {
        Infeasibility {
            rule: Rule::NoSuitableChair,
            detail: "no active chair supports this treatment".into(),
            earliest_feasible: None,
        }
        .into()
    })
}

/// The rules a session would break if it held its own chair and start
/// again, judged as a booking made there by hand: the calendar's rules
/// (chair taken, closure, opening hours, starts per slot, one session a
/// day, the patient elsewhere). Not the protocol's spacing, which a
/// clinician may break and `settle` flags, nor the series' count, which
/// the course's own count judges (it knows the omitted doses). Its time
/// may have passed: a session given back its place waits for its outcome.
pub(crate) fn calendar_violations_in_place(
    draft: &Draft,
    id: SessionId,
) -> Result<Vec<Violation>, EngineError> {
    let session = draft.session(id)?;
    let found = violations_at(draft, session.phase, session.chair, session.start, Some(id))?;
    Ok(found
        .into_iter()
        .filter(|v| !overridable(v.rule) && v.rule != Rule::SessionCount)
        .collect())
}

/// Every rule a session of `phase` on `chair` at `start` would break.
fn violations_at(
    draft: &Draft,
    phase: usize,
    chair: ChairId,
    start: DateTime<Utc>,
    moving: Option<SessionId>,
) -> Result<Vec<Violation>, EngineError> {
    let course = &draft.course;
    let zone = draft.at.zone();
    let date = local_date(zone, start);
    let except = moving.map(|m| vec![m]).unwrap_or_default();
    let others = course
        .sessions
        .iter()
        .filter(|s| s.status.is_dose() && Some(s.id) != moving);
    let boosters = matches!(course.protocol.phase(phase)?.kind, PhaseKind::Boosters(_));
    // A series is judged whole; a booster against the dose before it and
    // the boosters after it (what came before is history).
    let standing: Vec<NaiveDate> = others
        .clone()
        .filter(|s| s.phase == phase && course.in_current_series(s))
        .map(|s| local_date(zone, s.start))
        .filter(|d| !boosters || *d > date)
        .collect();
    let previous_session = others
        .filter(|s| s.phase < phase || (boosters && s.phase == phase))
        .map(|s| local_date(zone, s.start))
        .filter(|d| *d < date)
        .max();
    let policy = course.policy();
    draft.at.planner.validate_sessions(&ValidationRequest {
        protocol: &course.protocol,
        phase,
        standing: &standing,
        sessions: &[ProposedSession {
            chair,
            start,
            end: start + course.protocol.chair_time.total(),
        }],
        previous_session,
        booster_policy: policy.as_ref(),
        patient_sessions: &draft.busy_except(&except),
    })
}
