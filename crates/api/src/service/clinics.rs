//! Clinics, their chairs and closures.

use chairside_engine::{self as engine, ClinicSettings, WeeklyHours};
use chairside_store::models::{ClinicUpdate, NewChair, NewClinic, SessionStatus};
use chairside_store::repo::sessions::SessionFilter;
use chairside_store::{repo, DbConnection};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::dto::clinic::{ChairView, ClinicView, CreateChair, CreateClinic};
use crate::error::ApiError;
use crate::etag::IfMatch;
use crate::problem_kind::ProblemKind;
use crate::service::merge_patch::patched;
use crate::service::{audit, protocols, staff, taken};
use crate::views;

fn zone(name: &str) -> Result<Tz, ApiError> {
    name.parse::<Tz>().map_err(|_| {
        ApiError::invalid_field("time_zone", format!("{name:?} is not an IANA time zone"))
    })
}

/// The calendar's own rules (hours in order, grid) and the settings' ranges.
fn check_calendar(
    zone: Tz,
    hours: &WeeklyHours,
    settings: &ClinicSettings,
) -> Result<(), ApiError> {
    let calendar = engine::ClinicCalendar {
        zone,
        hours: hours.clone(),
        closures: Vec::new(),
        chairs: Vec::new(),
        start_grid_minutes: settings.start_grid_minutes,
        max_starts_per_slot: settings.max_starts_per_slot,
        staffing: engine::Staffing::default(),
    };
    let in_settings = |e: engine::EngineError| match e {
        engine::EngineError::InvalidInput { field, reason } => {
            let field = match field.strip_prefix("hours.") {
                Some(rest) => format!("hours.{rest}"),
                None => format!("settings.{field}"),
            };
            ApiError::invalid_field(field, reason)
        }
        other => other.into(),
    };
    calendar.validate().map_err(in_settings)?;
    settings.validate().map_err(in_settings)
}

