//! The reference model's verdict on an action, from the domain's rules
//! alone: must the engine refuse it (and, where the model knows, by which
//! rule), must it accept it, or may it do either (a plan the model cannot
//! predict)? Corrections have their own file (`revival`).

use chairside_engine::course::*;
use chairside_engine::*;
use chrono::{DateTime, Duration, Utc};

use super::reading::{local_day, midnight, series_of, tally};
use crate::course::world::World;

/// How the engine must refuse, where the model knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Refused {
    /// A refusal by this course rule, its detail naming the text given.
    By(CourseRule, Option<String>),
    /// Exactly these rules of the calendar are broken.
    Breaks(Vec<Rule>),
}

/// What the model says an action must do.
#[derive(Debug, Default)]
pub(super) struct Verdict {
    /// Why it must be refused.
    pub(super) refuse: Option<String>,
    /// And how, where the model knows.
    pub(super) how: Option<Refused>,
    /// Why it must be accepted.
    pub(super) accept: Option<String>,
    /// The status an accepted correction leaves its session in.
    pub(super) corrected_to: Option<SessionStatus>,
}

impl Verdict {
    pub(super) fn refuse(why: impl Into<String>) -> Verdict {
        Verdict {
            refuse: Some(why.into()),
            ..Verdict::default()
        }
    }

    pub(super) fn refuse_by(rule: CourseRule, why: impl Into<String>) -> Verdict {
        Verdict {
            how: Some(Refused::By(rule, None)),
            ..Verdict::refuse(why)
        }
    }

    /// Refused by `rule`, its detail naming `naming`.
    pub(super) fn refuse_naming(rule: CourseRule, naming: String, why: &str) -> Verdict {
        Verdict {
            how: Some(Refused::By(rule, Some(naming))),
            ..Verdict::refuse(why)
        }
    }

    pub(super) fn accept(why: impl Into<String>) -> Verdict {
        Verdict {
            accept: Some(why.into()),
            ..Verdict::default()
        }
    }

    pub(super) fn either() -> Verdict {
        Verdict::default()
    }
}

fn clinical_only(action: &Action) -> bool {
    matches!(
        action,
        Action::Omit { .. }
            | Action::Pause { .. }
            | Action::Resume { .. }
            | Action::Cease { .. }
            | Action::DecideAtRisk { .. }
            | Action::ChangeBoosterPolicy { .. }
            | Action::StepBack { .. }
            | Action::Correct { .. }
    )
}

/// The model's verdict on an action, from the domain's rules alone.
pub(super) fn verdict(world: &World, action: &Action, role: Role) -> Verdict {
    let course = &world.course;
    let is_clinician = matches!(role, Role::Clinician | Role::Admin);
    if clinical_only(action) && !is_clinician {
        return Verdict::refuse_by(
            CourseRule::ClinicalDecision,
            "a clinician's decision, asked by the desk",
        );
    }
    let session = action
        .session()
        .map(|id| course.session(id).expect("resolved"));
    let status = session.map(|s| s.status);
    match action {
        Action::CheckIn {
            escort_override, ..
        } => check_in(
            world,
            session.expect("resolved"),
            escort_override,
            is_clinician,
        ),
        Action::Complete { .. } | Action::NotDosed { .. } => {
            if status == Some(SessionStatus::CheckedIn) {
                Verdict::accept("the patient is checked in")
            } else {
                Verdict::refuse("only after check-in")
            }
        }
        Action::NoShow { automatic, .. } => no_show(world, session.expect("resolved"), *automatic),
        Action::Cancel { remaining, .. } => cancel(world, session.expect("resolved"), *remaining),
        Action::Omit { .. } => omit(course, session.expect("resolved")),
        Action::Reschedule { to, .. } => reschedule(course, status, to, world.now),
        Action::AddSession { start, .. } => add_session(course, *start, world.now),
        Action::Pause { .. } | Action::Resume { .. } | Action::Cease { .. } => {
            lifecycle(world, action)
        }
        Action::DecideAtRisk { choice, .. } => decide_at_risk(course, *choice),
        Action::ChangeBoosterPolicy {
            policy,
            override_floor,
            ..
        } => change_policy(course, policy, *override_floor),
        Action::StepBack { .. } => step_back(course),
        Action::Correct { correction, .. } => {
            super::revival::verdict(world, session.expect("resolved"), *correction)
        }
        Action::Answer { answer, .. } => answer_verdict(world, session.expect("resolved"), *answer),
        // The model's worlds free no chair time to offer.
        Action::Rescue { .. } => Verdict::refuse("not generated"),
        // The model's courses are booked, never held.
        Action::ConfirmHold | Action::ReleaseHold { .. } => {
            Verdict::refuse("the course is not held")
        }
    }
}

