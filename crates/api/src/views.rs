//! Store rows → API views: ids and links as the API shows them, instants in
//! UTC and in clinic time. The domain values inside are the engine's own.

use chairside_engine::course::NewSession;
use chairside_store::models as m;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::dto::clinic::{ChairView, ClinicView, ClosureView};
use crate::dto::course::CourseView;
use crate::dto::patient::PatientView;
use crate::dto::protocol::ProtocolView;
use crate::dto::session::{LocalTimes, PlannedSessionView, SessionView, StatusChangeView};
use crate::dto::staff::StaffView;

pub fn clinic(c: &m::Clinic) -> ClinicView {
    ClinicView {
        id: c.id,
        name: c.name.clone(),
        time_zone: c.time_zone,
        hours: c.opening_hours.clone(),
        settings: c.settings.clone(),
        created_at: c.created_at,
        updated_at: c.updated_at,
    }
}

pub fn chair(c: &m::Chair) -> ChairView {
    ChairView {
        id: c.id,
        label: c.label.clone(),
        modalities: c.modalities.clone(),
        position: c.position,
        active: c.active,
    }
}

pub fn staff_member(s: &m::StaffMember) -> StaffView {
    StaffView {
        id: s.id,
        label: s.label.clone(),
        roles: s.roles.clone(),
        shifts: s.shifts.clone(),
        exceptions: s.exceptions.clone(),
        active: s.active,
    }
}

pub fn closure(c: &m::Closure) -> ClosureView {
    ClosureView {
        id: c.id,
        chair_id: c.chair_id,
        span: c.span,
        reason: c.reason.clone(),
    }
}

pub fn patient(p: &m::Patient) -> PatientView {
    PatientView {
        id: p.id,
        external_ref: p.external_ref.clone(),
        display_name: p.display_name.clone(),
        preferences: p.preferences.clone(),
        intake_assessed_on: p.intake_assessed_on,
        consent_on_file: p.consent_on_file,
        rems_enrolled_on: p.rems_enrolled_on,
        escort_confirmed: p.escort_confirmed,
        created_at: p.created_at,
        updated_at: p.updated_at,
    }
}

/// A protocol at one revision.
pub fn protocol(p: &m::Protocol, v: &m::ProtocolVersion) -> ProtocolView {
    ProtocolView {
        id: p.id,
        code: p.code.clone(),
        revision: v.revision,
        definition: v.definition.clone(),
        created_at: p.created_at,
    }
}

/// Local times of an interval in the zone.
pub fn local_times(zone: Tz, start: DateTime<Utc>, end: DateTime<Utc>) -> LocalTimes {
    let local_start = start.with_timezone(&zone);
    LocalTimes {
        zone: zone.name().to_string(),
        date: local_start.date_naive(),
        start: local_start.time(),
        end: end.with_timezone(&zone).time(),
        start_with_offset: local_start.fixed_offset(),
    }
}

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
        status: s.status,
        omitted: s.omitted,
        late_cancellation: s.late_cancellation,
        confirmed_at: s.confirmed_at,
        reason: s.reason.clone(),
        updated_at: s.updated_at,
    }
}

/// A planned (not booked) session.
pub fn planned(zone: Tz, s: &NewSession) -> PlannedSessionView {
    let p = s.placement;
    PlannedSessionView {
        phase: s.phase as i32,
        sequence: s.sequence as i32,
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
) -> CourseView {
    let mut sessions: Vec<SessionView> = sessions.iter().map(|s| session(zone, s)).collect();
    sessions.sort_by_key(|s| (s.start, s.id));
    CourseView {
        id: c.id,
        patient_id: c.patient_id,
        protocol_id,
        protocol_revision: revision,
        status: c.status,
        current_phase: c.current_phase,
        booster_policy: c.booster_policy,
        at_risk: c.at_risk.clone(),
        held_until: c.held_until,
        sessions,
        created_at: c.created_at,
        updated_at: c.updated_at,
    }
}

/// A row of a session's status history, as the API shows it.
pub fn status_change(change: &m::StatusChange) -> StatusChangeView {
    StatusChangeView {
        from: change.from_status,
        to: change.to_status,
        reason: change.reason.clone(),
        key_id: change.key_id,
        role: change.role,
        at: change.at,
    }
}
