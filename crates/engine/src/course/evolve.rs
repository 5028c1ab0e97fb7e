//! Applying a decision: the course after it. The store does the same to
//! its rows; this is the in-memory twin the model tests check against.

use crate::course::decision::Decision;
use crate::course::model::{Course, CourseSession, SessionId};
use crate::course::status::SessionStatus;

/// The course after `decision`, the bookings taking `new_ids` in order.
///
/// # Panics
/// If `new_ids` does not give one id per booking.
pub fn evolve(course: &Course, decision: &Decision, new_ids: &[SessionId]) -> Course {
    assert_eq!(new_ids.len(), decision.bookings.len(), "one id per booking");
    let mut next = course.clone();
    for update in &decision.updates {
        let Some(session) = next.sessions.iter_mut().find(|s| s.id == update.session) else {
            continue;
        };
        if let Some((from, to)) = update.status {
            session.previous_status = Some(from);
            session.status = to;
        }
        if let Some(placement) = update.placement {
            session.chair = placement.chair;
            session.start = placement.start;
            session.end = placement.end;
        }
        if let Some(sequence) = update.sequence {
            session.sequence = sequence;
        }
        if let Some(omitted) = update.omitted {
            session.omitted = omitted;
        }
        if let Some(late) = update.late_cancellation {
            session.late_cancellation = late;
        }
        if let Some(confirmed_at) = update.confirmed_at {
            session.confirmed_at = confirmed_at;
        }
    }
    for (booking, id) in decision.bookings.iter().zip(new_ids) {
        next.sessions.push(CourseSession {
            id: *id,
            phase: booking.phase,
            sequence: booking.sequence,
            chair: booking.placement.chair,
            start: booking.placement.start,
            end: booking.placement.end,
            status: SessionStatus::Booked,
            omitted: false,
            previous_status: None,
            late_cancellation: false,
            confirmed_at: None,
        });
    }
    if let Some(state) = &decision.course {
        next.status = state.status;
        next.phase = state.phase;
        next.series_started_at = state.series_started_at;
        next.booster_policy = state.booster_policy;
        next.at_risk = state.at_risk.clone();
        next.extension_accepted = state.extension_accepted;
        next.held_until = state.held_until;
    }
    next
}
