//! A clinician's correction of a session's record (domain rule 11): mark it
//! entered in error, or undo its last change. It is the one way a status
//! moves backwards, always with a reason and an event; the course is then
//! brought back into line (a dose owed again is rebooked, a replacement no
//! longer needed is cancelled).
//!
//! A correction that gives a session back a dose to come — booked, or
//! checked in — is judged as that dose would be today, because the course
//! has moved on since the change it undoes: the course runs, the session
//! belongs to the current series (not an ended phase, nor a series a
//! clinician restarted), the series still owes the dose, and a session
//! given back its chair finds it as a booking made by hand would (the
//! calendar's rules; its time may have passed, as a booking awaiting its
//! outcome does). Undoing the change on an omitted dose takes back the
//! omission: the dose counts again.

use crate::course::action::Correction;
use crate::course::counting::SeriesCount;
use crate::course::decision::CourseEvent;
use crate::course::draft::Draft;
use crate::course::guards;
use crate::course::model::{CourseSession, SessionId};
use crate::course::moves::calendar_violations_in_place;
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
    // An omitted dose's last change is the clinician's omission (its
    // status is the miss or cancellation the omission left).
    let omission = correction == Correction::UndoLastChange
        && session.omitted
        && session.status != SessionStatus::EnteredInError;
    if omission {
        take_back_omission(draft, &session, reason)?;
    } else {
        let to = corrected_status(&session, correction)?;
        may_become(draft, &session, to)?;
        draft.set_status(id, to, Some(reason));
        draft.event(CourseEvent::SessionCorrected {
            session: id,
            from: session.status,
            to,
        });
    }
    settle(draft, draft.at.tomorrow())?;
    not_undone_at_once(draft, &session)
}

/// The status the correction gives the session.
fn corrected_status(
    session: &CourseSession,
    correction: Correction,
) -> Result<SessionStatus, EngineError> {
    match correction {
        Correction::EnteredInError if session.status == SessionStatus::EnteredInError => {
            Err(Refusal::new(
                CourseRule::StatusOrder,
                format!("session {} is already entered in error", session.id.0),
            )
            .into())
        }
        Correction::EnteredInError => Ok(SessionStatus::EnteredInError),
        Correction::UndoLastChange => session.previous_status.ok_or_else(|| {
            Refusal::new(
                CourseRule::NothingToUndo,
                format!("session {} has no status change to undo", session.id.0),
            )
            .into()
        }),
    }
}

/// Whether the record may say `to` now: a dose of an ended phase stays as
/// it was counted; a dose to come again is judged as one booked today.
fn may_become(
    draft: &Draft,
    session: &CourseSession,
    to: SessionStatus,
) -> Result<(), EngineError> {
    use SessionStatus::*;
    let touches_a_dose = session.status == Completed || to == Completed;
    if touches_a_dose && phase_ended(draft, session) {
        return Err(Refusal::new(
            CourseRule::PhaseEnded,
            format!(
                "session {}'s phase has ended with its doses counted; its record stays",
                session.id.0
            ),
        )
        .into());
    }
    if to == Booked || (to == CheckedIn && !session.status.is_dose()) {
        dose_to_come(draft, session)?;
    }
    if to.is_dose() && !session.status.is_dose() {
        still_owed(draft, session, to)?;
    }
    if to.is_live() && !session.status.is_live() {
        place_still_free(draft, session)?;
    }
    Ok(())
}

/// Undoing the change on an omitted dose takes back the omission: the
/// series counts the dose again. A booking the omission cancelled is
/// booked again where it was if it still may be; otherwise it stays
/// cancelled and the owed dose is booked afresh inside the phase's rules.
/// (The record cannot tell a booking the omission cancelled from one the
/// desk cancelled before the clinician omitted the missed dose: both are
/// cancelled, booked before; both come back if they may.)
fn take_back_omission(
    draft: &mut Draft,
    session: &CourseSession,
    reason: &str,
) -> Result<(), EngineError> {
    if draft.course.status == CourseStatus::Ceased {
        return Err(Refusal::new(
            CourseRule::CourseOver,
            format!(
                "the course has ended; session {}'s omission stays",
                session.id.0
            ),
        )
        .into());
    }
    in_current_series(draft, session)?;
    draft.take_back_omission(session.id, reason);
    let was_booked = session.status == SessionStatus::Cancelled
        && session.previous_status == Some(SessionStatus::Booked);
    let to = if was_booked && booking_comes_back(draft, session)? {
        draft.set_status(session.id, SessionStatus::Booked, Some(reason));
        SessionStatus::Booked
    } else {
        session.status
    };
    draft.event(CourseEvent::SessionCorrected {
        session: session.id,
        from: session.status,
        to,
    });
    Ok(())
}

