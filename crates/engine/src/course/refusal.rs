//! Why the engine refuses an action on a course: the rule, in words, and
//! when the action becomes possible if it is only a matter of time.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::names::named_enum;

named_enum! {
    /// A rule of the course's life, as a clinician would name it.
    pub enum CourseRule as "course rule" {
        /// Statuses only move forward (booked → checked in → completed or
        /// not dosed; booked → cancelled or no-show).
        StatusOrder => "status_order",
        /// Check-in is on the session's local day, from shortly before its
        /// start until its end.
        CheckInWindow => "check_in_window",
        /// No-show only after the start plus the clinic's grace period.
        NoShowGrace => "no_show_grace",
        /// The action needs an active course.
        CourseActive => "course_active",
        /// Only a paused course resumes.
        CoursePaused => "course_paused",
        /// The course is over (completed or ceased).
        CourseOver => "course_over",
        /// Only an at-risk course takes a clinician's at-risk decision, or
        /// freed chair time that saves it.
        AtRisk => "at_risk",
        /// Freed chair time goes to an at-risk course only when it brings
        /// the course back inside its rules.
        Rescue => "rescue",
        /// One running course per patient and kind of treatment.
        OneRunningCourse => "one_running_course",
        /// Booster spacing has no shorter step.
        ShorterStep => "shorter_step",
        /// A correction needs a change to undo, one the course can still
        /// take back: a dose the series no longer owes (its doses are
        /// booked) is not booked again.
        NothingToUndo => "nothing_to_undo",
        /// A dose of a phase that has ended (or of a series a clinician
        /// restarted) stays as it is.
        PhaseEnded => "phase_ended",
        /// The action is a clinician's decision.
        ClinicalDecision => "clinical_decision",
        /// A series keeps at least one dose (ending it is ceasing the
        /// course), and never fewer than the doses given or under way.
        LastDose => "last_dose",
        /// Only a series phase takes this (boosters are open-ended).
        SeriesOnly => "series_only",
        /// A dose starts only after the blood pressure before dosing is taken.
        PreDoseBloodPressure => "pre_dose_blood_pressure",
        /// Above the clinic's blood pressure limit, dosing is a clinician's
        /// decision with a reason (or the session is not dosed).
        BloodPressureLimit => "blood_pressure_limit",
        /// An esketamine session completes once the first device's time is
        /// recorded: the REMS counts from it.
        FirstDeviceRecorded => "first_device_recorded",
        /// Under the esketamine REMS, no discharge before two hours after
        /// the first device.
        RemsMinimumMonitoring => "rems_minimum_monitoring",
        /// Gate: the intake assessment is on file.
        IntakeAssessed => "intake_assessed_on",
        /// Gate: treatment consent is on file.
        ConsentOnFile => "consent_on_file",
        /// Gate: the site is certified under the esketamine REMS.
        RemsCertified => "rems_certified",
        /// Gate: the patient is enrolled in the esketamine REMS.
        RemsEnrolled => "rems_enrolled_on",
        /// Gate: a responsible adult drives the patient home.
        EscortConfirmed => "escort_confirmed",
    }
}

impl CourseRule {
    /// Whether the rule is a gate before treatment (domain rule 6).
    pub fn is_gate(self) -> bool {
        matches!(
            self,
            CourseRule::IntakeAssessed
                | CourseRule::ConsentOnFile
                | CourseRule::RemsCertified
                | CourseRule::RemsEnrolled
                | CourseRule::EscortConfirmed
        )
    }

    /// Whether only the passing of time (or a change elsewhere) can make
    /// the action possible: the request was right, the moment was not.
    pub fn is_state(self) -> bool {
        !self.is_gate() && self != CourseRule::ClinicalDecision
    }
}

/// An action the course's rules do not allow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{detail}")]
pub struct Refusal {
    pub rule: CourseRule,
    /// The numbers behind it, in the clinic's words.
    pub detail: String,
    /// When the action becomes possible, if waiting is all it takes.
    pub possible_from: Option<DateTime<Utc>>,
    /// Another course the refusal is about (the one already running).
    pub other_course: Option<i64>,
}

impl Refusal {
    /// A refusal by `rule`.
    pub fn new(rule: CourseRule, detail: impl Into<String>) -> Self {
        Refusal {
            rule,
            detail: detail.into(),
            possible_from: None,
            other_course: None,
        }
    }

    /// The same, possible from `at`.
    pub fn from(mut self, at: DateTime<Utc>) -> Self {
        self.possible_from = Some(at);
        self
    }
}
