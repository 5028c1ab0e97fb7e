//! The checks many actions share: a reason given, a clinician deciding,
//! an active course, the gates before a dose.

use crate::course::draft::Draft;
use crate::course::model::{CourseSession, Patient};
use crate::course::refusal::{CourseRule, Refusal};
use crate::course::status::{CourseStatus, SessionStatus};
use crate::error::EngineError;
use crate::protocol::Protocol;
use crate::role::Role;
use crate::settings::ClinicSettings;

/// A reason that says something, or an input error naming `field`.
pub(crate) fn reason<'t>(field: &str, text: &'t str) -> Result<&'t str, EngineError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(EngineError::invalid(field, "give a reason"));
    }
    Ok(text)
}

/// A reason if one was given (blank counts as none).
pub(crate) fn given(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// Only a clinician (or an admin) decides this.
pub(crate) fn clinical(actor: Role, what: &str) -> Result<(), EngineError> {
    if actor.is_clinical() {
        return Ok(());
    }
    Err(Refusal::new(
        CourseRule::ClinicalDecision,
        format!("{what} is a clinician's decision; a {actor} key may not do it"),
    )
    .into())
}

/// The course runs.
pub(crate) fn active(draft: &Draft) -> Result<(), EngineError> {
    if let Some(until) = draft.course.held_until {
        return Err(Refusal::new(
            CourseRule::CourseActive,
            format!("the course is held for the patient to decide until {until}: confirm it first"),
        )
        .into());
    }
    match draft.course.status {
        CourseStatus::Active => Ok(()),
        status => Err(Refusal::new(
            CourseRule::CourseActive,
            format!("the course is {status}; only an active course takes this"),
        )
        .into()),
    }
}

/// The session is in `status`, or the status order refuses `what`.
pub(crate) fn in_status(
    session: &CourseSession,
    status: SessionStatus,
    what: &str,
) -> Result<(), EngineError> {
    if session.status == status {
        return Ok(());
    }
    Err(Refusal::new(
        CourseRule::StatusOrder,
        format!(
            "{what}: session {} is {}, not {status}",
            session.id.0, session.status
        ),
    )
    .into())
}

/// The gates before any dose (domain rule 6): intake assessed and consent
/// on file; for a REMS protocol, a certified site and an enrolled patient.
pub fn dose_gates(
    patient: &Patient,
    protocol: &Protocol,
    settings: &ClinicSettings,
) -> Result<(), Refusal> {
    if patient.intake_assessed_on.is_none() {
        return Err(Refusal::new(
            CourseRule::IntakeAssessed,
            "the patient's intake assessment is not on file",
        ));
    }
    if !patient.consent_on_file {
        return Err(Refusal::new(
            CourseRule::ConsentOnFile,
            "the patient's treatment consent is not on file",
        ));
    }
    if protocol.rems && !settings.rems_certified {
        return Err(Refusal::new(
            CourseRule::RemsCertified,
            "this site is not certified under the esketamine REMS",
        ));
    }
    if protocol.rems && patient.rems_enrolled_on.is_none() {
        return Err(Refusal::new(
            CourseRule::RemsEnrolled,
            "the patient is not enrolled in the esketamine REMS",
        ));
    }
    Ok(())
}
