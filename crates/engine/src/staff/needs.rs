//! What each segment of a session needs from staff, and the load a booked
//! session puts on them.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::StaffRole;
use crate::calendar::Modality;
use crate::error::EngineError;
use crate::names::named_enum;
use crate::occupancy::Interval;
use crate::protocol::ChairTime;

named_enum! {
    /// The three parts of a session's chair time, in order.
    pub enum Segment as "session segment" {
        /// Vitals and blood pressure before dosing.
        PreDoseCheck => "pre_dose_check",
        /// The infusion, or the nasal devices under direct observation.
        Dosing => "dosing",
        /// Monitored recovery until discharge.
        Monitoring => "monitoring",
    }
}

/// One staffing rule of a segment: someone in `role` for every
/// `patients_per_staff` patients in it, or — without a ratio — one such
/// person on site while anyone is in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffNeed {
    pub segment: Segment,
    pub role: StaffRole,
    /// 1 = one-to-one; 4 = one person watches up to four patients; absent =
    /// one person on site however many patients there are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 50))]
    pub patients_per_staff: Option<u32>,
}

impl StaffNeed {
    const fn new(segment: Segment, role: StaffRole, patients_per_staff: Option<u32>) -> Self {
        StaffNeed {
            segment,
            role,
            patients_per_staff,
        }
    }

    /// Checks the ratio.
    pub fn validate(&self, field: &str) -> Result<(), EngineError> {
        match self.patients_per_staff {
            Some(n) if !(1..=50).contains(&n) => Err(EngineError::invalid(
                format!("{field}.patients_per_staff"),
                format!("{n} is outside 1..=50; leave it out for 'one on site'"),
            )),
            _ => Ok(()),
        }
    }
}

/// The label's and common clinic practice's staffing for a modality:
/// - esketamine: a nurse 1:1 for the pre-dose check and while the patient
///   doses under direct observation, a prescriber on site during dosing,
///   one nurse for up to four patients in the two-hour monitoring;
/// - IV ketamine: a nurse 1:1 for vitals and starting the line, one nurse
///   for up to three running infusions, a prescriber on site while anyone is
///   infused, one nurse for up to four in recovery;
/// - IM ketamine: as IV, with the injection given 1:1.
pub fn preset_needs(modality: Modality) -> Vec<StaffNeed> {
    use Segment::*;
    use StaffRole::*;
    let dosing_ratio = match modality {
        Modality::Iv => 3,
        Modality::Im | Modality::Intranasal => 1,
    };
    vec![
        StaffNeed::new(PreDoseCheck, Nurse, Some(1)),
        StaffNeed::new(Dosing, Nurse, Some(dosing_ratio)),
        StaffNeed::new(Dosing, Prescriber, None),
        StaffNeed::new(Monitoring, Nurse, Some(4)),
    ]
}

/// A clinic's own staffing for one modality, replacing the protocol's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffRatios {
    pub modality: Modality,
    pub needs: Vec<StaffNeed>,
}

/// Checks a list of needs: valid ratios, no segment and role given twice.
pub fn validate_needs(needs: &[StaffNeed], field: &str) -> Result<(), EngineError> {
    for (i, need) in needs.iter().enumerate() {
        need.validate(&format!("{field}[{i}]"))?;
        if needs[..i]
            .iter()
            .any(|n| n.segment == need.segment && n.role == need.role)
        {
            return Err(EngineError::invalid(
                format!("{field}[{i}]"),
                format!("{} during {} is given twice", need.role, need.segment),
            ));
        }
    }
    Ok(())
}

/// Checks a clinic's ratios: each modality once, each list valid.
pub fn validate_ratios(ratios: &[StaffRatios]) -> Result<(), EngineError> {
    for (i, own) in ratios.iter().enumerate() {
        validate_needs(&own.needs, &format!("staff_ratios[{i}].needs"))?;
        if ratios[..i].iter().any(|r| r.modality == own.modality) {
            return Err(EngineError::invalid(
                format!("staff_ratios[{i}].modality"),
                format!("{} is given twice", own.modality),
            ));
        }
    }
    Ok(())
}

/// The staff a session holds during one segment under one rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Load {
    pub interval: Interval,
    pub role: StaffRole,
    pub patients_per_staff: Option<u32>,
}

/// The segments of a session starting at `start`, as instants; empty
/// segments are left out.
pub fn segments(start: DateTime<Utc>, chair_time: &ChairTime) -> Vec<(Segment, Interval)> {
    let minutes = [
        (Segment::PreDoseCheck, chair_time.pre_dose_check_minutes),
        (Segment::Dosing, chair_time.treatment_minutes),
        (Segment::Monitoring, chair_time.monitoring_minutes),
    ];
    let mut at = start;
    let mut out = Vec::with_capacity(3);
    for (segment, length) in minutes {
        let end = at + Duration::minutes(i64::from(length));
        if let Some(interval) = Interval::non_empty(at, end) {
            out.push((segment, interval));
        }
        at = end;
    }
    out
}

/// The loads a session starting at `start` puts on staff under `needs`.
pub fn loads(start: DateTime<Utc>, chair_time: &ChairTime, needs: &[StaffNeed]) -> Vec<Load> {
    segments(start, chair_time)
        .into_iter()
        .flat_map(|(segment, interval)| {
            needs
                .iter()
                .filter(move |n| n.segment == segment)
                .map(move |n| Load {
                    interval,
                    role: n.role,
                    patients_per_staff: n.patients_per_staff,
                })
        })
        .collect()
}
