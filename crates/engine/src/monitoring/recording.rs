//! Recording what happened, by the rules: while the patient is checked in,
//! times in order and never in the future, a pre-dose blood pressure before
//! any dose, and above the clinic's limit a clinician's recorded decision
//! (or the *not dosed* path, which is the course's: see
//! [`crate::course::Action::NotDosed`]).

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::course::{CourseRule, CourseSession, Refusal, SessionStatus};
use crate::error::EngineError;
use crate::local_time::to_local;
use crate::monitoring::blood_pressure::{BloodPressureLimit, VitalsPoint};
use crate::monitoring::record::{MonitoringChange, MonitoringRecord};
use crate::protocol::Protocol;
use crate::role::Role;
use crate::settings::ClinicSettings;

/// How far ahead of the server's clock a recorded time may be (a tablet's
/// clock running fast), and no further.
pub const CLOCK_SKEW_MINUTES: i64 = 5;

/// The session a record is about, and who records it when.
#[derive(Clone, Copy)]
pub struct AtSession<'a> {
    /// The clinic's zone, for the words of a refusal.
    pub zone: Tz,
    pub session: &'a CourseSession,
    pub protocol: &'a Protocol,
    pub settings: &'a ClinicSettings,
    /// Who records.
    pub actor: Role,
    pub now: DateTime<Utc>,
}

/// Something the recorder should know before going on, by rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonitoringWarning {
    /// The rule (`blood_pressure_limit`).
    pub rule: CourseRule,
    /// In the clinic's words, with the numbers.
    pub detail: String,
}

/// A record accepted, and what the recorder should know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub record: MonitoringRecord,
    pub warnings: Vec<MonitoringWarning>,
}

/// Applies `change` to `current` if the rules allow it.
pub fn record(
    at: AtSession<'_>,
    current: &MonitoringRecord,
    change: &MonitoringChange,
) -> Result<Recorded, EngineError> {
    if at.session.status != SessionStatus::CheckedIn {
        return Err(Refusal::new(
            CourseRule::StatusOrder,
            format!(
                "what happened is recorded while the patient is checked in; session {} is {}",
                at.session.id.0, at.session.status
            ),
        )
        .into());
    }
    if let Some(reason) = &change.dosed_despite_blood_pressure {
        crate::course::guards::reason("dosed_despite_blood_pressure", reason)?;
        if !at.actor.is_clinical() {
            return Err(clinicians_decision(at.actor));
        }
    }
    for (i, reading) in change.blood_pressure.iter().enumerate() {
        reading.validate(&format!("blood_pressure[{i}]"))?;
        not_in_future(
            at,
            &format!("blood_pressure[{i}].taken_at"),
            reading.taken_at,
        )?;
    }
    if let Some(dose) = &change.dose {
        if !(1..=1000).contains(&dose.milligrams) {
            return Err(EngineError::invalid(
                "dose.milligrams",
                "must be between 1 and 1000",
            ));
        }
    }
    let next = change.applied_to(current);
    times_in_order(at, &next)?;
    dose_waits_for_blood_pressure(at, &next)?;
    Ok(Recorded {
        warnings: warnings(&next, at.settings.blood_pressure_limit),
        record: next,
    })
}

fn clinicians_decision(actor: Role) -> EngineError {
    Refusal::new(
        CourseRule::ClinicalDecision,
        format!("dosing above the blood pressure limit is a clinician's decision; a {actor} key may not record it"),
    )
    .into()
}

fn not_in_future(at: AtSession<'_>, field: &str, when: DateTime<Utc>) -> Result<(), EngineError> {
    if when > at.now + Duration::minutes(CLOCK_SKEW_MINUTES) {
        return Err(EngineError::invalid(field, "is in the future"));
    }
    Ok(())
}

/// Arrived, dose started, dose ended: each not in the future, each not
/// before the one it follows, and the arrival not before check-in opened.
fn times_in_order(at: AtSession<'_>, record: &MonitoringRecord) -> Result<(), EngineError> {
    let times = [
        ("arrived_at", record.arrived_at),
        ("dose_started_at", record.dose_started_at),
        ("dose_ended_at", record.dose_ended_at),
    ];
    let (opens, _) = crate::course::timing::check_in_window(at.zone, at.session, at.settings);
    let mut earliest = ("the opening of check-in", opens);
    for (field, when) in times {
        let Some(when) = when else { continue };
        not_in_future(at, field, when)?;
        if when < earliest.1 {
            return Err(EngineError::invalid(
                field,
                format!(
                    "is before {} ({})",
                    earliest.0.replace('_', " "),
                    clinic_time(at.zone, earliest.1)
                ),
            ));
        }
        earliest = (field, when);
    }
    if record.dose_ended_at.is_some() && record.dose_started_at.is_none() {
        return Err(EngineError::invalid(
            "dose_ended_at",
            "record when the dose started first",
        ));
    }
    Ok(())
}

/// A dose starts only after a pre-dose blood pressure is taken, and above
/// the clinic's limit only with a clinician's reason.
fn dose_waits_for_blood_pressure(
    at: AtSession<'_>,
    record: &MonitoringRecord,
) -> Result<(), EngineError> {
    if record.dose_started_at.is_none() {
        return Ok(());
    }
    let Some(before) = record.reading(VitalsPoint::BeforeDosing) else {
        return Err(Refusal::new(
            CourseRule::PreDoseBloodPressure,
            "record the blood pressure before dosing (point `before_dosing`) before the dose starts",
        )
        .into());
    };
    let limit = at.settings.blood_pressure_limit;
    if limit.exceeded_by(before) && record.dosed_despite_blood_pressure.is_none() {
        return Err(Refusal::new(
            CourseRule::BloodPressureLimit,
            format!(
                "the blood pressure before dosing was {before}, above the clinic's limit of {limit}: \
                 a clinician doses with a reason (`dosed_despite_blood_pressure`), or the session is marked not dosed"
            ),
        )
        .into());
    }
    Ok(())
}

/// What the recorder should know about a record: each reading above the
/// clinic's limit, and before dosing what the way out is.
pub fn warnings(record: &MonitoringRecord, limit: BloodPressureLimit) -> Vec<MonitoringWarning> {
    record
        .blood_pressure
        .iter()
        .filter(|r| limit.exceeded_by(r))
        .map(|r| MonitoringWarning {
            rule: CourseRule::BloodPressureLimit,
            detail: match r.point {
                VitalsPoint::BeforeDosing if record.dose_held(limit) => format!(
                    "the blood pressure before dosing is {r}, above the clinic's limit of {limit}: \
                     a clinician decides whether to dose (with a reason) or to mark the session not dosed"
                ),
                point => format!(
                    "the blood pressure at {} is {r}, above the clinic's limit of {limit}",
                    point.as_str().replace('_', " ")
                ),
            },
        })
        .collect()
}

/// An instant as the clinic reads it.
pub(crate) fn clinic_time(zone: Tz, at: DateTime<Utc>) -> String {
    to_local(zone, at).format("%Y-%m-%d %H:%M").to_string()
}
