//! Freed chair time that saves an at-risk course. A course goes at risk
//! when its series cannot keep its rules with the chairs there were; a
//! cancellation may free the very time it lacked. Taking that time is not a
//! clinician's decision (nothing is broken, no extension accepted): the
//! owed dose is booked there (or a booked dose moves there), the course is
//! brought back into line, and if every rule holds again it is no longer
//! at risk. If it would still be at risk, the time is refused: it saves
//! nothing, and someone else may gain from it.

use chrono::{DateTime, Utc};

use crate::calendar::ChairId;
use crate::course::decision::CourseEvent;
use crate::course::draft::Draft;
use crate::course::guards::{self, in_status};
use crate::course::model::SessionId;
use crate::course::moves::{book_owed_dose, judge, not_past};
use crate::course::refusal::{CourseRule, Refusal};
use crate::course::settle::settle;
use crate::course::status::SessionStatus;
use crate::error::EngineError;

/// The freed time at `start` on `chair` for an at-risk course: the owed
/// dose booked there, or (`moving`) a booked dose moved there, within the
/// rules and without an override.
pub(crate) fn rescue(
    draft: &mut Draft,
    chair: ChairId,
    start: DateTime<Utc>,
    moving: Option<SessionId>,
) -> Result<(), EngineError> {
    guards::active(draft)?;
    let Some(was) = draft.course.at_risk.take() else {
        return Err(Refusal::new(CourseRule::AtRisk, "the course is not at risk").into());
    };
    match moving {
        Some(id) => {
            let session = draft.session(id)?.clone();
            in_status(
                &session,
                SessionStatus::Booked,
                "only a booked session moves",
            )?;
            not_past(draft, "start", start)?;
            let placement = judge(draft, session.phase, Some(chair), start, None, Some(id))?;
            draft.place(
                id,
                placement,
                "freed chair time keeps the course inside its rules",
            );
        }
        None => book_owed_dose(draft, Some(chair), start, None)?,
    }
    settle(draft, draft.at.tomorrow())?;
    if let Some(still) = &draft.course.at_risk {
        return Err(Refusal::new(
            CourseRule::Rescue,
            format!("this time does not save the course: {}", still.reason),
        )
        .into());
    }
    draft.event(CourseEvent::AtRiskResolved { was });
    Ok(())
}
