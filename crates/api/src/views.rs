//! Store rows → API views. Instants are shown in UTC and in clinic time.

use chairside_store::models as m;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::dto::clinic::{
    ChairView, ClinicSettings, ClinicView, ClosureSpan, ClosureView, OpeningHours,
};
use crate::dto::common::{Modality, WallTime};
use crate::dto::course::{AtRisk, CourseStatus, CourseView};
use crate::dto::patient::{PatientView, Preferences};
use crate::dto::protocol::{BoosterPolicy, ProtocolDefinition, ProtocolView};
use crate::dto::session::{LocalTimes, PlannedSessionView, SessionStatus, SessionView};
use crate::error::ApiError;

/// Parses JSON the service itself wrote; failure means a bug or a corrupt row.
pub fn stored<T: serde::de::DeserializeOwned>(
    value: &serde_json::Value,
    what: &str,
) -> Result<T, ApiError> {
    serde_json::from_value(value.clone())
        .map_err(|e| ApiError::Internal(format!("stored {what} is unreadable: {e}")))
}

/// The clinic's zone.
pub fn zone_of(clinic: &m::Clinic) -> Result<Tz, ApiError> {
    clinic
        .time_zone
        .parse()
        .map_err(|_| ApiError::Internal(format!("clinic {} has an unknown zone", clinic.id)))
}

/// A clinic.
pub fn clinic(c: &m::Clinic) -> Result<ClinicView, ApiError> {
    Ok(ClinicView {
        id: c.id,
        name: c.name.clone(),
        time_zone: c.time_zone.clone(),
        hours: stored::<OpeningHours>(&c.opening_hours, "opening hours")?,
        settings: stored::<ClinicSettings>(&c.settings, "settings")?,
        created_at: c.created_at,
        updated_at: c.updated_at,
    })
}

/// A chair.
pub fn chair(c: &m::Chair) -> Result<ChairView, ApiError> {
    Ok(ChairView {
        id: c.id,
        label: c.label.clone(),
        modalities: stored::<Vec<Modality>>(&c.modalities, "modalities")?,
        position: c.position,
        active: c.active,
    })
}

/// A closure.
pub fn closure(c: &m::Closure) -> ClosureView {
    ClosureView {
        id: c.id,
        chair_id: c.chair_id,
        span: match c.span {
            m::ClosureSpan::Days { first, last } => ClosureSpan::Days { first, last },
            m::ClosureSpan::LocalRange { start, end } => ClosureSpan::Range { start, end },
        },
        reason: c.reason.clone(),
    }
}

/// A patient.
pub fn patient(p: &m::Patient) -> Result<PatientView, ApiError> {
    Ok(PatientView {
        id: p.id,
        external_ref: p.external_ref.clone(),
        display_name: p.display_name.clone(),
        preferences: stored::<Preferences>(&p.preferences, "preferences")?,
        intake_assessed_on: p.intake_assessed_on,
        consent_on_file: p.consent_on_file,
        rems_enrolled_on: p.rems_enrolled_on,
        escort_confirmed: p.escort_confirmed,
        created_at: p.created_at,
        updated_at: p.updated_at,
    })
}

/// A protocol at one revision.
pub fn protocol(p: &m::Protocol, v: &m::ProtocolVersion) -> Result<ProtocolView, ApiError> {
    let engine: chairside_engine::Protocol = stored(&v.definition, "protocol")?;
    Ok(ProtocolView {
        id: p.id,
        code: p.code.clone(),
        revision: v.revision,
        definition: ProtocolDefinition::from(&engine),
        created_at: p.created_at,
    })
}

/// Local times of an interval in the zone.
pub fn local_times(zone: Tz, start: DateTime<Utc>, end: DateTime<Utc>) -> LocalTimes {
    let local_start = start.with_timezone(&zone);
    LocalTimes {
        zone: zone.name().to_string(),
        date: local_start.date_naive(),
        start: WallTime(local_start.time()),
        end: WallTime(end.with_timezone(&zone).time()),
        start_with_offset: local_start.fixed_offset(),
    }
}

/// A session's status on the wire.
pub fn status(s: m::SessionStatus) -> SessionStatus {
    match s {
        m::SessionStatus::Booked => SessionStatus::Booked,
        m::SessionStatus::CheckedIn => SessionStatus::CheckedIn,
        m::SessionStatus::Completed => SessionStatus::Completed,
        m::SessionStatus::NotDosed => SessionStatus::NotDosed,
        m::SessionStatus::Cancelled => SessionStatus::Cancelled,
        m::SessionStatus::NoShow => SessionStatus::NoShow,
        m::SessionStatus::EnteredInError => SessionStatus::EnteredInError,
    }
}

/// The store status of a wire status.
pub fn store_status(s: SessionStatus) -> m::SessionStatus {
    match s {
        SessionStatus::Booked => m::SessionStatus::Booked,
        SessionStatus::CheckedIn => m::SessionStatus::CheckedIn,
        SessionStatus::Completed => m::SessionStatus::Completed,
        SessionStatus::NotDosed => m::SessionStatus::NotDosed,
        SessionStatus::Cancelled => m::SessionStatus::Cancelled,
        SessionStatus::NoShow => m::SessionStatus::NoShow,
        SessionStatus::EnteredInError => m::SessionStatus::EnteredInError,
    }
}

/// A session.
pub fn session(zone: Tz, s: &m::Session) -> SessionView {
    SessionView {
        id: s.id,
        course_id: s.course_id,
        patient_id: s.patient_id,
        phase: s.phase_index,
        sequence: s.sequence,
        chair_id: s.chair_id,
        start: s.starts_at,
        end: s.ends_at,
        local: local_times(zone, s.starts_at, s.ends_at),
        status: status(s.status),
        reason: s.reason.clone(),
        updated_at: s.updated_at,
    }
}

/// A planned (not booked) session.
pub fn planned(zone: Tz, phase: i32, p: &chairside_engine::PlannedSession) -> PlannedSessionView {
    PlannedSessionView {
        phase,
        sequence: p.sequence as i32,
        chair_id: p.chair.0,
        start: p.start,
        end: p.end,
        local: local_times(zone, p.start, p.end),
    }
}

/// A course with its sessions (in time order).
pub fn course(
    zone: Tz,
    c: &m::Course,
    protocol_id: i64,
    revision: i32,
    sessions: &[m::Session],
) -> Result<CourseView, ApiError> {
    let mut sessions: Vec<SessionView> = sessions.iter().map(|s| session(zone, s)).collect();
    sessions.sort_by_key(|s| (s.start, s.id));
    Ok(CourseView {
        id: c.id,
        patient_id: c.patient_id,
        protocol_id,
        protocol_revision: revision,
        status: match c.status {
            m::CourseStatus::Active => CourseStatus::Active,
            m::CourseStatus::Paused => CourseStatus::Paused,
            m::CourseStatus::Completed => CourseStatus::Completed,
            m::CourseStatus::Ceased => CourseStatus::Ceased,
        },
        current_phase: c.current_phase,
        booster_policy: c
            .booster_policy
            .as_ref()
            .map(|p| {
                stored::<chairside_engine::BoosterPolicy>(p, "booster policy")
                    .map(BoosterPolicy::from)
            })
            .transpose()?,
        at_risk: c.at_risk_reason.as_deref().map(|text| {
            serde_json::from_str::<AtRisk>(text).unwrap_or(AtRisk {
                reason: text.to_string(),
                violations: Vec::new(),
            })
        }),
        sessions,
        created_at: c.created_at,
        updated_at: c.updated_at,
    })
}
