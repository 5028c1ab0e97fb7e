//! A clinician's decisions about the whole course: pause, resume, cease
//! (end it early), and the answer to an at-risk course (accept the
//! extension, or restart the series).

use chrono::NaiveDate;

use crate::calendar::Modality;
use crate::course::action::AtRiskChoice;
use crate::course::decision::CourseEvent;
use crate::course::draft::Draft;
use crate::course::guards;
use crate::course::model::{OtherCourse, SessionId};
use crate::course::refusal::{CourseRule, Refusal};
use crate::course::settle::settle;
use crate::course::status::{CourseStatus, SessionStatus};
use crate::error::EngineError;
use crate::plan::PhaseRequest;

/// How soon a restarted series must begin.
pub const RESTART_WITHIN_DAYS: u32 = 56;

fn booked(draft: &Draft, phase: Option<usize>) -> Vec<SessionId> {
    draft
        .course
        .sessions
        .iter()
        .filter(|s| s.status == SessionStatus::Booked && phase.is_none_or(|p| s.phase == p))
        .map(|s| s.id)
        .collect()
}

pub(crate) fn pause(draft: &mut Draft, reason: &str) -> Result<(), EngineError> {
    guards::clinical(draft.at.actor, "pausing a course")?;
    let reason = guards::reason("reason", reason)?;
    guards::active(draft)?;
    for id in booked(draft, None) {
        draft.cancel(id, reason);
    }
    draft.course.status = CourseStatus::Paused;
    draft.event(CourseEvent::Paused);
    Ok(())
}

pub(crate) fn resume(
    draft: &mut Draft,
    from: Option<NaiveDate>,
    reason: &str,
) -> Result<(), EngineError> {
    guards::clinical(draft.at.actor, "resuming a course")?;
    guards::reason("reason", reason)?;
    if draft.course.status != CourseStatus::Paused {
        return Err(Refusal::new(
            CourseRule::CoursePaused,
            format!(
                "only a paused course resumes; this one is {}",
                draft.course.status
            ),
        )
        .into());
    }
    one_running_course(draft)?;
    let tomorrow = draft.at.tomorrow();
    let from = from.unwrap_or(tomorrow);
    if from < tomorrow {
        return Err(EngineError::invalid(
            "from",
            format!("{from} is before tomorrow ({tomorrow}), the first day a re-plan books"),
        ));
    }
    draft.course.status = CourseStatus::Active;
    draft.event(CourseEvent::Resumed { from });
    settle(draft, from)
}

/// A patient has at most one running course of each kind (a second IV
/// induction while one runs is a mistake, not a plan).
pub(crate) fn one_running_course(draft: &Draft) -> Result<(), EngineError> {
    let modality = draft.course.modality();
    let others = draft.at.other_courses;
    match running_course_of_kind(others, modality, Some(draft.course.id)) {
        Some(other) => Err(already_running(other, modality)),
        None => Ok(()),
    }
}

/// The patient's running course of this kind other than `except`, if any:
/// while it runs, another of its kind may not start or resume, and an
/// appointment of its kind brought in from the old system joins it.
pub fn running_course_of_kind(
    others: &[OtherCourse],
    modality: Modality,
    except: Option<i64>,
) -> Option<&OtherCourse> {
    others
        .iter()
        .find(|c| Some(c.id) != except && c.status.is_running() && c.modality == modality)
}

/// The refusal of a second running course of a kind.
pub(crate) fn already_running(other: &OtherCourse, modality: Modality) -> EngineError {
    let mut refusal = Refusal::new(
        CourseRule::OneRunningCourse,
        format!(
            "the patient's course {} of the same kind ({}) is running; pause, end or complete it first",
            other.id,
            modality.as_str()
        ),
    );
    refusal.other_course = Some(other.id);
    refusal.into()
}

pub(crate) fn cease(draft: &mut Draft, reason: &str) -> Result<(), EngineError> {
    guards::clinical(draft.at.actor, "ending a course")?;
    let reason = guards::reason("reason", reason)?;
    if draft.course.status.is_over() {
        return Err(Refusal::new(
            CourseRule::CourseOver,
            format!("the course is already {}", draft.course.status),
        )
        .into());
    }
    for id in booked(draft, None) {
        draft.cancel(id, reason);
    }
    draft.course.status = CourseStatus::Ceased;
    draft.course.at_risk = None;
    draft.event(CourseEvent::Discontinued);
    Ok(())
}

pub(crate) fn decide_at_risk(
    draft: &mut Draft,
    choice: AtRiskChoice,
    reason: &str,
) -> Result<(), EngineError> {
    guards::clinical(draft.at.actor, "deciding an at-risk course")?;
    guards::reason("reason", reason)?;
    guards::active(draft)?;
    let Some(was) = draft.course.at_risk.take() else {
        return Err(Refusal::new(CourseRule::AtRisk, "the course is not at risk").into());
    };
    match choice {
        AtRiskChoice::AcceptExtension => draft.course.extension_accepted = true,
        AtRiskChoice::RestartSeries => restart_series(draft)?,
    }
    draft.event(CourseEvent::AtRiskDecided { choice, was });
    settle(draft, draft.at.tomorrow())
}

/// The series begins again: its bookings are cancelled, doses given so far
/// no longer count, and a fresh series is planned from tomorrow.
fn restart_series(draft: &mut Draft) -> Result<(), EngineError> {
    if draft.course.current_series().is_none() {
        return Err(Refusal::new(
            CourseRule::SeriesOnly,
            "boosters are open-ended: change the spacing instead of restarting",
        )
        .into());
    }
    let phase = draft.course.phase;
    let booked = booked(draft, Some(phase));
    let busy = draft.busy_except(&booked);
    let plan = draft.at.planner.plan_phase(&PhaseRequest {
        protocol: &draft.course.protocol,
        phase,
        preferences: &draft.at.patient.preferences,
        earliest: draft.at.tomorrow(),
        first_within_days: RESTART_WITHIN_DAYS,
        patient_sessions: &busy,
        previous_session: None,
    })?;
    for id in booked {
        draft.cancel(id, "the series restarts");
    }
    draft.course.series_started_at = Some(draft.now());
    draft.course.extension_accepted = false;
    for session in &plan.sessions {
        draft.book(phase, session);
    }
    Ok(())
}
