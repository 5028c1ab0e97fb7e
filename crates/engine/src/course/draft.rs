//! A decision being taken: a working copy of the course that the rules
//! change step by step, and the events they announce. When the rules are
//! done, [`Draft::finish`] compares the copy with the course as it was and
//! writes the [`Decision`] — so what is stored is exactly what the rules
//! did, and [`evolve`] applying a decision gives back the same course.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::course::decision::{
    CourseEvent, CourseState, Decision, Discharge, NewSession, Placement, PolicyChange,
    RemsFormDue, SessionRef, SessionUpdate,
};
use crate::course::model::{AtRisk, Course, CourseSession, SessionId};
use crate::course::situation::Situation;
use crate::course::status::SessionStatus;
use crate::error::EngineError;
use crate::occupancy::Interval;
use crate::plan::PlannedSession;
use crate::rules::Violation;

pub(crate) struct Draft<'s> {
    original: &'s Course,
    pub course: Course,
    pub at: &'s Situation<'s>,
    events: Vec<CourseEvent>,
    rems_forms: Vec<RemsFormDue>,
    discharge: Option<Discharge>,
    policy_change: Option<PolicyChange>,
    reasons: HashMap<SessionId, String>,
    /// New sessions get ids -1, -2, … until the store gives them real ones.
    next_new: i64,
}

impl<'s> Draft<'s> {
    pub fn new(course: &'s Course, at: &'s Situation<'s>) -> Self {
        Draft {
            original: course,
            course: course.clone(),
            at,
            events: Vec::new(),
            rems_forms: Vec::new(),
            discharge: None,
            policy_change: None,
            reasons: HashMap::new(),
            next_new: 0,
        }
    }

    /// A session of this course, or an input error naming it.
    pub fn session(&self, id: SessionId) -> Result<&CourseSession, EngineError> {
        self.course.session(id).ok_or_else(|| {
            EngineError::invalid(
                "session",
                format!("session {} is not one of course {}", id.0, self.course.id),
            )
        })
    }

    fn session_mut(&mut self, id: SessionId) -> &mut CourseSession {
        self.course
            .sessions
            .iter_mut()
            .find(|s| s.id == id)
            .expect("a session the rules looked up")
    }

    /// Forgets the events so far (a released hold announces only that).
    pub fn clear_events(&mut self) {
        self.events.clear();
    }

    pub fn event(&mut self, event: CourseEvent) {
        self.events.push(event);
    }

    pub fn note(&mut self, id: SessionId, reason: Option<&str>) {
        if let Some(reason) = reason.map(str::trim).filter(|r| !r.is_empty()) {
            self.reasons.insert(id, reason.to_string());
        }
    }

    /// Moves a session's status (the rules checked that it may).
    pub fn set_status(&mut self, id: SessionId, to: SessionStatus, reason: Option<&str>) {
        let session = self.session_mut(id);
        session.previous_status = Some(session.status);
        session.status = to;
        self.note(id, reason);
    }

    /// Records a clinician's omission of a session's dose.
    pub fn mark_omitted(&mut self, id: SessionId, reason: &str) {
        self.session_mut(id).omitted = true;
        self.note(id, Some(reason));
    }

    /// Takes back a clinician's omission: the dose counts again.
    pub fn take_back_omission(&mut self, id: SessionId, reason: &str) {
        self.session_mut(id).omitted = false;
        self.note(id, Some(reason));
    }

    /// Records the patient's confirmation of a booking at `at`.
    pub fn confirm(&mut self, id: SessionId, at: DateTime<Utc>) {
        self.session_mut(id).confirmed_at = Some(at);
        self.event(CourseEvent::SessionConfirmed(id));
    }

    /// Marks a session the patient cancelled inside the notice period.
    pub fn mark_late_cancellation(&mut self, id: SessionId) {
        self.session_mut(id).late_cancellation = true;
    }

    /// Cancels a booked session. One this decision booked is simply not booked.
    pub fn cancel(&mut self, id: SessionId, reason: &str) {
        if id.0 < 0 {
            self.course.sessions.retain(|s| s.id != id);
            self.events
                .retain(|e| e.session() != Some(SessionRef::Existing(id)));
            return;
        }
        self.set_status(id, SessionStatus::Cancelled, Some(reason));
        self.event(CourseEvent::SessionCancelled(id));
    }

    /// Books a planned session in a phase.
    pub fn book(&mut self, phase: usize, planned: &PlannedSession) -> SessionId {
        self.next_new += 1;
        let id = SessionId(-self.next_new);
        self.course.sessions.push(CourseSession {
            id,
            phase,
            sequence: 0,
            chair: planned.chair,
            start: planned.start,
            end: planned.end,
            status: SessionStatus::Booked,
            omitted: false,
            previous_status: None,
            late_cancellation: false,
            confirmed_at: None,
        });
        self.event(CourseEvent::SessionBooked(SessionRef::Existing(id)));
        id
    }

