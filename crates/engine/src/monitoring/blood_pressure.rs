//! Blood pressure: where in a session it is taken, and the clinic's limit
//! above which a dose waits for a clinician (the esketamine label: consider
//! the risk above 140/90 mmHg before dosing).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::EngineError;
use crate::names::named_enum;

named_enum! {
    /// The points at which the label asks for a blood pressure.
    pub enum VitalsPoint as "vitals point" {
        /// Before the first device or the infusion starts.
        BeforeDosing => "before_dosing",
        /// About forty minutes after dosing starts (the peak).
        AfterFortyMinutes => "after_40_minutes",
        /// Before the patient leaves.
        BeforeDischarge => "before_discharge",
    }
}

/// One blood pressure reading, in mmHg.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BloodPressure {
    /// Where in the session it was taken.
    pub point: VitalsPoint,
    #[cfg_attr(
        feature = "openapi",
        schema(minimum = 40, maximum = 300, example = 128)
    )]
    pub systolic: u32,
    #[cfg_attr(feature = "openapi", schema(minimum = 20, maximum = 200, example = 82))]
    pub diastolic: u32,
    /// When it was taken.
    pub taken_at: DateTime<Utc>,
}

impl BloodPressure {
    /// A reading a cuff can give: each number in range, systolic above
    /// diastolic. `field` names the reading (`blood_pressure[1]`).
    pub fn validate(&self, field: &str) -> Result<(), EngineError> {
        if !(40..=300).contains(&self.systolic) {
            return Err(EngineError::invalid(
                format!("{field}.systolic"),
                "must be between 40 and 300 mmHg",
            ));
        }
        if !(20..=200).contains(&self.diastolic) {
            return Err(EngineError::invalid(
                format!("{field}.diastolic"),
                "must be between 20 and 200 mmHg",
            ));
        }
        if self.diastolic >= self.systolic {
            return Err(EngineError::invalid(
                format!("{field}.diastolic"),
                "must be below the systolic pressure",
            ));
        }
        Ok(())
    }
}

impl std::fmt::Display for BloodPressure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{} mmHg", self.systolic, self.diastolic)
    }
}

/// The pre-dose blood pressure above which dosing waits for a clinician's
/// decision; the label's guidance (140/90) unless the clinic sets its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BloodPressureLimit {
    /// Above this systolic pressure (mmHg).
    #[cfg_attr(
        feature = "openapi",
        schema(minimum = 90, maximum = 220, example = 140)
    )]
    pub systolic: u32,
    /// Or above this diastolic pressure (mmHg).
    #[cfg_attr(feature = "openapi", schema(minimum = 50, maximum = 140, example = 90))]
    pub diastolic: u32,
}

impl Default for BloodPressureLimit {
    fn default() -> Self {
        BloodPressureLimit {
            systolic: 140,
            diastolic: 90,
        }
    }
}

impl BloodPressureLimit {
    /// Whether a reading is above the limit (either number strictly above).
    pub fn exceeded_by(&self, reading: &BloodPressure) -> bool {
        reading.systolic > self.systolic || reading.diastolic > self.diastolic
    }

    /// The limit is one a clinic could mean.
    pub fn validate(&self) -> Result<(), EngineError> {
        if !(90..=220).contains(&self.systolic) {
            return Err(EngineError::invalid(
                "blood_pressure_limit.systolic",
                "must be between 90 and 220 mmHg",
            ));
        }
        if !(50..=140).contains(&self.diastolic) {
            return Err(EngineError::invalid(
                "blood_pressure_limit.diastolic",
                "must be between 50 and 140 mmHg",
            ));
        }
        Ok(())
    }
}

impl std::fmt::Display for BloodPressureLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{} mmHg", self.systolic, self.diastolic)
    }
}