pub(crate) fn non_blank(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.trim().is_empty() || value.chars().count() > max {
        return Err(ApiError::invalid_field(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
    Ok(())
}

/// Creates a clinic with the two preset protocols.
pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    new: &CreateClinic,
) -> Result<ClinicView, ApiError> {
    // A key scoped to one clinic acts on that clinic only; a new clinic
    // would be outside its scope from the start.
    if let Some(scope) = caller.clinic_scope {
        return Err(ApiError::Forbidden(format!(
            "this key is scoped to clinic {scope}; only an unscoped admin key may create clinics"
        )));
    }
    non_blank("name", &new.name, 200)?;
    let settings = new.settings.clone().unwrap_or_default();
    let time_zone = zone(&new.time_zone)?;
    check_calendar(time_zone, &new.hours, &settings)?;
    let clinic = repo::clinics::create(
        conn,
        &NewClinic {
            name: new.name.clone(),
            time_zone,
            opening_hours: new.hours.clone(),
            settings,
        },
    )?;
    protocols::seed_presets(conn, clinic.id)?;
    let view = views::clinic(&clinic);
    audit(
        conn,
        caller,
        Some(clinic.id),
        "clinic.created",
        "clinic",
        Some(clinic.id),
        None,
        Some(json!(view)),
    )?;
    Ok(view)
}

/// Changes a clinic, guarded by the representation the caller read. The
/// body is a JSON Merge Patch: what it leaves out stays as it is. Turning
/// staff planning on, or changing the ratios while it is on, is refused
/// while booked sessions would be left uncovered.
pub fn update(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    if_match: &IfMatch,
    patch: &Value,
    now: DateTime<Utc>,
) -> Result<ClinicView, ApiError> {
    let current = repo::clinics::get(conn, clinic_id)?;
    let before = views::clinic(&current);
    if_match.check(&before)?;
    let writable = json!({
        "name": before.name,
        "time_zone": before.time_zone.name(),
        "hours": before.hours,
        "settings": before.settings,
    });
    let change: CreateClinic = patched(writable, patch)?;
    non_blank("name", &change.name, 200)?;
    let time_zone = zone(&change.time_zone)?;
    let settings = change.settings.unwrap_or_default();
    check_calendar(time_zone, &change.hours, &settings)?;
    let floor_changes = settings.plan_with_staff
        && (!current.settings.plan_with_staff
            || settings.staff_ratios != current.settings.staff_ratios);
    if floor_changes {
        let members = repo::staff::active(conn, clinic_id)?;
        let staffing = engine::Staffing {
            members: members.iter().map(|m| m.on_the_floor()).collect(),
            ratios: settings.staff_ratios.clone(),
        };
        staff::keeps_sessions_covered(conn, clinic_id, staffing, now)?;
    }
    let updated = repo::clinics::update(
        conn,
        clinic_id,
        current.version,
        &ClinicUpdate {
            name: Some(change.name),
            time_zone: Some(time_zone),
            opening_hours: Some(change.hours),
            settings: Some(settings),
        },
    )?;
    let after = views::clinic(&updated);
    audit(
        conn,
        caller,
        Some(clinic_id),
        "clinic.updated",
        "clinic",
        Some(clinic_id),
        Some(json!(before)),
        Some(json!(after)),
    )?;
    Ok(after)
}

pub fn add_chair(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    new: &CreateChair,
) -> Result<ChairView, ApiError> {
    non_blank("label", &new.label, 100)?;
    if new.modalities.is_empty() {
        return Err(ApiError::invalid_field(
            "modalities",
            "list at least one treatment the chair supports",
        ));
    }
    repo::clinics::get(conn, clinic_id)?;
    let existing = repo::chairs::list(conn, clinic_id)?;
    let position = new
        .position
        .unwrap_or_else(|| existing.iter().map(|c| c.position).max().unwrap_or(0) + 1);
    let chair = repo::chairs::add(
        conn,
        clinic_id,
        &NewChair {
            label: new.label.clone(),
            modalities: new.modalities.clone(),
            position,
        },
    )
    .map_err(taken(
        ProblemKind::DuplicateChairLabel,
        format!(
            "a chair labelled {:?} already exists in this clinic",
            new.label
        ),
    ))?;
    let view = views::chair(&chair);
    audit(
        conn,
        caller,
        Some(clinic_id),
        "chair.added",
        "chair",
        Some(chair.id),
        None,
        Some(json!(view)),
    )?;
    Ok(view)
}

/// Takes a chair out of service. Refused while it holds future booked
/// sessions: they must be moved first, so nobody is silently displaced.
pub fn set_chair_active(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    chair_id: i64,
    active: bool,
    now: DateTime<Utc>,
) -> Result<ChairView, ApiError> {
    let chair = repo::chairs::get(conn, clinic_id, chair_id)?;
    if !active {
        // Every future session of the clinic, not a first page: a chair's
        // sessions may be anywhere among them.
        let future = repo::sessions::all(
            conn,
            clinic_id,
            &SessionFilter {
                range: Some((now, now + chrono::Duration::days(3650))),
                statuses: Some(vec![SessionStatus::Booked, SessionStatus::CheckedIn]),
                course_id: None,
                patient_id: None,
                chair_id: None,
            },
        )?;
        let held: Vec<i64> = future
            .iter()
            .filter(|s| s.chair_id == chair_id)
            .map(|s| s.id)
            .collect();
        if !held.is_empty() {
            return Err(ApiError::Conflict {
                kind: ProblemKind::ChairHasSessions,
                detail: format!(
                    "chair {chair_id} holds {} future session(s) (ids {:?}); reschedule them first, or block the chair with a closure",
                    held.len(),
                    held
                ),
            });
        }
    }
    let before = views::chair(&chair);
    let updated = repo::chairs::set_active(conn, clinic_id, chair_id, chair.version, active)?;
    let after = views::chair(&updated);
    let action = if active {
        "chair.activated"
    } else {
        "chair.deactivated"
    };
    audit(
        conn,
        caller,
        Some(clinic_id),
        action,
        "chair",
        Some(chair_id),
        Some(json!(before)),
        Some(json!(after)),
    )?;
    Ok(after)
}
