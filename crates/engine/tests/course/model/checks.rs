//! Checking one decided action against the model: a refusal changes
//! nothing and is the refusal the model predicts; an accepted decision is
//! followed by the model (property 1) and keeps the properties of a single
//! change — placement in the calendar, statuses forward only (2, 3), a
//! phase ending only with its count reached and no dose under way (5),
//! boosters booked ahead — before its events and effects are checked.

use chairside_engine::course::*;
use chairside_engine::*;
use chrono::{Datelike, Weekday};

use super::reading::{placement, series_of, series_rules, short, tally, Check};
use super::sut::Sut;
use super::verdict::{Refused, Verdict};
use crate::course::world::{time, NY};

impl Sut {
    pub(super) fn refused(&self, before: &Course, verdict: &Verdict, error: &EngineError) -> Check {
        ensure!(
            self.world.course == *before,
            "a refused action changed the course"
        );
        if let Some(why) = &verdict.accept {
            return Err(format!(
                "refused ({error}) but the model says it must be accepted: {why}"
            ));
        }
        match (&verdict.how, error) {
            (None, _) => {}
            (Some(Refused::By(rule, naming)), EngineError::Refused(refusal)) => {
                ensure!(
                    refusal.rule == *rule,
                    "refused by {:?} ({}), the model says by {rule:?}",
                    refusal.rule,
                    refusal.detail
                );
                if let Some(text) = naming {
                    ensure!(
                        refusal.detail.contains(text.as_str()),
                        "the refusal {:?} does not name {text:?}",
                        refusal.detail
                    );
                }
            }
            (Some(Refused::Breaks(rules)), EngineError::Violations(found)) => {
                let mut found: Vec<Rule> = found.iter().map(|v| v.rule).collect();
                found.sort_by_key(|r| format!("{r:?}"));
                found.dedup();
                ensure!(
                    found == *rules,
                    "refused for breaking {found:?}, the model says {rules:?}"
                );
            }
            (Some(how), _) => {
                return Err(format!("refused by {error:?}, the model says {how:?}"));
            }
        }
        Ok(())
    }

    pub(super) fn accepted(
        &mut self,
        before: &Course,
        verdict: &Verdict,
        action: &Action,
        decision: &Decision,
    ) -> Check {
        if let Some(why) = &verdict.refuse {
            return Err(format!(
                "accepted but the model says it must be refused: {why}\ndecision: {decision:?}"
            ));
        }
        let after = self.world.course.clone();
        // The ids `evolve` gave the bookings, in order.
        let ids: Vec<SessionId> = after.sessions[before.sessions.len()..]
            .iter()
            .map(|s| s.id)
            .collect();
        self.model.follow(decision, &ids)?;
        self.model.mirrors(&after)?;
        self.placed_in_calendar(before, &after)?;
        forward_only(before, &after, decision, action)?;
        let ended = self.ended_phases(before, &after)?;
        self.boosters_ahead(&after, action)?;
        self.events(before, &after, decision, action, verdict, &ended)?;
        self.effects(before, &after, decision, action, verdict)
    }

    /// What a decision books or moves is in the future and inside the
    /// clinic's calendar.
    fn placed_in_calendar(&self, before: &Course, after: &Course) -> Check {
        for s in &after.sessions {
            let was = before.session(s.id);
            if was.is_none_or(|w| placement(w) != placement(s)) {
                ensure!(
                    s.start >= self.now(),
                    "session {} booked or moved into the past: {}",
                    s.id.0,
                    short(s)
                );
                self.in_calendar(s)?;
            }
        }
        Ok(())
    }

