//! The one question the engine answers about a course: given the course as
//! it stands, an action, the situation around it and *now*, what happens?

use crate::course::action::Action;
use crate::course::decision::Decision;
use crate::course::draft::Draft;
use crate::course::model::Course;
use crate::course::situation::Situation;
use crate::course::{
    attendance, cancellation, confirmation, correction, holds, lifecycle, moves, rescue, spacing,
};
use crate::error::EngineError;

/// Decides an action on a course: the changes and the events that follow,
/// or the rule that refuses it ([`EngineError::Refused`] names it; a
/// blank reason or a bad field is [`EngineError::InvalidInput`]; a chosen
/// time that breaks scheduling rules is [`EngineError::Violations`]).
///
/// Pure: the same course, action and situation give the same decision.
///
/// Long on purpose: one arm per action, so every action's rule is found
/// from this one list.
pub fn decide(course: &Course, action: &Action, at: &Situation) -> Result<Decision, EngineError> {
    let mut draft = Draft::new(course, at);
    let d = &mut draft;
    match action {
        Action::CheckIn {
            session,
            note,
            escort_override,
        } => attendance::check_in(d, *session, note.as_deref(), escort_override.as_deref()),
        Action::Complete {
            session,
            note,
            discharged_at,
        } => attendance::complete(d, *session, note.as_deref(), *discharged_at),
        Action::NotDosed { session, reason } => attendance::not_dosed(d, *session, reason),
        Action::NoShow {
            session,
            note,
            automatic,
        } => attendance::no_show(d, *session, note.as_deref(), *automatic),
        Action::Cancel {
            session,
            reason,
            remaining,
        } => cancellation::cancel(d, *session, reason, *remaining),
        Action::Omit { session, reason } => cancellation::omit(d, *session, reason),
        Action::Answer { session, answer } => confirmation::answer(d, *session, *answer),
        Action::ConfirmHold => holds::confirm(d),
        Action::ReleaseHold { expired } => holds::release(d, *expired),
        Action::Reschedule {
            session,
            to,
            reason,
            override_reason,
        } => moves::reschedule(d, *session, to, reason, override_reason.as_deref()),
        Action::AddSession {
            chair,
            start,
            override_reason,
        } => moves::add_session(d, *chair, *start, override_reason.as_deref()),
        Action::Rescue {
            chair,
            start,
            moving,
        } => rescue::rescue(d, *chair, *start, *moving),
        Action::Pause { reason } => lifecycle::pause(d, reason),
        Action::Resume { from, reason } => lifecycle::resume(d, *from, reason),
        Action::Cease { reason } => lifecycle::cease(d, reason),
        Action::DecideAtRisk { choice, reason } => lifecycle::decide_at_risk(d, *choice, reason),
        Action::ChangeBoosterPolicy {
            policy,
            reason,
            override_floor,
        } => spacing::change_policy(d, *policy, reason, *override_floor),
        Action::StepBack { reason } => spacing::step_back(d, reason),
        Action::Correct {
            session,
            correction,
            reason,
        } => correction::correct(d, *session, *correction, reason),
    }?;
    Ok(draft.finish())
}
