//! Resolving a symbolic step against the real course: which session "the
//! `n`th one this action makes sense for" is now, and which instant a
//! chosen time stands for.

use chairside_engine::course::*;
use chairside_engine::*;
use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::generation::{Act, Pick, When};
use super::reading::{local_day, REASON};
use super::sut::Sut;
use crate::course::world::ny;

impl Sut {
    /// The `n`th session among those `fits` (or, for `any`, all sessions),
    /// nearest to now first (`by_start`: earliest first).
    fn pick(
        &self,
        pick: Pick,
        by_start: bool,
        fits: impl Fn(&CourseSession) -> bool,
    ) -> Option<SessionId> {
        let now = self.now();
        let mut found: Vec<&CourseSession> = self
            .world
            .course
            .sessions
            .iter()
            .filter(|s| pick.any || fits(s))
            .collect();
        if found.is_empty() {
            found = self.world.course.sessions.iter().collect();
        }
        if by_start {
            found.sort_by_key(|s| (s.start, s.id));
        } else {
            found.sort_by_key(|s| ((s.start - now).num_minutes().abs(), s.id));
        }
        found.get(pick.n % found.len().max(1)).map(|s| s.id)
    }

    fn booked_future(&self, s: &CourseSession) -> bool {
        s.status == SessionStatus::Booked && s.start >= self.now()
    }

    fn at(&self, when: When, base: Option<NaiveDate>) -> (Option<ChairId>, DateTime<Utc>) {
        let base = if when.from_session {
            base.unwrap_or(self.today())
        } else {
            self.today()
        };
        let start = ny(
            base + Duration::days(when.days),
            when.hour,
            when.quarter * 15,
        );
        (when.chair.map(|c| self.chair(c)), start)
    }

    /// The action a symbolic step stands for, in the course as it is now
    /// (`None`: the course has no session at all to name).
    pub(super) fn resolve(&self, act: &Act) -> Option<Action> {
        match act {
            Act::CheckIn { .. }
            | Act::Complete { .. }
            | Act::NotDosed { .. }
            | Act::NoShow { .. } => self.resolve_attendance(act),
            Act::Cancel { .. }
            | Act::Omit { .. }
            | Act::RescheduleNextBest { .. }
            | Act::RescheduleTo { .. }
            | Act::AddSession { .. } => self.resolve_booking_change(act),
            _ => self.resolve_clinical(act),
        }
    }

    fn resolve_attendance(&self, act: &Act) -> Option<Action> {
        use SessionStatus::*;
        Some(match act {
            Act::CheckIn {
                pick,
                escort_override,
            } => Action::CheckIn {
                session: self.pick(*pick, false, |s| s.status == Booked)?,
                note: None,
                escort_override: escort_override.then(|| "driver arranged by phone".into()),
            },
            Act::Complete { pick } => Action::Complete {
                session: self.pick(*pick, false, |s| s.status == CheckedIn)?,
                note: None,
                discharged_at: None,
            },
            Act::NotDosed { pick } => Action::NotDosed {
                session: self.pick(*pick, false, |s| s.status == CheckedIn)?,
                reason: "blood pressure 150/95 before dosing".into(),
            },
            Act::NoShow { pick, automatic } => Action::NoShow {
                session: self.pick(*pick, false, |s| {
                    s.status == Booked && s.start <= self.now()
                })?,
                note: None,
                automatic: *automatic,
            },
            _ => unreachable!("not an attendance step: {act:?}"),
        })
    }

