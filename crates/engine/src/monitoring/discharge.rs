//! When a patient may leave. Under the esketamine REMS, monitoring lasts at
//! least two hours from the first device, whatever the booked chair time
//! says; an earlier discharge is refused, naming the earliest allowed time.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use crate::course::{CourseRule, Refusal};
use crate::error::EngineError;
use crate::monitoring::record::MonitoringRecord;
use crate::monitoring::recording::{clinic_time, CLOCK_SKEW_MINUTES};
use crate::protocol::Protocol;

/// The REMS minimum: two hours from the first device to discharge.
pub const REMS_MINIMUM_MONITORING_MINUTES: i64 = 120;

/// The earliest a patient on `protocol` may leave, if the rules set one:
/// for a REMS protocol, two hours after the first device.
pub fn earliest_discharge(protocol: &Protocol, record: &MonitoringRecord) -> Option<DateTime<Utc>> {
    let started = record.dose_started_at?;
    protocol
        .rems
        .then(|| started + Duration::minutes(REMS_MINIMUM_MONITORING_MINUTES))
}

/// A discharge at `at` (a completion) keeps the rules: not in the future,
/// not before the dose started, and for a REMS protocol with the first
/// device's time recorded and two hours passed since.
pub fn may_discharge(
    zone: Tz,
    protocol: &Protocol,
    record: &MonitoringRecord,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), EngineError> {
    if at > now + Duration::minutes(CLOCK_SKEW_MINUTES) {
        return Err(EngineError::invalid("discharged_at", "is in the future"));
    }
    if let Some(started) = record.dose_started_at {
        if at < started {
            return Err(EngineError::invalid(
                "discharged_at",
                format!(
                    "is before the dose started ({})",
                    clinic_time(zone, started)
                ),
            ));
        }
    }
    if !protocol.rems {
        return Ok(());
    }
    let Some(started) = record.dose_started_at else {
        return Err(Refusal::new(
            CourseRule::FirstDeviceRecorded,
            "an esketamine session completes once the time of the first device is recorded \
             (`dose_started_at` in the session's monitoring record): the REMS counts two hours from it",
        )
        .into());
    };
    let earliest = started + Duration::minutes(REMS_MINIMUM_MONITORING_MINUTES);
    if at < earliest {
        return Err(Refusal::new(
            CourseRule::RemsMinimumMonitoring,
            format!(
                "the first device was used at {}: {} minutes of monitoring is under the REMS minimum of \
                 {REMS_MINIMUM_MONITORING_MINUTES}; the patient may leave from {} (clinic time)",
                clinic_time(zone, started),
                (at - started).num_minutes(),
                clinic_time(zone, earliest)
            ),
        )
        .from(earliest)
        .into());
    }
    Ok(())
}
