//! A clinician's correction of a session's record (domain rule 11): mark it
//! entered in error, or undo its last status change. It is the one way a
//! status moves backwards, always with a reason and an event; the course is
//! then brought back into line (a dose owed again is rebooked, a
//! replacement no longer needed is cancelled).

use crate::course::action::Correction;
use crate::course::decision::CourseEvent;
use crate::course::draft::Draft;
use crate::course::guards;
use crate::course::model::SessionId;
use crate::course::refusal::{CourseRule, Refusal};
use crate::course::settle::settle;
use crate::course::status::{CourseStatus, SessionStatus};
use crate::error::EngineError;
use crate::rules::{Rule, Violation};

pub(crate) fn correct(
    draft: &mut Draft,
    id: SessionId,
    correction: Correction,
    reason: &str,
) -> Result<(), EngineError> {
    guards::clinical(draft.at.actor, "correcting a session's record")?;
    let reason = guards::reason("reason", reason)?;
    let session = draft.session(id)?.clone();
    let to = match correction {
        Correction::EnteredInError => {
            if session.status == SessionStatus::EnteredInError {
                return Err(Refusal::new(
                    CourseRule::StatusOrder,
                    format!("session {} is already entered in error", id.0),
                )
                .into());
            }
            SessionStatus::EnteredInError
        }
        Correction::UndoLastChange => session.previous_status.ok_or_else(|| {
            Refusal::new(
                CourseRule::NothingToUndo,
                format!("session {} has no status change to undo", id.0),
            )
        })?,
    };
    let touches_a_dose =
        session.status == SessionStatus::Completed || to == SessionStatus::Completed;
    if touches_a_dose
        && (session.phase < draft.course.phase || draft.course.status == CourseStatus::Completed)
    {
        return Err(Refusal::new(
            CourseRule::PhaseEnded,
            format!(
                "session {}'s phase has ended with its doses counted; its record stays",
                id.0
            ),
        )
        .into());
    }
    if to.is_live() && !session.status.is_live() {
        chair_still_free(draft, id)?;
    }
    draft.set_status(id, to, Some(reason));
    draft.event(CourseEvent::SessionCorrected {
        session: id,
        from: session.status,
        to,
    });
    settle(draft, draft.at.tomorrow())
}

/// A session given back its chair must find the chair and the patient free.
fn chair_still_free(draft: &Draft, id: SessionId) -> Result<(), EngineError> {
    let session = draft.session(id)?;
    let interval = session.interval();
    let mut taken = Vec::new();
    if !draft.at.planner.chair_is_free(session.chair, &interval) {
        taken.push(Violation::new(
            Rule::ChairTaken,
            None,
            format!(
                "chair {} was booked for another patient since",
                session.chair.0
            ),
        ));
    }
    if draft
        .busy_except(&[id])
        .iter()
        .any(|busy| busy.overlaps(&interval))
    {
        taken.push(Violation::new(
            Rule::PatientOverlap,
            None,
            "the patient has another session at that time now",
        ));
    }
    if taken.is_empty() {
        Ok(())
    } else {
        Err(EngineError::Violations(taken))
    }
}
