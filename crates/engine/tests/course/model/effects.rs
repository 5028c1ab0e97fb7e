//! What the model predicts of each accepted action, beyond the general
//! properties: its direct effect on its session or the course (a check-in
//! changes only its session, a completion brings its REMS form, "cancel all
//! remaining" cancels every booking and holds the course, an omit cancels
//! a booking and marks the dose, a move lands where asked, a correction
//! leaves the status the model predicts, …).

use chairside_engine::course::*;
use chrono::Duration;

use super::reading::{local_day, short, Check};
use super::sut::Sut;
use super::verdict::Verdict;

impl Sut {
    pub(super) fn effects(
        &self,
        before: &Course,
        after: &Course,
        decision: &Decision,
        action: &Action,
        verdict: &Verdict,
    ) -> Check {
        if !matches!(action, Action::Complete { .. }) {
            ensure!(
                decision.rems_forms.is_empty(),
                "REMS forms without a dose: {:?}",
                decision.rems_forms
            );
        }
        match action {
            Action::CheckIn { .. }
            | Action::Complete { .. }
            | Action::NotDosed { .. }
            | Action::NoShow { .. } => attendance(before, after, decision, action),
            Action::Cancel { .. } | Action::Omit { .. } => {
                cancellation(before, after, decision, action)
            }
            Action::Reschedule { session, to, .. } => {
                let was = before.session(*session).expect("resolved");
                let tomorrow = self.today() + Duration::days(1);
                moved(was, after.session(*session).expect("kept"), to, tomorrow)
            }
            Action::AddSession { start, chair, .. } => {
                ensure!(
                    decision.bookings.iter().any(|b| b.placement.start == *start
                        && b.phase == before.phase
                        && chair.is_none_or(|c| c == b.placement.chair)),
                    "the added session is not booked: {:?}",
                    decision.bookings
                );
                Ok(())
            }
            Action::Correct {
                session,
                correction,
                ..
            } => {
                let to = verdict
                    .corrected_to
                    .ok_or("a correction without a verdict")?;
                corrected(before, after, *session, *correction, to)
            }
            _ => self.course_effects(before, after, decision, action),
        }
    }

    /// Pause, cease, resume, the at-risk decision, booster spacing.
    fn course_effects(
        &self,
        before: &Course,
        after: &Course,
        decision: &Decision,
        action: &Action,
    ) -> Check {
        match action {
            Action::Pause { .. } | Action::Cease { .. } => {
                on_hold_or_over(before, after, decision, action)
            }
            Action::Resume { .. } => {
                ensure!(
                    matches!(after.status, CourseStatus::Active | CourseStatus::Completed),
                    "resumed to {}",
                    after.status
                );
                Ok(())
            }
            Action::DecideAtRisk { choice, .. } => {
                let same_phase = after.phase == before.phase && after.status.is_running();
                match choice {
                    AtRiskChoice::AcceptExtension => ensure!(
                        !same_phase || after.extension_accepted || after.in_boosters(),
                        "an accepted extension not kept"
                    ),
                    AtRiskChoice::RestartSeries => ensure!(
                        !same_phase || after.series_started_at == Some(self.now()),
                        "a restart without its instant"
                    ),
                }
                Ok(())
            }
            Action::ChangeBoosterPolicy { policy, .. } => {
                ensure!(
                    after.booster_policy == Some(*policy)
                        && decision.policy_change.as_ref().map(|c| c.new) == Some(*policy),
                    "the policy is {:?}",
                    after.booster_policy
                );
                Ok(())
            }
            Action::StepBack { .. } => {
                let was = before.policy().expect("a policy").interval_days;
                let is = after.policy().expect("a policy").interval_days;
                ensure!(is < was, "stepped back from {was} to {is} days");
                Ok(())
            }
            _ => unreachable!("not an action on the course: {action:?}"),
        }
    }
}

fn status_of(course: &Course, id: SessionId) -> SessionStatus {
    course.session(id).expect("kept").status
}

/// A check-in changes its session only; the other outcomes are recorded,
/// and a completion brings its REMS form (7 days after the session).
fn attendance(before: &Course, after: &Course, decision: &Decision, action: &Action) -> Check {
    use SessionStatus::*;
    let session = action.session().expect("an action on a session");
    let want = match action {
        Action::CheckIn { .. } => {
            let changed: Vec<_> = decision
                .updates
                .iter()
                .filter(|u| u.status.is_some() || u.placement.is_some() || u.omitted.is_some())
                .collect();
            ensure!(
                changed.len() == 1
                    && changed[0].session == session
                    && changed[0].status == Some((Booked, CheckedIn))
                    && decision.bookings.is_empty()
                    && decision.course.is_none(),
                "a check-in changed more than its session: {decision:?}"
            );
            return Ok(());
        }
        Action::Complete { .. } => Completed,
        Action::NotDosed { .. } => NotDosed,
        _ => NoShow,
    };
    ensure!(
        status_of(after, session) == want,
        "{want} not recorded: {}",
        status_of(after, session)
    );
    if want == Completed {
        let start = before.session(session).expect("resolved").start;
        let due: Vec<RemsFormDue> = match before.protocol.rems {
            true => vec![RemsFormDue {
                session,
                due_on: local_day(start) + Duration::days(REMS_FORM_DUE_DAYS),
            }],
            false => Vec::new(),
        };
        ensure!(
            decision.rems_forms == due,
            "REMS forms {:?}, expected {due:?}",
            decision.rems_forms
        );
    }
    Ok(())
}

