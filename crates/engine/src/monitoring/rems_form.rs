//! The esketamine REMS Patient Monitoring Form: one per esketamine session,
//! due seven calendar days after it. Chairside pre-fills it from the
//! session's record; a clinician answers what only they can (the
//! evaluation question, whether vitals were acceptable, concomitant
//! medication) and completes it; the clinic files it on the REMS portal and
//! records the submission. Draft → complete → submitted, never back.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::EngineError;
use crate::monitoring::blood_pressure::VitalsPoint;
use crate::monitoring::discharge::REMS_MINIMUM_MONITORING_MINUTES;
use crate::monitoring::record::MonitoringRecord;
use crate::monitoring::recording::CLOCK_SKEW_MINUTES;
use crate::names::named_enum;
use crate::role::Role;
use crate::staff::StaffId;

/// A form is *due soon* this many days before its due date.
pub const DUE_SOON_DAYS: i64 = 2;

named_enum! {
    /// Where a form is in its life.
    pub enum RemsFormStatus as "REMS form status" {
        /// Pre-filled, being answered.
        Draft => "draft",
        /// Every field answered; a clinician signed it off.
        Complete => "complete",
        /// Filed on the REMS portal (reference and time recorded).
        Submitted => "submitted",
    }
}

named_enum! {
    /// The dose the form asks about.
    pub enum DoseOnForm as "dose on the form" {
        Mg56 => "56_mg",
        Mg84 => "84_mg",
        Other => "other",
    }
}

named_enum! {
    /// Concomitant medication the form asks about.
    pub enum ConcomitantMedication as "concomitant medication" {
        Benzodiazepine => "benzodiazepine",
        NonBenzodiazepineSedativeHypnotic => "non_benzodiazepine_sedative_hypnotic",
        Psychostimulant => "psychostimulant",
        Maoi => "maoi",
    }
}

/// A blood pressure as the form records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pressure {
    pub systolic: u32,
    pub diastolic: u32,
}

/// The form's fields; every one may be unanswered in a draft.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RemsFormFields {
    #[serde(default)]
    pub treatment_date: Option<NaiveDate>,
    #[serde(default)]
    pub dose: Option<DoseOnForm>,
    /// The dose in mg when `dose` is `other`.
    #[serde(default)]
    pub dose_other_mg: Option<u32>,
    #[serde(default)]
    pub lot_number: Option<String>,
    /// From the first device to the end of monitoring (at least 120).
    #[serde(default)]
    pub total_treatment_minutes: Option<u32>,
    /// The evaluation question: when the patient would have been ready to
    /// leave, in minutes from the start of administration.
    #[serde(default)]
    pub ready_to_leave_after_minutes: Option<u32>,
    #[serde(default)]
    pub vitals_acceptable_before_administration: Option<bool>,
    #[serde(default)]
    pub vitals_acceptable_before_completion: Option<bool>,
    #[serde(default)]
    pub blood_pressure_before_administration: Option<Pressure>,
    #[serde(default)]
    pub blood_pressure_40_minutes: Option<Pressure>,
    #[serde(default)]
    pub blood_pressure_before_completion: Option<Pressure>,
    #[serde(default)]
    pub sedation: Option<bool>,
    #[serde(default)]
    pub dissociation: Option<bool>,
    #[serde(default)]
    pub respiratory_depression: Option<bool>,
    #[serde(default)]
    pub observation_notes: Option<String>,
    /// The sedating or pressor medication taken alongside; empty for none.
    #[serde(default)]
    pub concomitant_medications: Option<Vec<ConcomitantMedication>>,
    /// The provider who monitored (a staff member).
    #[serde(default)]
    pub monitored_by: Option<StaffId>,
}

fn pressure(record: &MonitoringRecord, point: VitalsPoint) -> Option<Pressure> {
    record.reading(point).map(|r| Pressure {
        systolic: r.systolic,
        diastolic: r.diastolic,
    })
}

