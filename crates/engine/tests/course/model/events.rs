//! Property 8: each decision emits the events its change implies — one
//! per status change, move, omission and booking; the corrected session's
//! correction; the course's own (phase and course completed, paused,
//! resumed, ended, the at-risk flag and its decision, a policy change) —
//! and no event names a session the decision did not change.

use chairside_engine::course::*;

use super::reading::{placement, sorted, status_event, Check};
use super::sut::Sut;
use super::verdict::Verdict;

/// A correction: the session, its status before and the status it gets.
type Corrected = Option<(SessionId, SessionStatus, SessionStatus)>;

impl Sut {
    pub(super) fn events(
        &self,
        before: &Course,
        after: &Course,
        decision: &Decision,
        action: &Action,
        verdict: &Verdict,
        ended: &[usize],
    ) -> Check {
        let corrected: Corrected = match action {
            Action::Correct { session, .. } => {
                let was = before.session(*session).expect("resolved");
                let to = verdict
                    .corrected_to
                    .ok_or("a correction without a verdict")?;
                Some((*session, was.status, to))
            }
            _ => None,
        };
        name_changes(decision)?;
        session_events(before, decision, corrected)?;
        if let Some(corrected) = corrected {
            correction_events(after, decision, corrected)?;
        }
        course_events(before, after, decision, action, ended)?;
        at_risk_events(before, after, decision, action)
    }
}

/// No event names a session the decision does not change or book.
fn name_changes(decision: &Decision) -> Check {
    let updated: Vec<SessionId> = decision.updates.iter().map(|u| u.session).collect();
    for event in &decision.events {
        match event.session() {
            Some(SessionRef::Existing(id)) => ensure!(
                updated.contains(&id),
                "event {event:?} names session {} which the decision does not change",
                id.0
            ),
            Some(SessionRef::New(i)) => ensure!(
                i < decision.bookings.len(),
                "event {event:?} names booking {i} of {}",
                decision.bookings.len()
            ),
            None => {}
        }
    }
    Ok(())
}

/// Session events, but for the corrected session's: exactly those its
/// updates and bookings imply.
fn session_events(before: &Course, decision: &Decision, corrected: Corrected) -> Check {
    let is_corrected = |id: SessionId| corrected.is_some_and(|c| c.0 == id);
    let mut expected = Vec::new();
    for update in &decision.updates {
        let was = before.session(update.session).expect("checked");
        if let Some((_, to)) = update.status {
            if !is_corrected(update.session) {
                expected.extend(status_event(update.session, to));
            }
        }
        if update.placement.is_some() {
            expected.push(CourseEvent::SessionRescheduled(
                update.session,
                placement(was),
            ));
        }
        if update.omitted == Some(true) {
            expected.push(CourseEvent::SessionOmitted(update.session));
        }
    }
    expected.extend(
        (0..decision.bookings.len()).map(|i| CourseEvent::SessionBooked(SessionRef::New(i))),
    );
    let actual: Vec<CourseEvent> = decision
        .events
        .iter()
        .filter(|e| match e.session() {
            Some(SessionRef::Existing(id)) => !is_corrected(id),
            Some(SessionRef::New(_)) => true,
            None => false,
        })
        .cloned()
        .collect();
    ensure!(
        sorted(actual.clone()) == sorted(expected.clone()),
        "session events {actual:?}\nexpected from the change {expected:?}"
    );
    Ok(())
}

/// The corrected session announces its correction, then any status the
/// re-plan gave it after.
fn correction_events(
    after: &Course,
    decision: &Decision,
    (id, from, to): (SessionId, SessionStatus, SessionStatus),
) -> Check {
    let about: Vec<CourseEvent> = decision
        .events
        .iter()
        .filter(|e| e.session() == Some(SessionRef::Existing(id)))
        .cloned()
        .collect();
    let mut wanted = vec![CourseEvent::SessionCorrected {
        session: id,
        from,
        to,
    }];
    let last = after.session(id).expect("kept").status;
    if last != to {
        wanted.extend(status_event(id, last));
    }
    ensure!(
        sorted(about.clone()) == sorted(wanted.clone()),
        "the corrected session's events {about:?}, expected {wanted:?}"
    );
    Ok(())
}

/// The course's own events, but the at-risk flag.
fn course_events(
    before: &Course,
    after: &Course,
    decision: &Decision,
    action: &Action,
    ended: &[usize],
) -> Check {
    let mut expected: Vec<CourseEvent> = ended
        .iter()
        .map(|&phase| CourseEvent::PhaseCompleted { phase })
        .collect();
    let became = |status| after.status == status && before.status != status;
    for (status, event) in [
        (CourseStatus::Completed, CourseEvent::CourseCompleted),
        (CourseStatus::Paused, CourseEvent::Paused),
        (CourseStatus::Ceased, CourseEvent::Discontinued),
    ] {
        if became(status) {
            expected.push(event);
        }
    }
    expected.extend(action_events(before, decision, action)?);
    let actual: Vec<CourseEvent> = decision
        .events
        .iter()
        .filter(|e| e.session().is_none() && !matches!(e, CourseEvent::AtRisk(_)))
        .cloned()
        .collect();
    ensure!(
        sorted(actual.clone()) == sorted(expected.clone()),
        "course events {actual:?}\nexpected from the change {expected:?}"
    );
    Ok(())
}

/// The course event an action announces of itself: a resume, an at-risk
/// decision, a policy change (with its history); no other action changes
/// the policy.
fn action_events(
    before: &Course,
    decision: &Decision,
    action: &Action,
) -> Result<Vec<CourseEvent>, String> {
    Ok(match action {
        Action::Resume { .. } => {
            let from = decision.events.iter().find_map(|e| match e {
                CourseEvent::Resumed { from } => Some(*from),
                _ => None,
            });
            let from = from.ok_or("a resume without its event")?;
            vec![CourseEvent::Resumed { from }]
        }
        Action::DecideAtRisk { choice, .. } => vec![CourseEvent::AtRiskDecided {
            choice: *choice,
            was: before
                .at_risk
                .clone()
                .ok_or("decided a course not at risk")?,
        }],
        Action::ChangeBoosterPolicy { .. } | Action::StepBack { .. } => {
            ensure!(
                decision.policy_change.is_some(),
                "a policy change without its history"
            );
            vec![CourseEvent::BoosterPolicyChanged]
        }
        _ => {
            ensure!(
                decision.policy_change.is_none(),
                "a policy change by {action:?}"
            );
            Vec::new()
        }
    })
}

/// One at-risk event at most, the flag the course now has, and one
/// whenever the course goes (or, decided, stays) at risk.
fn at_risk_events(before: &Course, after: &Course, decision: &Decision, action: &Action) -> Check {
    let flags: Vec<&AtRisk> = decision
        .events
        .iter()
        .filter_map(|e| match e {
            CourseEvent::AtRisk(r) => Some(r),
            _ => None,
        })
        .collect();
    ensure!(flags.len() <= 1, "two at-risk events: {flags:?}");
    if let Some(flag) = flags.first() {
        ensure!(
            after.at_risk.as_ref() == Some(*flag),
            "an at-risk event {flag:?} but the course's flag is {:?}",
            after.at_risk
        );
    }
    let reflagged = matches!(action, Action::DecideAtRisk { .. });
    if after.at_risk.is_some() && (after.at_risk != before.at_risk || reflagged) {
        ensure!(
            !flags.is_empty(),
            "the course went at risk without an event: {:?}",
            after.at_risk
        );
    }
    Ok(())
}
