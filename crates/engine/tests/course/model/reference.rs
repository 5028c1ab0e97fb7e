//! The reference model of a course: per session its phase, status,
//! omission and placement; per course its status, phase, at-risk flag and
//! extension. It follows each accepted decision on its own — every update
//! must start from what it knows — and must then mirror the course that
//! `evolve` gives (property 1).

use std::collections::BTreeMap;

use chairside_engine::course::*;
use chairside_engine::*;
use chrono::{DateTime, Utc};

use super::reading::{placement, Check};

/// What the model knows of a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Known {
    phase: usize,
    status: SessionStatus,
    omitted: bool,
    placement: Placement,
}

impl Known {
    /// Follows one update: each field it sets changes something.
    fn follow(&mut self, update: &SessionUpdate) -> Check {
        let id = update.session.0;
        let mut changed = update.sequence.is_some();
        if let Some((from, to)) = update.status {
            ensure!(
                from == self.status && from != to,
                "session {id} updated {from} → {to} but it was {}",
                self.status
            );
            self.status = to;
            changed = true;
        }
        if let Some(p) = update.placement {
            ensure!(p != self.placement, "session {id} moved to where it was");
            self.placement = p;
            changed = true;
        }
        if let Some(omitted) = update.omitted {
            ensure!(
                omitted != self.omitted,
                "session {id}: omitted set to what it was"
            );
            self.omitted = omitted;
            changed = true;
        }
        ensure!(changed, "an empty update of session {id}");
        Ok(())
    }
}

/// The reference model of a course, following decisions on its own.
#[derive(Clone, Debug)]
pub(super) struct Model {
    status: CourseStatus,
    phase: usize,
    at_risk: Option<AtRisk>,
    extension: bool,
    series_started_at: Option<DateTime<Utc>>,
    policy: Option<BoosterPolicy>,
    sessions: BTreeMap<SessionId, Known>,
    /// Where each series phase's current series began, as it was while the
    /// phase ran (a completed phase's count stays checkable).
    pub(super) series_from: BTreeMap<usize, Option<DateTime<Utc>>>,
}

impl Model {
    pub(super) fn of(course: &Course) -> Model {
        Model {
            status: course.status,
            phase: course.phase,
            at_risk: course.at_risk.clone(),
            extension: course.extension_accepted,
            series_started_at: course.series_started_at,
            policy: course.booster_policy,
            sessions: course
                .sessions
                .iter()
                .map(|s| {
                    (
                        s.id,
                        Known {
                            phase: s.phase,
                            status: s.status,
                            omitted: s.omitted,
                            placement: placement(s),
                        },
                    )
                })
                .collect(),
            series_from: BTreeMap::from([(course.phase, course.series_started_at)]),
        }
    }

    /// Follows a decision: every update must start from what the model
    /// knows (the decision was taken on the course as it stood).
    pub(super) fn follow(&mut self, decision: &Decision, ids: &[SessionId]) -> Check {
        let mut seen = Vec::new();
        for update in &decision.updates {
            ensure!(
                !seen.contains(&update.session),
                "two updates of session {}",
                update.session.0
            );
            seen.push(update.session);
            let known = self.sessions.get_mut(&update.session).ok_or_else(|| {
                format!(
                    "an update names session {} the course does not have",
                    update.session.0
                )
            })?;
            known.follow(update)?;
        }
        ensure!(ids.len() == decision.bookings.len(), "one id per booking");
        for (booking, id) in decision.bookings.iter().zip(ids) {
            self.sessions.insert(
                *id,
                Known {
                    phase: booking.phase,
                    status: SessionStatus::Booked,
                    omitted: false,
                    placement: booking.placement,
                },
            );
        }
        if let Some(state) = &decision.course {
            self.series_from.insert(self.phase, self.series_started_at);
            self.status = state.status;
            self.phase = state.phase;
            self.at_risk = state.at_risk.clone();
            self.extension = state.extension_accepted;
            self.series_started_at = state.series_started_at;
            self.policy = state.booster_policy;
            self.series_from.insert(self.phase, self.series_started_at);
        }
        Ok(())
    }

    /// Property 1: the course after `evolve` is what the model expects.
    pub(super) fn mirrors(&self, course: &Course) -> Check {
        ensure!(
            course.status == self.status
                && course.phase == self.phase
                && course.at_risk == self.at_risk
                && course.extension_accepted == self.extension
                && course.series_started_at == self.series_started_at
                && course.booster_policy == self.policy,
            "the course's own state differs from the model's: {} phase {} vs the model's {} phase {}",
            course.status,
            course.phase,
            self.status,
            self.phase
        );
        ensure!(
            course.sessions.len() == self.sessions.len(),
            "{} sessions, the model knows {}",
            course.sessions.len(),
            self.sessions.len()
        );
        for s in &course.sessions {
            let known = self
                .sessions
                .get(&s.id)
                .ok_or_else(|| format!("session {} unknown to the model", s.id.0))?;
            let actual = Known {
                phase: s.phase,
                status: s.status,
                omitted: s.omitted,
                placement: placement(s),
            };
            ensure!(
                *known == actual,
                "session {} is {actual:?}, the model has {known:?}",
                s.id.0
            );
        }
        Ok(())
    }
}
