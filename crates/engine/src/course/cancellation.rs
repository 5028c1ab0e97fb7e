//! Cancelling and omitting (domain rule 4). A cancellation by the patient
//! or the desk is a miss: the dose is still owed and is rebooked inside the
//! phase's rules, or the course goes at risk. *Omit* is a clinician's
//! decision to give one dose fewer: the series counts one dose less.

use crate::course::counting::SeriesCount;
use crate::course::decision::CourseEvent;
use crate::course::draft::Draft;
use crate::course::guards::{self, in_status};
use crate::course::model::SessionId;
use crate::course::refusal::{CourseRule, Refusal};
use crate::course::settle::settle;
use crate::course::status::{CourseStatus, SessionStatus};
use crate::error::EngineError;

pub(crate) fn cancel(
    draft: &mut Draft,
    id: SessionId,
    reason: &str,
    remaining: bool,
) -> Result<(), EngineError> {
    let reason = guards::reason("reason", reason)?;
    let session = draft.session(id)?.clone();
    guards::active(draft)?;
    in_status(
        &session,
        SessionStatus::Booked,
        "only a booked session is cancelled",
    )?;
    if !remaining {
        draft.cancel(id, reason);
        return settle(draft, draft.at.tomorrow());
    }
    // "All remaining": nothing more is to be booked until a clinician
    // decides, so the course is put on hold rather than re-planned.
    let later: Vec<SessionId> = draft
        .course
        .sessions
        .iter()
        .filter(|s| s.status == SessionStatus::Booked && s.start >= session.start)
        .map(|s| s.id)
        .collect();
    for other in later {
        draft.cancel(other, reason);
    }
    draft.course.status = CourseStatus::Paused;
    draft.event(CourseEvent::Paused);
    Ok(())
}

pub(crate) fn omit(draft: &mut Draft, id: SessionId, reason: &str) -> Result<(), EngineError> {
    guards::clinical(draft.at.actor, "omitting a dose")?;
    let reason = guards::reason("reason", reason)?;
    let session = draft.session(id)?.clone();
    guards::active(draft)?;
    let Some(rules) = draft.course.current_series().cloned() else {
        return Err(Refusal::new(
            CourseRule::SeriesOnly,
            "boosters are open-ended: cancel the booster or change the spacing instead",
        )
        .into());
    };
    if session.phase != draft.course.phase || !draft.course.in_current_series(&session) {
        return Err(Refusal::new(
            CourseRule::PhaseEnded,
            format!(
                "session {} is not part of the current series; only its doses can be omitted",
                id.0
            ),
        )
        .into());
    }
    if session.omitted {
        return Err(Refusal::new(
            CourseRule::StatusOrder,
            format!("session {}'s dose is already omitted", id.0),
        )
        .into());
    }
    if !(session.status == SessionStatus::Booked || session.status.is_miss()) {
        return Err(Refusal::new(
            CourseRule::StatusOrder,
            format!(
                "session {} is {}: only a booked or missed dose can be omitted",
                id.0, session.status
            ),
        )
        .into());
    }
    let count = SeriesCount::of(&draft.course, draft.course.phase, &rules);
    if count.target <= 1 {
        return Err(Refusal::new(
            CourseRule::LastDose,
            "a series keeps at least one dose; to stop treatment, end the course",
        )
        .into());
    }
    if session.status == SessionStatus::Booked {
        draft.cancel(id, reason);
    }
    draft.mark_omitted(id, reason);
    draft.event(CourseEvent::SessionOmitted(id));
    settle(draft, draft.at.tomorrow())
}