impl RemsFormFields {
    /// What the session's record already says.
    pub fn prefilled(treatment_date: NaiveDate, record: &MonitoringRecord) -> Self {
        let dose = record.dose.as_ref();
        let total = record
            .dose_started_at
            .zip(record.discharged_at)
            .map(|(from, to)| u32::try_from((to - from).num_minutes()).unwrap_or(0));
        let o = &record.observations;
        RemsFormFields {
            treatment_date: Some(treatment_date),
            dose: dose.map(|d| match d.milligrams {
                56 => DoseOnForm::Mg56,
                84 => DoseOnForm::Mg84,
                _ => DoseOnForm::Other,
            }),
            dose_other_mg: dose
                .map(|d| d.milligrams)
                .filter(|mg| ![56, 84].contains(mg)),
            lot_number: dose.and_then(|d| d.lot_number.clone()),
            total_treatment_minutes: total,
            blood_pressure_before_administration: pressure(record, VitalsPoint::BeforeDosing),
            blood_pressure_40_minutes: pressure(record, VitalsPoint::AfterFortyMinutes),
            blood_pressure_before_completion: pressure(record, VitalsPoint::BeforeDischarge),
            sedation: o.sedation,
            dissociation: o.dissociation,
            respiratory_depression: o.respiratory_depression,
            observation_notes: o.notes.clone(),
            monitored_by: record.monitored_by,
            ..RemsFormFields::default()
        }
    }

    /// These answers over `base`: what a clinician entered wins.
    pub fn over(&self, base: &RemsFormFields) -> RemsFormFields {
        macro_rules! pick {
            ($($f:ident),+) => { RemsFormFields { $($f: self.$f.clone().or_else(|| base.$f.clone())),+ } };
        }
        pick!(
            treatment_date,
            dose,
            dose_other_mg,
            lot_number,
            total_treatment_minutes,
            ready_to_leave_after_minutes,
            vitals_acceptable_before_administration,
            vitals_acceptable_before_completion,
            blood_pressure_before_administration,
            blood_pressure_40_minutes,
            blood_pressure_before_completion,
            sedation,
            dissociation,
            respiratory_depression,
            observation_notes,
            concomitant_medications,
            monitored_by
        )
    }

    /// The fields the form must answer that are still unanswered, in the
    /// form's order (observation notes are optional).
    pub fn missing(&self) -> Vec<&'static str> {
        macro_rules! unanswered {
            ($($f:ident),+) => { [$((stringify!($f), self.$f.is_none())),+] };
        }
        let mut missing: Vec<&'static str> = unanswered!(
            treatment_date,
            dose,
            lot_number,
            total_treatment_minutes,
            ready_to_leave_after_minutes,
            vitals_acceptable_before_administration,
            vitals_acceptable_before_completion,
            blood_pressure_before_administration,
            blood_pressure_40_minutes,
            blood_pressure_before_completion,
            sedation,
            dissociation,
            respiratory_depression,
            concomitant_medications,
            monitored_by
        )
        .into_iter()
        .filter_map(|(field, missing)| missing.then_some(field))
        .collect();
        if self.dose == Some(DoseOnForm::Other) && self.dose_other_mg.is_none() {
            missing.push("dose_other_mg");
        }
        missing
    }

    /// The answers given are ones the form can hold.
    pub fn validate(&self) -> Result<(), EngineError> {
        if let Some(total) = self.total_treatment_minutes {
            if i64::from(total) < REMS_MINIMUM_MONITORING_MINUTES || total > 24 * 60 {
                return Err(EngineError::invalid(
                    "total_treatment_minutes",
                    format!("must be between {REMS_MINIMUM_MONITORING_MINUTES} (the REMS minimum) and 1440"),
                ));
            }
        }
        if self
            .ready_to_leave_after_minutes
            .is_some_and(|m| m > 24 * 60)
        {
            return Err(EngineError::invalid(
                "ready_to_leave_after_minutes",
                "must be at most 1440",
            ));
        }
        if self.dose_other_mg.is_some_and(|mg| mg == 0 || mg > 1000) {
            return Err(EngineError::invalid(
                "dose_other_mg",
                "must be between 1 and 1000",
            ));
        }
        if self.dose_other_mg.is_some() && self.dose.is_some_and(|d| d != DoseOnForm::Other) {
            return Err(EngineError::invalid(
                "dose_other_mg",
                "is given only when `dose` is `other`",
            ));
        }
        Ok(())
    }
}