fn answer_verdict(world: &World, s: &CourseSession, answer: ReminderAnswer) -> Verdict {
    if s.status != SessionStatus::Booked {
        return Verdict::refuse("only a booked session is answered");
    }
    if world.course.status != CourseStatus::Active {
        return Verdict::refuse("the course is not active");
    }
    if s.start <= world.now {
        return Verdict::refuse("the session has started");
    }
    match answer {
        ReminderAnswer::Confirmed | ReminderAnswer::Declined => {
            Verdict::accept("a booked session still to come")
        }
        // A move needs a next best time, which may not exist.
        ReminderAnswer::AskedToMove => Verdict::either(),
    }
}

fn check_in(
    world: &World,
    s: &CourseSession,
    escort_override: &Option<String>,
    is_clinician: bool,
) -> Verdict {
    if s.status != SessionStatus::Booked {
        return Verdict::refuse("only a booked session checks in");
    }
    if world.course.status != CourseStatus::Active {
        return Verdict::refuse("the course is not active");
    }
    let lead = Duration::minutes(i64::from(world.settings.check_in_opens_minutes_before));
    let opens = (s.start - lead).max(midnight(local_day(s.start)));
    if world.now < opens || world.now >= s.end {
        return Verdict::refuse("outside the check-in window");
    }
    if !world.patient.escort_confirmed {
        if escort_override.is_none() {
            return Verdict::refuse("no driver home and no override");
        }
        if !is_clinician {
            return Verdict::refuse("only a clinician checks in without a driver");
        }
    }
    Verdict::accept("a booked session, in its window, the patient ready")
}

fn no_show(world: &World, s: &CourseSession, automatic: bool) -> Verdict {
    if s.status != SessionStatus::Booked {
        return Verdict::refuse("only a booked session is a no-show");
    }
    let settings = &world.settings;
    let minutes = if automatic {
        settings
            .no_show_after_minutes
            .max(settings.no_show_grace_minutes)
    } else {
        settings.no_show_grace_minutes
    };
    if world.now < s.start + Duration::minutes(i64::from(minutes)) {
        return Verdict::refuse("before the grace period ends");
    }
    Verdict::accept("a booked session past its grace period")
}

/// "This and all remaining" puts the course on hold, which holds no
/// booking to come: it starts from the course's next booking.
fn cancel(world: &World, s: &CourseSession, remaining: bool) -> Verdict {
    if s.status != SessionStatus::Booked {
        return Verdict::refuse("only a booked session is cancelled");
    }
    if world.course.status != CourseStatus::Active {
        return Verdict::refuse("the course is not active");
    }
    let next = world
        .course
        .sessions
        .iter()
        .filter(|x| x.status == SessionStatus::Booked && x.start >= world.now)
        .min_by_key(|x| (x.start, x.id));
    if let Some(next) = next.filter(|n| remaining && (n.start, n.id) < (s.start, s.id)) {
        return Verdict::refuse_naming(
            CourseRule::StatusOrder,
            format!("session {} is booked before session {}", next.id.0, s.id.0),
            "all remaining from a session after the next booking",
        );
    }
    Verdict::accept("a booked session of an active course")
}

/// A series keeps one dose, and never fewer than the doses given or
/// under way.
fn omit(course: &Course, s: &CourseSession) -> Verdict {
    let Some(rules) = course.current_series() else {
        return Verdict::refuse("boosters are not omitted");
    };
    if course.status != CourseStatus::Active {
        return Verdict::refuse("the course is not active");
    }
    let series = series_of(course, course.phase, course.series_started_at);
    if !series.iter().any(|x| x.id == s.id) {
        return Verdict::refuse("not a session of the current series");
    }
    if s.omitted {
        return Verdict::refuse("already omitted");
    }
    if !(s.status == SessionStatus::Booked || s.status.is_miss()) {
        return Verdict::refuse("only a booked or missed dose is omitted");
    }
    let t = tally(rules, &series);
    if t.target <= 1 {
        return Verdict::refuse_by(CourseRule::LastDose, "a series keeps one dose");
    }
    let standing = t.completed + t.in_progress;
    if standing >= t.target {
        return Verdict::refuse_naming(
            CourseRule::LastDose,
            format!(
                "holds {} doses and {standing} are given or under way",
                t.target
            ),
            "the doses given and under way would exceed the series' number",
        );
    }
    Verdict::accept("a booked or missed dose of the current series")
}

