//! What actually happened at a session, and the rules that read it.
//!
//! The desk and the nurses record the real times (arrived, first device or
//! infusion start, dose ended, discharged), the blood pressure at the
//! points the label names and what they observed ([`record`]). Recording
//! follows rules by name ([`recording`]): times in order and not in the
//! future, a pre-dose blood pressure before any dose, and above the
//! clinic's limit ([`blood_pressure`]) a clinician's recorded decision or
//! the *not dosed* path. An esketamine patient is never discharged before
//! two hours after the first device ([`discharge`]). Each esketamine
//! session's REMS Patient Monitoring Form is pre-filled from the record
//! and completed by a clinician ([`rems_form`]). A checked-in session holds
//! its chair as long as what was recorded says it will ([`overrun`]): a
//! late arrival, a late dose or a patient still monitored moves the end,
//! and a booking the hold reaches is offered a fix.

pub mod blood_pressure;
pub mod discharge;
pub mod overrun;
pub mod record;
pub mod recording;
pub mod rems_form;

pub use blood_pressure::{BloodPressure, BloodPressureLimit, VitalsPoint};
pub use discharge::{earliest_discharge, REMS_MINIMUM_MONITORING_MINUTES};
pub use overrun::{chair_held, ChairHold, Fix, FixKind, OverrunCause};
pub use record::{DoseGiven, MonitoringChange, MonitoringRecord, Observations};
pub use recording::{record, MonitoringWarning, Recorded};
pub use rems_form::{RemsForm, RemsFormFields, RemsFormStatus};