    fn resolve_booking_change(&self, act: &Act) -> Option<Action> {
        let reason = || REASON.to_string();
        let course = &self.world.course;
        Some(match act {
            Act::Cancel { pick, remaining } => Action::Cancel {
                session: self.pick(*pick, true, |s| self.booked_future(s))?,
                reason: reason(),
                remaining: *remaining,
            },
            Act::Omit { pick } => Action::Omit {
                session: self.pick(*pick, true, |s| {
                    s.phase == course.phase
                        && !s.omitted
                        && (s.status == SessionStatus::Booked || s.status.is_miss())
                })?,
                reason: reason(),
            },
            Act::RescheduleNextBest { pick, not_before } => Action::Reschedule {
                session: self.pick(*pick, true, |s| self.booked_future(s))?,
                to: Target::NextBest {
                    not_before: not_before.map(|d| self.today() + Duration::days(d)),
                },
                reason: reason(),
                override_reason: None,
            },
            Act::RescheduleTo {
                pick,
                when,
                override_rule,
            } => {
                let session = self.pick(*pick, true, |s| self.booked_future(s))?;
                let base = course.session(session).map(|s| local_day(s.start));
                let (chair, start) = self.at(*when, base);
                Action::Reschedule {
                    session,
                    to: Target::At { chair, start },
                    reason: reason(),
                    override_reason: override_rule.then(|| "clinician's call".into()),
                }
            }
            Act::AddSession {
                when,
                override_rule,
            } => self.resolve_add_session(*when, *override_rule),
            _ => unreachable!("not a booking change: {act:?}"),
        })
    }

    /// A session added a chosen time after the phase's last dose.
    fn resolve_add_session(&self, when: When, override_rule: bool) -> Action {
        let course = &self.world.course;
        let last = course
            .sessions
            .iter()
            .filter(|s| s.phase == course.phase && s.status.is_dose())
            .map(|s| local_day(s.start))
            .max();
        let (chair, start) = self.at(when, last);
        Action::AddSession {
            chair,
            start,
            override_reason: override_rule.then(|| "clinician's call".into()),
        }
    }

    fn resolve_clinical(&self, act: &Act) -> Option<Action> {
        let reason = || REASON.to_string();
        Some(match act {
            Act::Pause => Action::Pause { reason: reason() },
            Act::Resume { from } => Action::Resume {
                from: from.map(|d| self.today() + Duration::days(d)),
                reason: reason(),
            },
            Act::Cease => Action::Cease { reason: reason() },
            Act::DecideAtRisk { restart } => Action::DecideAtRisk {
                choice: if *restart {
                    AtRiskChoice::RestartSeries
                } else {
                    AtRiskChoice::AcceptExtension
                },
                reason: reason(),
            },
            Act::ChangePolicy {
                step,
                below_floor,
                override_floor,
            } => Action::ChangeBoosterPolicy {
                policy: self.policy(*step, *below_floor),
                reason: reason(),
                override_floor: *override_floor,
            },
            Act::StepBack => Action::StepBack { reason: reason() },
            Act::Correct {
                pick,
                undo,
                omitted,
            } => self.resolve_correction(*pick, *undo, *omitted)?,
            _ => unreachable!("not a clinician's step: {act:?}"),
        })
    }

    /// A step of the protocol's booster spacing, or one below its floor.
    fn policy(&self, step: usize, below_floor: bool) -> BoosterPolicy {
        let rules = self.world.course.protocol.boosters().expect("boosters").1;
        let default = rules.default_policy;
        if below_floor {
            let floor = (default.floor_days - 3).max(1);
            return BoosterPolicy {
                interval_days: floor,
                floor_days: floor,
                ..default
            };
        }
        let steps = &rules.interval_steps_days;
        BoosterPolicy {
            interval_days: steps[step % steps.len()],
            ..default
        }
    }

    /// Undo a session's last change (a status change or, for an omitted
    /// dose, its omission), or mark one entered in error.
    fn resolve_correction(&self, pick: Pick, undo: bool, omitted: bool) -> Option<Action> {
        use SessionStatus::*;
        let session = match (undo, omitted) {
            (true, true) => self.pick(pick, false, |s| s.omitted)?,
            (true, false) => self.pick(pick, false, |s| s.previous_status.is_some())?,
            (false, _) => self.pick(pick, false, |s| {
                !matches!(s.status, EnteredInError | Booked)
            })?,
        };
        Some(Action::Correct {
            session,
            correction: if undo {
                Correction::UndoLastChange
            } else {
                Correction::EnteredInError
            },
            reason: REASON.to_string(),
        })
    }
}