    /// Opening hours (Mon–Fri 08:00–18:00), closures, a known chair.
    fn in_calendar(&self, s: &CourseSession) -> Check {
        let start = s.start.with_timezone(&NY);
        let end = s.end.with_timezone(&NY);
        let weekday = start.weekday();
        ensure!(
            !matches!(weekday, Weekday::Sat | Weekday::Sun)
                && start.date_naive() == end.date_naive()
                && start.time() >= time(8, 0)
                && end.time() <= time(18, 0),
            "session {} placed outside opening hours: {}",
            s.id.0,
            short(s)
        );
        ensure!(
            (1..=self.setup.chairs).contains(&s.chair.0),
            "session {} on an unknown chair",
            s.id.0
        );
        for closure in &self.world.calendar.closures {
            let applies = match closure.scope {
                ClosureScope::Clinic => true,
                ClosureScope::Chair(c) => c == s.chair,
            };
            if let ClosureSpan::Days { first, last } = closure.span {
                ensure!(
                    !applies || !(first..=last).contains(&start.date_naive()),
                    "session {} placed in a closure: {}",
                    s.id.0,
                    short(s)
                );
            }
        }
        Ok(())
    }

    /// Property 5, first half: a phase ends only with its count reached,
    /// and never while one of its doses is under way (it would complete
    /// beyond the count). Returns the phases the decision ended.
    fn ended_phases(&self, before: &Course, after: &Course) -> Result<Vec<usize>, String> {
        let became_completed =
            after.status == CourseStatus::Completed && before.status != CourseStatus::Completed;
        let ended: Vec<usize> = (before.phase..after.phase)
            .chain(became_completed.then_some(after.phase))
            .collect();
        for &phase in &ended {
            let Some(rules) = series_rules(&after.protocol, phase) else {
                continue;
            };
            let from = self.model.series_from.get(&phase).copied().flatten();
            let t = tally(rules, &series_of(after, phase, from));
            ensure!(
                t.completed >= t.target,
                "phase {phase} ended with {} of {} doses completed",
                t.completed,
                t.target
            );
            ensure!(
                t.in_progress == 0,
                "phase {phase} ended while {} of its doses were under way",
                t.in_progress
            );
        }
        Ok(ended)
    }

    /// Boosters stay booked ahead after every re-plan (all but a check-in
    /// re-plan an active course).
    fn boosters_ahead(&self, after: &Course, action: &Action) -> Check {
        if after.status == CourseStatus::Active
            && after.in_boosters()
            && after.at_risk.is_none()
            && !matches!(action, Action::CheckIn { .. })
        {
            let booked = after
                .sessions
                .iter()
                .filter(|s| s.phase == after.phase && s.status == SessionStatus::Booked)
                .count();
            ensure!(
                booked >= self.world.settings.boosters_ahead as usize,
                "{booked} boosters booked ahead, the clinic keeps {}",
                self.world.settings.boosters_ahead
            );
        }
        Ok(())
    }
}

/// Properties 2 and 3 (a completed session never changes, statuses only
/// move forward, but by a correction of that session), and the course's
/// own life: bookings in its phases, its phase never back, an ended course
/// never again.
fn forward_only(before: &Course, after: &Course, decision: &Decision, action: &Action) -> Check {
    let corrected = match action {
        Action::Correct { session, .. } => Some(*session),
        _ => None,
    };
    for booking in &decision.bookings {
        ensure!(
            (before.phase..=after.phase).contains(&booking.phase),
            "a booking in phase {} while the course went from phase {} to {}",
            booking.phase,
            before.phase,
            after.phase
        );
    }
    for was in before.sessions.iter().filter(|s| corrected != Some(s.id)) {
        let now_is = after.session(was.id).expect("sessions are never removed");
        if was.status == SessionStatus::Completed {
            ensure!(
                now_is.status == SessionStatus::Completed && placement(now_is) == placement(was),
                "completed session {} changed to {}",
                was.id.0,
                short(now_is)
            );
        }
        ensure!(
            now_is.status == was.status || was.status.may_become(now_is.status),
            "session {} went {} → {}",
            was.id.0,
            was.status,
            now_is.status
        );
    }
    ensure!(
        after.phase >= before.phase,
        "the phase went back from {} to {}",
        before.phase,
        after.phase
    );
    ensure!(
        !before.status.is_over() || after.status == before.status,
        "a course {} became {}",
        before.status,
        after.status
    );
    Ok(())
}