    /// Moves a session to another chair or time. A move to where the
    /// session already is changes nothing, so it announces nothing: the
    /// reminders would tell the patient of a move that did not happen.
    pub fn place(&mut self, id: SessionId, to: Placement, reason: &str) {
        let session = self.session_mut(id);
        let from = Placement {
            chair: session.chair,
            start: session.start,
            end: session.end,
        };
        if from == to {
            return;
        }
        session.chair = to.chair;
        session.start = to.start;
        session.end = to.end;
        // A confirmation was for the old time.
        session.confirmed_at = None;
        self.note(id, Some(reason));
        self.event(CourseEvent::SessionRescheduled(id, from));
    }

    /// Flags the course at risk, once: a clinician decides.
    pub fn flag_at_risk(&mut self, reason: &str, violations: Vec<Violation>) {
        if self.course.at_risk.is_some() {
            return;
        }
        let at_risk = AtRisk {
            reason: reason.to_string(),
            violations,
        };
        self.course.at_risk = Some(at_risk.clone());
        self.event(CourseEvent::AtRisk(at_risk));
    }

    pub fn rems_form_due(&mut self, due: RemsFormDue) {
        self.rems_forms.push(due);
    }

    pub fn discharge(&mut self, discharge: Discharge) {
        self.discharge = Some(discharge);
    }

    pub fn record_policy_change(&mut self, change: PolicyChange) {
        self.policy_change = Some(change);
    }

    /// The patient's busy intervals for a plan: sessions in other courses
    /// and this course's live sessions, except those being re-planned.
    pub fn busy_except(&self, except: &[SessionId]) -> Vec<Interval> {
        let mut busy = self.at.elsewhere.to_vec();
        busy.extend(
            self.course
                .sessions
                .iter()
                .filter(|s| s.status.is_live() && !except.contains(&s.id))
                .map(CourseSession::interval),
        );
        busy
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.at.now
    }

    /// Numbers every phase's sessions in time order, then writes down what
    /// changed.
    pub fn finish(mut self) -> Decision {
        renumber(&mut self.course);
        let mut new: Vec<&CourseSession> =
            self.course.sessions.iter().filter(|s| s.id.0 < 0).collect();
        new.sort_by_key(|s| (s.start, -s.id.0));
        let index: HashMap<SessionId, usize> =
            new.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
        let bookings = new
            .iter()
            .map(|s| NewSession {
                phase: s.phase,
                sequence: s.sequence,
                placement: Placement {
                    chair: s.chair,
                    start: s.start,
                    end: s.end,
                },
            })
            .collect();
        let updates = self
            .original
            .sessions
            .iter()
            .filter_map(|before| {
                let after = self.course.session(before.id)?;
                update(before, after, self.reasons.get(&before.id))
            })
            .collect();
        let events = self
            .events
            .into_iter()
            .map(|event| match event {
                CourseEvent::SessionBooked(SessionRef::Existing(id)) if id.0 < 0 => {
                    CourseEvent::SessionBooked(SessionRef::New(index[&id]))
                }
                other => other,
            })
            .collect();
        let before = state(self.original);
        let after = state(&self.course);
        Decision {
            updates,
            bookings,
            course: (before != after).then_some(after),
            policy_change: self.policy_change,
            rems_forms: self.rems_forms,
            discharge: self.discharge,
            events,
        }
    }
}

/// The course-level state a decision may change.
pub(crate) fn state(course: &Course) -> CourseState {
    CourseState {
        status: course.status,
        phase: course.phase,
        series_started_at: course.series_started_at,
        booster_policy: course.booster_policy,
        at_risk: course.at_risk.clone(),
        extension_accepted: course.extension_accepted,
        held_until: course.held_until,
    }
}

fn update(
    before: &CourseSession,
    after: &CourseSession,
    reason: Option<&String>,
) -> Option<SessionUpdate> {
    let placement = |s: &CourseSession| Placement {
        chair: s.chair,
        start: s.start,
        end: s.end,
    };
    let update = SessionUpdate {
        session: before.id,
        status: (before.status != after.status).then_some((before.status, after.status)),
        placement: (placement(before) != placement(after)).then(|| placement(after)),
        sequence: (before.sequence != after.sequence).then_some(after.sequence),
        omitted: (before.omitted != after.omitted).then_some(after.omitted),
        late_cancellation: (before.late_cancellation != after.late_cancellation)
            .then_some(after.late_cancellation),
        confirmed_at: (before.confirmed_at != after.confirmed_at).then_some(after.confirmed_at),
        reason: None,
    };
    let changed = update.status.is_some()
        || update.placement.is_some()
        || update.sequence.is_some()
        || update.omitted.is_some()
        || update.late_cancellation.is_some()
        || update.confirmed_at.is_some();
    changed.then(|| SessionUpdate {
        reason: reason.cloned(),
        ..update
    })
}

/// Sessions of each phase are numbered 1, 2, … in time order (domain:
/// a session's number follows time, its id never changes).
pub(crate) fn renumber(course: &mut Course) {
    let mut order: Vec<(usize, DateTime<Utc>, bool, i64, usize)> = course
        .sessions
        .iter()
        .enumerate()
        .map(|(i, s)| (s.phase, s.start, s.id.0 < 0, s.id.0.abs(), i))
        .collect();
    order.sort();
    let mut phase = usize::MAX;
    let mut next = 0;
    for (p, _, _, _, i) in order {
        if p != phase {
            phase = p;
            next = 0;
        }
        next += 1;
        course.sessions[i].sequence = next;
    }
}
