//! Booster spacing belongs to the clinician (domain rule 12): changing it
//! re-plans only future boosters, respects the protocol's floor unless
//! explicitly overridden with a reason, and is kept in the course's history.

use crate::course::decision::{CourseEvent, PolicyChange};
use crate::course::draft::Draft;
use crate::course::guards;
use crate::course::refusal::{CourseRule, Refusal};
use crate::course::settle::settle;
use crate::course::status::{CourseStatus, SessionStatus};
use crate::error::EngineError;
use crate::protocol::BoosterPolicy;
use crate::rules::{Rule, Violation};

pub(crate) fn change_policy(
    draft: &mut Draft,
    policy: BoosterPolicy,
    reason: &str,
    override_floor: bool,
) -> Result<(), EngineError> {
    guards::clinical(draft.at.actor, "changing booster spacing")?;
    let reason = guards::reason("reason", reason)?;
    if draft.course.status.is_over() {
        return Err(Refusal::new(
            CourseRule::CourseOver,
            format!("the course is {}", draft.course.status),
        )
        .into());
    }
    let Some((_, rules)) = draft.course.protocol.boosters() else {
        return Err(EngineError::invalid(
            "policy",
            "this course's protocol has no booster phase",
        ));
    };
    let floor = rules.default_policy.floor_days;
    policy.validate("policy")?;
    let below_floor = policy.floor_days < floor || policy.interval_days < floor;
    if below_floor && !override_floor {
        return Err(EngineError::Violations(vec![Violation::new(
            Rule::BoosterFloor,
            None,
            format!(
                "the protocol's floor is {floor} days; set override_floor with a reason to go below it"
            ),
        )]));
    }
    let old = draft.course.policy();
    draft.course.booster_policy = Some(policy);
    draft.record_policy_change(PolicyChange {
        old,
        new: policy,
        reason: reason.to_string(),
        floor_overridden: below_floor,
    });
    draft.event(CourseEvent::BoosterPolicyChanged);
    if draft.course.status != CourseStatus::Active || !draft.course.in_boosters() {
        return Ok(());
    }
    move_future_boosters(draft)
}

/// Only future boosters not yet attended move: they are cancelled and
/// booked afresh from the last dose that stands.
fn move_future_boosters(draft: &mut Draft) -> Result<(), EngineError> {
    let phase = draft.course.phase;
    let now = draft.now();
    let future: Vec<_> = draft
        .course
        .sessions
        .iter()
        .filter(|s| s.phase == phase && s.status == SessionStatus::Booked && s.start > now)
        .map(|s| s.id)
        .collect();
    for id in future {
        draft.cancel(id, "booster spacing changed");
    }
    settle(draft, draft.at.tomorrow())
}

/// The esketamine label's step back: when symptoms worsen in maintenance,
/// return to the previous, more frequent interval.
pub(crate) fn step_back(draft: &mut Draft, reason: &str) -> Result<(), EngineError> {
    guards::clinical(draft.at.actor, "stepping booster spacing back")?;
    let Some((_, rules)) = draft.course.protocol.boosters() else {
        return Err(EngineError::invalid(
            "course",
            "this course's protocol has no booster phase",
        ));
    };
    let current = draft.course.policy().expect("a booster phase has a policy");
    let Some(previous) = rules
        .interval_steps_days
        .iter()
        .rev()
        .copied()
        .find(|s| *s < current.interval_days)
    else {
        return Err(Refusal::new(
            CourseRule::ShorterStep,
            format!(
                "{} days is already the most frequent step",
                current.interval_days
            ),
        )
        .into());
    };
    let policy = BoosterPolicy {
        interval_days: previous,
        ..current
    };
    change_policy(draft, policy, reason, false)
}