/// How pressing an open form is on a clinic-local day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Urgency {
    /// More than two days to go.
    Open,
    /// Due within two days.
    DueSoon,
    /// Past its due date.
    Overdue,
}

/// One session's form as it stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemsForm {
    pub status: RemsFormStatus,
    /// Seven calendar days after the session, clinic-local.
    pub due_on: NaiveDate,
    /// What a clinician entered (over the pre-filled record).
    pub entered: RemsFormFields,
    /// The REMS portal's reference, once submitted.
    pub submission_reference: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
}

impl RemsForm {
    /// How pressing the form is on `today`; a submitted form is never.
    pub fn urgency(&self, today: NaiveDate) -> Option<Urgency> {
        if self.status == RemsFormStatus::Submitted {
            return None;
        }
        Some(if today > self.due_on {
            Urgency::Overdue
        } else if today >= self.due_on - Duration::days(DUE_SOON_DAYS) {
            Urgency::DueSoon
        } else {
            Urgency::Open
        })
    }

    /// A clinician's answers, while the form is a draft.
    pub fn answer(&mut self, answers: &RemsFormFields, actor: Role) -> Result<(), EngineError> {
        self.only_in(RemsFormStatus::Draft, "answered")?;
        clinician(actor, "answering a REMS form")?;
        answers.validate()?;
        self.entered = answers.over(&self.entered);
        Ok(())
    }

    /// A clinician signs the form off: every field answered over `prefill`.
    pub fn complete(&mut self, prefill: &RemsFormFields, actor: Role) -> Result<(), EngineError> {
        self.only_in(RemsFormStatus::Draft, "completed")?;
        clinician(actor, "completing a REMS form")?;
        let whole = self.entered.over(prefill);
        whole.validate()?;
        if let Some(field) = whole.missing().first() {
            return Err(EngineError::invalid(
                *field,
                "the form needs an answer here before it is complete",
            ));
        }
        self.entered = whole;
        self.status = RemsFormStatus::Complete;
        Ok(())
    }

    /// The clinic filed the form on the REMS portal at `at` (default
    /// `now`; never in the future).
    pub fn submit(
        &mut self,
        reference: &str,
        at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        self.only_in(RemsFormStatus::Complete, "submitted")?;
        let at = at.unwrap_or(now);
        if at > now + Duration::minutes(CLOCK_SKEW_MINUTES) {
            return Err(EngineError::invalid("submitted_at", "is in the future"));
        }
        let reference = reference.trim();
        if reference.is_empty() {
            return Err(EngineError::invalid(
                "submission_reference",
                "give the REMS portal's reference for the filed form",
            ));
        }
        self.submission_reference = Some(reference.to_string());
        self.submitted_at = Some(at);
        self.status = RemsFormStatus::Submitted;
        Ok(())
    }

    fn only_in(&self, status: RemsFormStatus, what: &str) -> Result<(), EngineError> {
        if self.status == status {
            return Ok(());
        }
        Err(crate::course::Refusal::new(
            crate::course::CourseRule::StatusOrder,
            format!(
                "a REMS form is {what} only as {status}; this one is {}",
                self.status
            ),
        )
        .into())
    }
}

fn clinician(actor: Role, what: &str) -> Result<(), EngineError> {
    crate::course::guards::clinical(actor, what)
}