/// Whether a cancelled booking may be booked again where it was (the
/// rules a correction's booking passes); a broken rule only says no.
fn booking_comes_back(draft: &Draft, session: &CourseSession) -> Result<bool, EngineError> {
    let judged = dose_to_come(draft, session)
        .and_then(|()| still_owed(draft, session, SessionStatus::Booked))
        .and_then(|()| place_still_free(draft, session));
    match judged {
        Ok(()) => Ok(true),
        Err(EngineError::Refused(_) | EngineError::Violations(_)) => Ok(false),
        Err(other) => Err(other),
    }
}

/// A session's phase is over: the course moved past it, or completed.
fn phase_ended(draft: &Draft, session: &CourseSession) -> bool {
    session.phase < draft.course.phase || draft.course.status == CourseStatus::Completed
}

/// A dose to come (a booking, a patient checked in) needs a running
/// course: a course on hold or over holds none.
fn dose_to_come(draft: &Draft, session: &CourseSession) -> Result<(), EngineError> {
    guards::active(draft)?;
    in_current_series(draft, session)
}

/// The session belongs to the phase that runs and, in a series, to the
/// series a clinician last started: only those doses count.
fn in_current_series(draft: &Draft, session: &CourseSession) -> Result<(), EngineError> {
    let course = &draft.course;
    let whose = if session.phase != course.phase || phase_ended(draft, session) {
        "a phase that has ended"
    } else if !course.in_current_series(session) {
        "a series a clinician restarted"
    } else {
        return Ok(());
    };
    Err(Refusal::new(
        CourseRule::PhaseEnded,
        format!(
            "session {} belongs to {whose}: only a dose of the current series comes back",
            session.id.0
        ),
    )
    .into())
}

/// The series still owes the dose coming back (as `to`): the doses given
/// and under way stay within its number (a series must never end under a
/// dose being given), and a booking finds room after the doses given,
/// under way and booked before it. Bookings after it make way (`settle`
/// cancels the latest surplus, e.g. the replacement of an undone miss);
/// one without room would be cancelled again at once as not needed.
fn still_owed(
    draft: &Draft,
    session: &CourseSession,
    to: SessionStatus,
) -> Result<(), EngineError> {
    let course = &draft.course;
    let counted = session.phase == course.phase && course.in_current_series(session);
    let Some(rules) = course.current_series().filter(|_| counted) else {
        return Ok(()); // boosters are open-ended; an abandoned series counts nothing
    };
    let count = SeriesCount::of(course, course.phase, rules);
    let booked_before = match to {
        SessionStatus::Booked => course
            .series_sessions(course.phase)
            .iter()
            .filter(|s| s.status == SessionStatus::Booked && !s.omitted)
            .filter(|s| (s.start, s.id) < (session.start, session.id))
            .count() as u32,
        _ => 0,
    };
    if count.standing() + booked_before < count.target {
        return Ok(());
    }
    Err(Refusal::new(
        CourseRule::NothingToUndo,
        format!(
            "session {}'s dose is no longer owed: the series already has its doses booked (it holds {}; {} given or under way, {} booked before it)",
            session.id.0,
            count.target,
            count.standing(),
            booked_before
        ),
    )
    .into())
}

/// A session given back its chair must find it as a booking made there by
/// hand would: the calendar's rules, not the protocol's spacing. The chair
/// is also judged over the session's own interval (monitoring that ran
/// long is kept), which a booking by hand would take from the protocol.
fn place_still_free(draft: &Draft, session: &CourseSession) -> Result<(), EngineError> {
    let mut broken = calendar_violations_in_place(draft, session.id)?;
    let taken = broken.iter().any(|v| v.rule == Rule::ChairTaken);
    if !taken
        && !draft
            .at
            .planner
            .chair_is_free(session.chair, &session.interval())
    {
        broken.push(Violation::new(
            Rule::ChairTaken,
            None,
            format!(
                "chair {} was booked for another patient since",
                session.chair.0
            ),
        ));
    }
    if broken.is_empty() {
        Ok(())
    } else {
        Err(EngineError::Violations(broken))
    }
}

/// A correction the course's rules take back at once (a booking the
/// re-plan cancels again) would announce changes that did not happen: it
/// is refused instead.
fn not_undone_at_once(draft: &Draft, before: &CourseSession) -> Result<(), EngineError> {
    let after = draft.session(before.id)?;
    if after.status != before.status || after.omitted != before.omitted {
        return Ok(());
    }
    Err(Refusal::new(
        CourseRule::NothingToUndo,
        format!(
            "the course's rules would take the correction of session {} back at once; nothing changes",
            before.id.0
        ),
    )
    .into())
}
