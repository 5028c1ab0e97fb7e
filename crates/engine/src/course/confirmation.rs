//! The patient's answer to a reminder, as a reminder integration reports
//! it. *Confirmed* records when (a move forgets it). *Declined* cancels the
//! booking as a miss: the dose is still owed and is rebooked inside the
//! phase's rules, or the course goes at risk. *Asked to move* moves it to
//! the next best time. Inside the clinic's late-cancellation notice
//! (`settings.late_cancellation_notice_hours`) either is a **late
//! cancellation**: the booking is cancelled and marked so — it binds the
//! patient — and the owed dose is rebooked. A clinician's change is never
//! one: only this action marks it.

use chrono::{DateTime, Duration, Utc};

use crate::course::action::{ReminderAnswer, Target};
use crate::course::draft::Draft;
use crate::course::guards::{self, in_status};
use crate::course::model::SessionId;
use crate::course::moves;
use crate::course::refusal::{CourseRule, Refusal};
use crate::course::settle::settle;
use crate::course::status::SessionStatus;
use crate::error::EngineError;

/// Whether a patient's change at `now` to a session starting at `start`
/// comes less than `notice_hours` before it.
pub fn inside_the_notice(start: DateTime<Utc>, now: DateTime<Utc>, notice_hours: u32) -> bool {
    start - now < Duration::hours(i64::from(notice_hours))
}

pub(crate) fn answer(
    draft: &mut Draft,
    id: SessionId,
    answer: ReminderAnswer,
) -> Result<(), EngineError> {
    let session = draft.session(id)?.clone();
    guards::active(draft)?;
    in_status(
        &session,
        SessionStatus::Booked,
        "only a booked session is answered",
    )?;
    let now = draft.now();
    if session.start <= now {
        return Err(Refusal::new(
            CourseRule::StatusOrder,
            format!(
                "session {} has started: a reminder is answered before it; check the patient in or mark a no-show",
                id.0
            ),
        )
        .into());
    }
    let late = inside_the_notice(
        session.start,
        now,
        draft.at.settings.late_cancellation_notice_hours,
    );
    match answer {
        ReminderAnswer::Confirmed => {
            draft.confirm(id, now);
            Ok(())
        }
        ReminderAnswer::Declined | ReminderAnswer::AskedToMove if late => {
            draft.mark_late_cancellation(id);
            draft.cancel(id, "the patient cancelled inside the notice period");
            settle(draft, draft.at.tomorrow())
        }
        ReminderAnswer::Declined => {
            draft.cancel(id, "the patient declined the reminder");
            settle(draft, draft.at.tomorrow())
        }
        ReminderAnswer::AskedToMove => moves::reschedule(
            draft,
            id,
            &Target::NextBest { not_before: None },
            "the patient asked to move",
            None,
        ),
    }
}
