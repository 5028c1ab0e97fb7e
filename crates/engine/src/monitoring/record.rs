//! The record of one session as it happened.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::monitoring::blood_pressure::{BloodPressure, BloodPressureLimit, VitalsPoint};
use crate::staff::StaffId;

/// The dose given and the lot it came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DoseGiven {
    /// Milligrams (esketamine: 56 or 84, or another dose).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1000, example = 56))]
    pub milligrams: u32,
    /// The lot number on the device or vial.
    #[serde(default)]
    pub lot_number: Option<String>,
}

/// What was observed during monitoring (yes/no; unrecorded until said).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Observations {
    #[serde(default)]
    pub sedation: Option<bool>,
    #[serde(default)]
    pub dissociation: Option<bool>,
    #[serde(default)]
    pub respiratory_depression: Option<bool>,
    /// What the observer noted.
    #[serde(default)]
    pub notes: Option<String>,
}

/// What actually happened at a session. Every field is unknown until
/// recorded.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonitoringRecord {
    /// The patient arrived.
    pub arrived_at: Option<DateTime<Utc>>,
    /// The first esketamine device was used, or the infusion started.
    pub dose_started_at: Option<DateTime<Utc>>,
    /// The last device was used, or the infusion stopped.
    pub dose_ended_at: Option<DateTime<Utc>>,
    /// Monitoring ended: a provider judged the patient ready and they left.
    pub discharged_at: Option<DateTime<Utc>>,
    /// The dose and lot.
    pub dose: Option<DoseGiven>,
    /// Readings, at most one per point.
    pub blood_pressure: Vec<BloodPressure>,
    pub observations: Observations,
    /// A clinician's reason to dose although the pre-dose blood pressure was
    /// above the clinic's limit.
    pub dosed_despite_blood_pressure: Option<String>,
    /// The staff member who monitored the patient.
    pub monitored_by: Option<StaffId>,
}

impl MonitoringRecord {
    /// The reading taken at `point`, if any.
    pub fn reading(&self, point: VitalsPoint) -> Option<&BloodPressure> {
        self.blood_pressure.iter().find(|r| r.point == point)
    }

    /// Whether the dose is held by the blood pressure: not started, and the
    /// pre-dose reading above the clinic's limit (a clinician decides: dose
    /// with a reason, or mark the session not dosed).
    pub fn dose_held(&self, limit: BloodPressureLimit) -> bool {
        self.dose_started_at.is_none()
            && self
                .reading(VitalsPoint::BeforeDosing)
                .is_some_and(|r| limit.exceeded_by(r))
    }
}

/// A change to a session's record: fields given replace what was recorded;
/// a reading replaces the one at its point; observations merge field by
/// field. Discharge is recorded by completing the session.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonitoringChange {
    #[serde(default)]
    pub arrived_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub dose_started_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub dose_ended_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub dose: Option<DoseGiven>,
    #[serde(default)]
    pub blood_pressure: Vec<BloodPressure>,
    #[serde(default)]
    pub observations: Option<Observations>,
    /// A clinician's reason to dose above the blood pressure limit.
    #[serde(default)]
    pub dosed_despite_blood_pressure: Option<String>,
    #[serde(default)]
    pub monitored_by: Option<StaffId>,
}

impl MonitoringChange {
    /// The record with this change applied (no rule checked: see
    /// [`crate::monitoring::record`]).
    pub fn applied_to(&self, current: &MonitoringRecord) -> MonitoringRecord {
        let mut next = current.clone();
        next.arrived_at = self.arrived_at.or(next.arrived_at);
        next.dose_started_at = self.dose_started_at.or(next.dose_started_at);
        next.dose_ended_at = self.dose_ended_at.or(next.dose_ended_at);
        if let Some(dose) = &self.dose {
            next.dose = Some(dose.clone());
        }
        for reading in &self.blood_pressure {
            next.blood_pressure.retain(|r| r.point != reading.point);
            next.blood_pressure.push(*reading);
        }
        next.blood_pressure.sort_by_key(|r| r.point);
        if let Some(seen) = &self.observations {
            let o = &mut next.observations;
            o.sedation = seen.sedation.or(o.sedation);
            o.dissociation = seen.dissociation.or(o.dissociation);
            o.respiratory_depression = seen.respiratory_depression.or(o.respiratory_depression);
            if seen.notes.is_some() {
                o.notes.clone_from(&seen.notes);
            }
        }
        if self.dosed_despite_blood_pressure.is_some() {
            next.dosed_despite_blood_pressure
                .clone_from(&self.dosed_despite_blood_pressure);
        }
        next.monitored_by = self.monitored_by.or(next.monitored_by);
        next
    }
}