/// Cancel this one; cancel all remaining (every booking, past unresolved
/// ones too, and the course on hold); omit (a booking cancelled, the dose
/// marked omitted, a miss stays as it was).
fn cancellation(before: &Course, after: &Course, decision: &Decision, action: &Action) -> Check {
    use SessionStatus::*;
    match action {
        Action::Cancel {
            session,
            remaining: false,
            ..
        } => ensure!(
            status_of(after, *session) == Cancelled,
            "cancel did not cancel"
        ),
        Action::Cancel {
            remaining: true, ..
        } => {
            for s in before.sessions.iter().filter(|s| s.status == Booked) {
                ensure!(
                    status_of(after, s.id) == Cancelled,
                    "cancel all remaining left session {} {}",
                    s.id.0,
                    status_of(after, s.id)
                );
            }
            ensure!(after.status == CourseStatus::Paused, "not put on hold");
            nothing_booked("cancel all remaining", decision)?;
        }
        Action::Omit { session, .. } => {
            let was = status_of(before, *session);
            let s = after.session(*session).expect("kept");
            ensure!(
                s.omitted && s.status == if was == Booked { Cancelled } else { was },
                "omit left {}",
                short(s)
            );
        }
        _ => unreachable!("not a cancellation: {action:?}"),
    }
    Ok(())
}

/// A move lands where asked: at the time and chair given, or on the next
/// best day no sooner than asked (and never before tomorrow).
fn moved(
    was: &CourseSession,
    s: &CourseSession,
    to: &Target,
    tomorrow: chrono::NaiveDate,
) -> Check {
    ensure!(
        s.status == SessionStatus::Booked,
        "the moved session is {}",
        s.status
    );
    match to {
        Target::At { chair, start } => ensure!(
            s.start == *start && chair.is_none_or(|c| c == s.chair),
            "moved to {} instead of {start:?} {chair:?}",
            short(s)
        ),
        Target::NextBest { not_before } => {
            let floor = not_before
                .unwrap_or(local_day(was.start) + Duration::days(1))
                .max(tomorrow);
            ensure!(
                local_day(s.start) >= floor,
                "next best moved to {} before {floor}",
                short(s)
            );
        }
    }
    Ok(())
}

/// A correction leaves its session in the status the model predicts; an
/// omission taken back counts the dose again.
fn corrected(
    before: &Course,
    after: &Course,
    id: SessionId,
    correction: Correction,
    to: SessionStatus,
) -> Check {
    let was = before.session(id).expect("resolved");
    let is = after.session(id).expect("kept");
    ensure!(is.status == to, "corrected to {}, not {to}", is.status);
    let takes_back_omission = correction == Correction::UndoLastChange
        && was.omitted
        && was.status != SessionStatus::EnteredInError;
    ensure!(
        is.omitted == (was.omitted && !takes_back_omission),
        "correction of {} left {}",
        short(was),
        short(is)
    );
    Ok(())
}

/// Pause and cease cancel every booking and book nothing.
fn on_hold_or_over(before: &Course, after: &Course, decision: &Decision, action: &Action) -> Check {
    for s in before
        .sessions
        .iter()
        .filter(|s| s.status == SessionStatus::Booked)
    {
        ensure!(
            status_of(after, s.id) == SessionStatus::Cancelled,
            "session {} still {} after {action:?}",
            s.id.0,
            status_of(after, s.id)
        );
    }
    nothing_booked("pause or cease", decision)?;
    let want = match action {
        Action::Pause { .. } => CourseStatus::Paused,
        _ => CourseStatus::Ceased,
    };
    ensure!(after.status == want, "the course is {}", after.status);
    if want == CourseStatus::Ceased {
        ensure!(after.at_risk.is_none(), "a ceased course at risk");
    }
    Ok(())
}

fn nothing_booked(what: &str, decision: &Decision) -> Check {
    ensure!(
        decision.bookings.is_empty(),
        "{what} booked sessions: {:?}",
        decision.bookings
    );
    Ok(())
}