fn reschedule(
    course: &Course,
    status: Option<SessionStatus>,
    to: &Target,
    now: DateTime<Utc>,
) -> Verdict {
    if status != Some(SessionStatus::Booked) {
        return Verdict::refuse("only a booked session moves");
    }
    if course.status != CourseStatus::Active {
        return Verdict::refuse("the course is not active");
    }
    if let Target::At { start, .. } = to {
        if *start < now {
            return Verdict::refuse("to the past");
        }
    }
    Verdict::either()
}

fn add_session(course: &Course, start: DateTime<Utc>, now: DateTime<Utc>) -> Verdict {
    if course.status != CourseStatus::Active {
        return Verdict::refuse("the course is not active");
    }
    if start < now {
        return Verdict::refuse("in the past");
    }
    if let Some(rules) = course.current_series() {
        let t = tally(
            rules,
            &series_of(course, course.phase, course.series_started_at),
        );
        if t.target <= t.completed + t.in_progress + t.booked {
            return Verdict::refuse("every dose of the series is given or booked");
        }
    }
    Verdict::either()
}

fn lifecycle(world: &World, action: &Action) -> Verdict {
    let course = &world.course;
    let tomorrow = local_day(world.now) + Duration::days(1);
    match action {
        Action::Pause { .. } if course.status == CourseStatus::Active => {
            Verdict::accept("an active course pauses")
        }
        Action::Pause { .. } => Verdict::refuse("only an active course pauses"),
        Action::Resume { .. } if course.status != CourseStatus::Paused => {
            Verdict::refuse("only a paused course resumes")
        }
        Action::Resume { .. }
            if world
                .other_courses
                .iter()
                .any(|c| c.status.is_running() && c.modality == course.modality()) =>
        {
            Verdict::refuse("another course of the kind runs")
        }
        Action::Resume { from, .. } if from.is_some_and(|f| f < tomorrow) => {
            Verdict::refuse("resumes from before tomorrow")
        }
        Action::Resume { .. } => Verdict::accept("a paused course, nothing else running"),
        _ if course.status.is_over() => Verdict::refuse("the course is over"),
        _ => Verdict::accept("a course not over ends"),
    }
}

fn decide_at_risk(course: &Course, choice: AtRiskChoice) -> Verdict {
    if course.status != CourseStatus::Active {
        return Verdict::refuse("the course is not active");
    }
    if course.at_risk.is_none() {
        return Verdict::refuse("the course is not at risk");
    }
    match choice {
        AtRiskChoice::AcceptExtension => Verdict::accept("an at-risk course"),
        AtRiskChoice::RestartSeries if course.current_series().is_none() => {
            Verdict::refuse("boosters do not restart")
        }
        AtRiskChoice::RestartSeries => Verdict::either(),
    }
}

fn change_policy(course: &Course, policy: &BoosterPolicy, override_floor: bool) -> Verdict {
    let floor = course
        .protocol
        .boosters()
        .expect("both presets have boosters")
        .1
        .default_policy
        .floor_days;
    if course.status.is_over() {
        return Verdict::refuse("the course is over");
    }
    if (policy.floor_days < floor || policy.interval_days < floor) && !override_floor {
        return Verdict::refuse("below the floor without an override");
    }
    Verdict::accept("a valid policy")
}

fn step_back(course: &Course) -> Verdict {
    let rules = course.protocol.boosters().expect("boosters").1;
    let current = course.policy().expect("a policy");
    let Some(previous) = rules
        .interval_steps_days
        .iter()
        .rev()
        .copied()
        .find(|s| *s < current.interval_days)
    else {
        return Verdict::refuse("no shorter step");
    };
    if course.status.is_over() {
        return Verdict::refuse("the course is over");
    }
    let floor = rules.default_policy.floor_days;
    if current.floor_days < floor || previous < floor {
        return Verdict::either();
    }
    Verdict::accept("a shorter step within the floor")
}
