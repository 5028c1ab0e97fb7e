//! Every event a course decision announces becomes an outbox event (for
//! webhooks) and an audit row (who, in which role, why), in the same
//! transaction as the change. Payloads carry ids, times and statuses; never
//! a patient's name or contact, nor any free-text reason — a session's or a
//! clinician's (it may hold health information): the audit row keeps those.

use chairside_engine::course::{CourseEvent, Decision, SessionId, SessionRef, SessionStatus};
use chairside_store::models::{self as m, AuditEntry, NewOutboxEvent};
use chairside_store::repo::courses::Applied;
use chairside_store::{repo, DbConnection};
use chrono_tz::Tz;
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::views;

/// A decision as it was written: what the events name.
pub struct Written<'a> {
    /// The clinic's zone.
    pub zone: Tz,
    pub decision: &'a Decision,
    /// What the store wrote for it.
    pub applied: &'a Applied,
    /// The course's sessions before the decision (for what moved).
    pub before: &'a [m::Session],
    /// The reason the action gave, if any.
    pub reason: Option<&'a str>,
}

impl Written<'_> {
    /// A session as it is after the decision.
    pub fn session(&self, reference: SessionRef) -> Option<&m::Session> {
        match reference {
            SessionRef::New(i) => self.applied.booked.get(i),
            SessionRef::Existing(SessionId(id)) => self
                .applied
                .changed
                .iter()
                .chain(self.before)
                .find(|s| s.id == id),
        }
    }

    /// The ids of the sessions the decision cancelled.
    fn cancelled(&self) -> Vec<i64> {
        self.decision.cancelled().iter().map(|s| s.0).collect()
    }

    fn booked(&self) -> Vec<i64> {
        self.applied.booked.iter().map(|s| s.id).collect()
    }
}

/// Writes the outbox event and the audit row of every event, in order.
pub fn record(
    conn: &mut DbConnection,
    caller: &Caller,
    written: &Written<'_>,
) -> Result<(), ApiError> {
    let course = &written.applied.course;
    // A new course's audit row lists its sessions: one row for the booking.
    let booking = written.decision.events.contains(&CourseEvent::CourseBooked);
    let mut announced = Vec::with_capacity(written.decision.events.len());
    let mut audited = Vec::new();
    for event in &written.decision.events {
        let name = event.name();
        let (payload, entity, before, after) = describe(written, event)?;
        announced.push(NewOutboxEvent {
            clinic_id: course.clinic_id,
            event_type: name.to_string(),
            aggregate_id: course.id,
            payload: for_integrations(payload),
        });
        if !(booking && matches!(event, CourseEvent::SessionBooked(_))) {
            audited.push(AuditEntry {
                clinic_id: Some(course.clinic_id),
                actor: caller.actor(),
                action: name.to_string(),
                entity_type: entity.0.to_string(),
                entity_id: Some(entity.1),
                before,
                after,
                request_id: Some(caller.request_id.clone()).filter(|r| !r.is_empty()),
            });
        }
    }
    // Every event in one statement, in the decision's order, with the
    // audit rows (a booking's one in the same round trip).
    repo::outbox::append_audited(conn, &announced, &audited)?;
    Ok(())
}

