//! Holding a course — or one session's new time — for a patient portal
//! (and for an offer of freed chair time). A portal previews a plan and
//! holds it for a few minutes while the patient decides: the course and its
//! sessions are written like a booking — so they hold their chairs and
//! staff, and the database refuses anyone else the same chair — but the
//! course is *held*: nothing else happens to it, and its sessions are
//! announced only when the patient confirms. A hold that runs out, or that
//! the portal lets go, frees every chair and ends the course.

use chrono::{DateTime, Duration, Utc};

use crate::course::booking::{book_course, CourseRequest};
use crate::course::decision::{CourseEvent, Decision, SessionRef};
use crate::course::draft::Draft;
use crate::course::refusal::{CourseRule, Refusal};
use crate::course::situation::Situation;
use crate::course::status::CourseStatus;
use crate::error::EngineError;

/// The longest hold: a patient decides in minutes, not hours.
pub const MAX_HOLD_MINUTES: i64 = 30;

/// When a hold made at `now` for `minutes` (named `field`) runs out.
pub fn hold_until(
    field: &str,
    now: DateTime<Utc>,
    minutes: i64,
) -> Result<DateTime<Utc>, EngineError> {
    if !(1..=MAX_HOLD_MINUTES).contains(&minutes) {
        return Err(EngineError::invalid(
            field,
            format!("1 to {MAX_HOLD_MINUTES} minutes"),
        ));
    }
    Ok(now + Duration::minutes(minutes))
}

/// A hold is confirmed only while it lasts: at `until` its time is free
/// again (the worker may already have given it to someone else).
pub fn still_held(until: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), EngineError> {
    if now >= until {
        return Err(Refusal::new(
            CourseRule::StatusOrder,
            format!("the hold ran out at {until}: its chairs are free again; plan anew"),
        )
        .into());
    }
    Ok(())
}

/// A new course planned as [`book_course`] plans it, held for `minutes`:
/// its only event says it is held.
pub fn hold_course(
    request: &CourseRequest<'_>,
    at: &Situation<'_>,
    minutes: i64,
) -> Result<Decision, EngineError> {
    let until = hold_until("hold_minutes", at.now, minutes)?;
    hold_course_until(request, at, until)
}

/// A new course held until `until` (an offer of freed chair time to a
/// patient on the waiting list sets its own time).
pub fn hold_course_until(
    request: &CourseRequest<'_>,
    at: &Situation<'_>,
    until: DateTime<Utc>,
) -> Result<Decision, EngineError> {
    let mut decision = book_course(request, at)?;
    if let Some(state) = decision.course.as_mut() {
        state.held_until = Some(until);
    }
    decision.events = vec![CourseEvent::Held { until }];
    Ok(decision)
}

/// The course is held, and (to confirm) still in time.
fn held(draft: &Draft, confirming: bool) -> Result<DateTime<Utc>, EngineError> {
    let Some(until) = draft.course.held_until else {
        return Err(Refusal::new(CourseRule::StatusOrder, "the course is not held").into());
    };
    if confirming {
        still_held(until, draft.now())?;
    }
    Ok(until)
}

/// The patient confirms: the course runs, and its booking is announced as
/// any other's.
pub(crate) fn confirm(draft: &mut Draft) -> Result<(), EngineError> {
    held(draft, true)?;
    draft.course.held_until = None;
    draft.event(CourseEvent::CourseBooked);
    for id in draft.course.booked_ids() {
        draft.event(CourseEvent::SessionBooked(SessionRef::Existing(id)));
    }
    Ok(())
}

/// The hold is let go or ran out: every session frees its chair, the
/// course ends. Integrations never heard of its sessions, so only the
/// release is announced.
pub(crate) fn release(draft: &mut Draft, expired: bool) -> Result<(), EngineError> {
    held(draft, false)?;
    let reason = if expired {
        "the hold ran out"
    } else {
        "the hold was let go"
    };
    for id in draft.course.booked_ids() {
        draft.cancel(id, reason);
    }
    draft.course.held_until = None;
    draft.course.status = CourseStatus::Ceased;
    draft.clear_events();
    draft.event(CourseEvent::HoldReleased { expired });
    Ok(())
}
