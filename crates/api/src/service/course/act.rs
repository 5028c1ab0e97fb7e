//! The one write path of a course: load the course and its situation, ask
//! the engine, persist the decision (sessions, course, outbox, audit) in the
//! caller's transaction. Every session action and every clinician's course
//! decision goes through [`act`]; routes run it under the bounded retry on a
//! concurrent writer.

use chairside_engine::course::{Action, Course, CourseEvent, Decision, SessionRef};
use chairside_engine::{ChairId, EngineError, Role};
use chairside_store::models as m;
use chairside_store::repo::courses::Applied;
use chairside_store::{repo, DbConnection};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::auth::Caller;
use crate::dto::course::AddSession;
use crate::dto::course::CourseView;
use crate::dto::session::{SessionChange, SessionView};
use crate::error::ApiError;
use crate::etag::IfMatch;
use crate::service::course::record::{record, Written};
use crate::service::course::snapshot::{Snapshot, Window};
use crate::service::when::resolve_at;
use crate::views;

/// What an action did.
pub struct Acted {
    /// The clinic's zone.
    pub zone: Tz,
    /// The engine's decision.
    pub decision: Decision,
    /// What the store wrote.
    pub applied: Applied,
    /// The course's sessions as they were before.
    pub before: Vec<m::Session>,
    /// The protocol revision's id and number, for views.
    pub protocol: (i64, i32),
}

impl Acted {
    /// A session as it is now.
    pub fn session(&self, id: i64) -> Option<m::Session> {
        self.applied
            .changed
            .iter()
            .chain(&self.applied.booked)
            .chain(&self.before)
            .find(|s| s.id == id)
            .cloned()
    }

    /// The answer to a session action: the session, and what the course's
    /// rules booked and cancelled as a consequence.
    pub fn session_change(&self, id: i64) -> Result<SessionChange, ApiError> {
        let session = self
            .session(id)
            .ok_or_else(|| ApiError::Internal(format!("session {id} vanished")))?;
        let cancelled = self
            .decision
            .cancelled()
            .into_iter()
            .filter(|s| s.0 != id)
            .filter_map(|s| self.session(s.0))
            .map(|s| views::session(self.zone, &s))
            .collect();
        Ok(SessionChange {
            session: views::session(self.zone, &session),
            booked: self
                .applied
                .booked
                .iter()
                .map(|s| views::session(self.zone, s))
                .collect(),
            cancelled,
            course_at_risk: self.applied.course.at_risk.is_some(),
        })
    }

    /// The course after the action, with every session.
    pub fn course_view(&self) -> CourseView {
        let mut sessions: Vec<m::Session> = self
            .before
            .iter()
            .map(|s| self.session(s.id).expect("listed"))
            .collect();
        sessions.extend(self.applied.booked.iter().cloned());
        views::course(
            self.zone,
            &self.applied.course,
            self.protocol.0,
            self.protocol.1,
            &sessions,
        )
    }
}

/// A course and everything a decision on it reads, loaded in the
/// transaction.
pub struct Asking {
    row: m::Course,
    before: Vec<m::Session>,
    zone: Tz,
    protocol: (i64, i32),
    course: Course,
    snapshot: Snapshot,
}

impl Asking {
    /// Loads course `course_id` and the situation `action` needs at `now`.
    /// `check` sees the course and its sessions as they stand first (an
    /// `If-Match` check).
    pub fn load(
        conn: &mut DbConnection,
        clinic_id: i64,
        course_id: i64,
        action: &Action,
        now: DateTime<Utc>,
        check: impl FnOnce(Tz, &m::Course, &[m::Session], &(i64, i32)) -> Result<(), ApiError>,
    ) -> Result<Asking, ApiError> {
        let row = repo::courses::get(conn, clinic_id, course_id)?;
        let version = repo::protocols::get_version(conn, clinic_id, row.protocol_version_id)?;
        let before = repo::sessions::for_course(conn, clinic_id, course_id)?;
        let whose = repo::patients::with_courses(conn, clinic_id, row.patient_id)?;
        let zone = repo::clinics::get(conn, clinic_id)?.time_zone;
        let protocol = (version.protocol_id, version.revision);
        check(zone, &row, &before, &protocol)?;
        let course = repo::courses::engine_course(conn, &row, version.definition, &before)?;
        let window = action.may_plan().then(|| {
            let today = now.with_timezone(&zone).date_naive();
            let session_day = action
                .session()
                .and_then(|id| before.iter().find(|s| s.id == id.0))
                .map(|s| s.starts_at.with_timezone(&zone).date_naive());
            Window::planning(today, session_day)
        });
        let mut snapshot = Snapshot::load(conn, clinic_id, &whose, Some(course_id), window, now)?;
        if let Some(session) = action.session() {
            snapshot.monitoring =
                repo::monitoring::get(conn, clinic_id, session.0)?.map(|m| m.record);
        }
        Ok(Asking {
            row,
            before,
            zone,
            protocol,
            course,
            snapshot,
        })
    }

    /// The course's protocol revision.
    pub fn protocol(&self) -> &chairside_engine::Protocol {
        &self.course.protocol
    }

