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
    cancel_remaining(draft, id, reason)
}

/// "This and all remaining": nothing more is to be booked until a clinician
/// decides, so the course is put on hold rather than re-planned — and a
/// course on hold holds no booking to come. So "all remaining" starts from
/// the course's next booking: one still to come before the chosen session
/// is refused, not left booked on a course that cannot check it in.
/// Bookings whose time has passed unresolved go with the rest, as on pause.
fn cancel_remaining(draft: &mut Draft, id: SessionId, reason: &str) -> Result<(), EngineError> {
    let chosen = draft.session(id)?;
    let now = draft.now();
    let next = draft
        .course
        .sessions
        .iter()
        .filter(|s| s.status == SessionStatus::Booked && s.start >= now)
        .min_by_key(|s| (s.start, s.id));
    if let Some(next) = next.filter(|n| (n.start, n.id) < (chosen.start, chosen.id)) {
        return Err(Refusal::new(
            CourseRule::StatusOrder,
            format!(
                "session {} is booked before session {}: \"all remaining\" starts from the course's next booking, session {}",
                next.id.0, id.0, next.id.0
            ),
        )
        .into());
    }
    for other in draft.course.booked_ids() {
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
    keeps_its_doses(&SeriesCount::of(&draft.course, draft.course.phase, &rules))?;
    if session.status == SessionStatus::Booked {
        draft.cancel(id, reason);
    }
    draft.mark_omitted(id, reason);
    draft.event(CourseEvent::SessionOmitted(id));
    settle(draft, draft.at.tomorrow())
}

/// A series keeps at least one dose, and never fewer than the doses given
/// or under way: a patient checked in is dosed, and a series whose number
/// is reached ends — it must not end, or end over its number, under a dose
/// being given.
fn keeps_its_doses(count: &SeriesCount) -> Result<(), EngineError> {
    if count.target <= 1 {
        return Err(Refusal::new(
            CourseRule::LastDose,
            "a series keeps at least one dose; to stop treatment, end the course",
        )
        .into());
    }
    if count.standing() >= count.target {
        return Err(Refusal::new(
            CourseRule::LastDose,
            format!(
                "the series holds {} doses and {} are given or under way ({} completed, {} checked in): omitting one would leave it {}",
                count.target,
                count.standing(),
                count.completed,
                count.in_progress,
                count.target - 1
            ),
        )
        .into());
    }
    Ok(())
}