type Described = (Value, (&'static str, i64), Option<Value>, Option<Value>);

/// An event's payload as integrations receive it: without a clinician's
/// free-text reason (a pause "while the patient is in hospital for …" is
/// health information). The audit row keeps it.
fn for_integrations(mut payload: Value) -> Value {
    if let Some(fields) = payload.as_object_mut() {
        fields.remove("reason");
        if let Some(detail) = fields.get_mut("detail").and_then(Value::as_object_mut) {
            detail.remove("reason");
        }
    }
    payload
}

/// The event's payload, the entity it is about, and the audit's before
/// and after.
fn describe(written: &Written<'_>, event: &CourseEvent) -> Result<Described, ApiError> {
    match event.session() {
        Some(reference) => describe_session_event(written, event, reference),
        None => describe_course_event(written, event),
    }
}

/// An event about one session: the session as it is now, and what changed.
fn describe_session_event(
    written: &Written<'_>,
    event: &CourseEvent,
    reference: SessionRef,
) -> Result<Described, ApiError> {
    let session = written.session(reference).ok_or_else(|| {
        ApiError::Internal(format!("event {} names an unknown session", event.name()))
    })?;
    let view = crate::service::session_payload(written.zone, session);
    let was = previous(written, session.id);
    let (payload, before, after) = match event {
        CourseEvent::SessionRescheduled(_, from) => {
            let local = views::local_times(written.zone, from.start, from.end);
            let previous = json!({ "start": from.start, "end": from.end, "chair_id": from.chair.0, "local": local });
            (
                json!({ "session": view, "previous": previous }),
                Some(json!({ "start": from.start, "chair_id": from.chair.0 })),
                Some(
                    json!({ "start": session.starts_at, "chair_id": session.chair_id, "reason": written.reason }),
                ),
            )
        }
        CourseEvent::SessionBooked(_) => (view, None, Some(placement(session))),
        _ => (
            view,
            was.map(|s| json!({ "status": s.status.as_str() })),
            Some(
                json!({ "status": session.status.as_str(), "omitted": session.omitted, "reason": session.reason }),
            ),
        ),
    };
    Ok((payload, ("session", session.id), before, after))
}

/// An event about the whole course: its state and what the decision did.
fn describe_course_event(
    written: &Written<'_>,
    event: &CourseEvent,
) -> Result<Described, ApiError> {
    let course = &written.applied.course;
    let summary = |detail: Value| json!({ "course_id": course.id, "patient_id": course.patient_id, "status": course.status.as_str(), "current_phase": course.current_phase, "detail": detail });
    let payload = match event {
        CourseEvent::CourseBooked | CourseEvent::Held { .. } => booked(written, event),
        CourseEvent::HoldReleased { expired } => {
            summary(json!({ "expired": expired, "released": written.cancelled() }))
        }
        CourseEvent::AtRisk(at_risk) => json!({ "course_id": course.id, "at_risk": at_risk }),
        CourseEvent::AtRiskDecided { choice, was } => summary(
            json!({ "choice": choice, "reason": written.reason, "was": was, "booked": written.booked() }),
        ),
        CourseEvent::AtRiskResolved { was } => summary(
            json!({ "was": was, "booked": written.booked(), "cancelled": written.cancelled() }),
        ),
        CourseEvent::PhaseCompleted { phase } => summary(json!({ "completed_phase": phase })),
        CourseEvent::CourseCompleted => summary(json!({})),
        CourseEvent::Paused | CourseEvent::Discontinued => {
            summary(json!({ "reason": written.reason, "cancelled": written.cancelled() }))
        }
        CourseEvent::Resumed { from } => {
            summary(json!({ "reason": written.reason, "from": from, "booked": written.booked() }))
        }
        CourseEvent::BoosterPolicyChanged => {
            let change = written.decision.policy_change.as_ref();
            json!({
                "course_id": course.id,
                "old_policy": change.and_then(|c| c.old),
                "new_policy": change.map(|c| c.new),
                "reason": change.map(|c| c.reason.as_str()),
                "floor_overridden": change.is_some_and(|c| c.floor_overridden),
            })
        }
        other => {
            return Err(ApiError::Internal(format!(
                "event {} has no payload",
                other.name()
            )))
        }
    };
    Ok((payload.clone(), ("course", course.id), None, Some(payload)))
}

/// A course booked (or held): its sessions' places. A confirmed hold books
/// nothing new: its sessions are the course's booked ones.
fn booked(written: &Written<'_>, event: &CourseEvent) -> Value {
    let course = &written.applied.course;
    let sessions: Vec<Value> = if written.applied.booked.is_empty() {
        let booked = written
            .before
            .iter()
            .filter(|s| s.status == SessionStatus::Booked);
        booked.map(placement).collect()
    } else {
        written.applied.booked.iter().map(placement).collect()
    };
    let mut payload = json!({
        "course_id": course.id,
        "patient_id": course.patient_id,
        "protocol_version_id": course.protocol_version_id,
        "sessions": sessions,
    });
    if let CourseEvent::Held { until } = event {
        payload["held_until"] = json!(until);
    }
    payload
}

fn previous<'w>(written: &'w Written<'_>, id: i64) -> Option<&'w m::Session> {
    written.before.iter().find(|s| s.id == id)
}

/// Where a session is, for a booking's summary and audit row.
fn placement(s: &m::Session) -> Value {
    json!({
        "id": s.id,
        "phase_index": s.phase_index,
        "sequence": s.sequence,
        "chair_id": s.chair_id,
        "starts_at": s.starts_at,
        "ends_at": s.ends_at,
    })
}