    /// The engine's answer to `action` by `role` at `now`, refusal or not;
    /// nothing is written.
    pub fn answer(
        &self,
        action: &Action,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<Result<Decision, EngineError>, ApiError> {
        self.snapshot.decide(role, now, |at| {
            Ok(chairside_engine::course::decide(&self.course, action, at))
        })
    }
}

/// Decides `action` on a course as `caller` at `now` and persists the
/// decision. `check` sees the course and its sessions as they stand first
/// (an `If-Match` check).
pub fn act(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    course_id: i64,
    action: &Action,
    now: DateTime<Utc>,
    check: impl FnOnce(Tz, &m::Course, &[m::Session], &(i64, i32)) -> Result<(), ApiError>,
) -> Result<Acted, ApiError> {
    let asking = Asking::load(conn, clinic_id, course_id, action, now, check)?;
    let decision = asking.answer(action, caller.role, now)??;
    if asking
        .snapshot
        .clinic
        .settings
        .backfill_offer_minutes
        .is_some()
    {
        let freed = chairside_engine::backfill::freed_by(&asking.course, &decision, now);
        repo::backfill::free(conn, clinic_id, &freed)?;
    }
    let Asking {
        row,
        before,
        zone,
        protocol,
        ..
    } = asking;
    let applied = repo::courses::apply(conn, &row, &before, &decision, caller.actor())?;
    record(
        conn,
        caller,
        &Written {
            zone,
            decision: &decision,
            applied: &applied,
            before: &before,
            reason: reason_of(action),
        },
    )?;
    Ok(Acted {
        zone,
        decision,
        applied,
        before,
        protocol,
    })
}

/// A session action: the session must be the clinic's, its `If-Match` must
/// be current; `action` is made from the clinic's zone and the session's id.
pub fn on_session(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    session_id: i64,
    if_match: &IfMatch,
    now: DateTime<Utc>,
    action: impl FnOnce(Tz, chairside_engine::course::SessionId) -> Result<Action, ApiError>,
) -> Result<SessionChange, ApiError> {
    let session = repo::sessions::get(conn, clinic_id, session_id)?;
    let zone = repo::clinics::get(conn, clinic_id)?.time_zone;
    let action = action(zone, chairside_engine::course::SessionId(session_id))?;
    // If-Match is checked against the session as the decision reads it, so
    // nothing a concurrent writer changed in between can pass unseen.
    let acted = act(
        conn,
        caller,
        clinic_id,
        session.course_id,
        &action,
        now,
        |zone, _, sessions, _| match sessions.iter().find(|s| s.id == session_id) {
            Some(read) => if_match.check(&views::session(zone, read)),
            None => Err(ApiError::NotFound(format!(
                "session {session_id} not found"
            ))),
        },
    )?;
    acted.session_change(session_id)
}

/// A decision on the whole course: its `If-Match` must be current.
pub fn on_course(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    course_id: i64,
    if_match: &IfMatch,
    now: DateTime<Utc>,
    action: &Action,
) -> Result<Acted, ApiError> {
    act(
        conn,
        caller,
        clinic_id,
        course_id,
        action,
        now,
        |zone, course, sessions, protocol| {
            if_match.check(&views::course(
                zone, course, protocol.0, protocol.1, sessions,
            ))
        },
    )
}

/// A session added by hand at a chosen time (judged by the engine: the
/// calendar's rules are absolute, the protocol's spacing may be overridden
/// by a clinician with a reason); answers the session booked.
pub fn add_session(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    course_id: i64,
    request: &AddSession,
    now: DateTime<Utc>,
) -> Result<SessionView, ApiError> {
    let zone = repo::clinics::get(conn, clinic_id)?.time_zone;
    let action = Action::AddSession {
        chair: request.chair_id.map(ChairId),
        start: resolve_at(zone, &request.at, "at")?,
        override_reason: request.override_reason.clone(),
    };
    let acted = act(
        conn,
        caller,
        clinic_id,
        course_id,
        &action,
        now,
        |_, _, _, _| Ok(()),
    )?;
    // The session asked for is the decision's first booking.
    let added = acted.decision.events.iter().find_map(|e| match e {
        CourseEvent::SessionBooked(SessionRef::New(i)) => acted.applied.booked.get(*i),
        _ => None,
    });
    let added = added.ok_or_else(|| ApiError::Internal("the added session".into()))?;
    Ok(views::session(acted.zone, added))
}

/// The reason an action gives, for the events that carry one.
fn reason_of(action: &Action) -> Option<&str> {
    match action {
        Action::NotDosed { reason, .. }
        | Action::Cancel { reason, .. }
        | Action::Omit { reason, .. }
        | Action::Reschedule { reason, .. }
        | Action::Pause { reason }
        | Action::Resume { reason, .. }
        | Action::Cease { reason }
        | Action::DecideAtRisk { reason, .. }
        | Action::ChangeBoosterPolicy { reason, .. }
        | Action::StepBack { reason }
        | Action::Correct { reason, .. } => Some(reason.as_str()),
        Action::CheckIn { note, .. }
        | Action::Complete { note, .. }
        | Action::NoShow { note, .. } => note.as_deref(),
        Action::AddSession {
            override_reason, ..
        } => override_reason.as_deref(),
        Action::Answer { .. }
        | Action::ConfirmHold
        | Action::ReleaseHold { .. }
        | Action::Rescue { .. } => None,
    }
}
