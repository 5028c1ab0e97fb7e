//! Setting up a clinic: the clinic, its chairs, closures and chair blocks.

use chairside_engine as engine;
use chairside_store::models::{ClinicUpdate, NewChair, NewClinic, NewClosure, SessionStatus};
use chairside_store::repo::sessions::SessionFilter;
use chairside_store::{models as m, repo, DbConnection};
use chrono::Utc;
use serde_json::json;

use crate::auth::Caller;
use crate::dto::clinic::{
    ChairView, ClinicSettings, ClinicView, ClosureView, CreateChair, CreateClinic, CreateClosure,
    UpdateClinic,
};
use crate::error::ApiError;
use crate::service::{audit, protocols, taken};
use crate::views;

fn check_zone(zone: &str) -> Result<(), ApiError> {
    zone.parse::<chrono_tz::Tz>().map(|_| ()).map_err(|_| {
        ApiError::invalid_field("time_zone", format!("{zone:?} is not an IANA time zone"))
    })
}

fn check_calendar(
    zone: &str,
    hours: &crate::dto::clinic::OpeningHours,
    settings: &ClinicSettings,
) -> Result<(), ApiError> {
    check_zone(zone)?;
    let calendar = engine::ClinicCalendar {
        zone: zone.parse().expect("checked"),
        hours: hours.into(),
        closures: Vec::new(),
        chairs: Vec::new(),
        start_grid_minutes: settings.start_grid_minutes,
        max_starts_per_slot: settings.max_starts_per_slot,
    };
    calendar.validate().map_err(|e| match e {
        engine::EngineError::InvalidInput { field, reason } => {
            let field = match field.strip_prefix("hours.") {
                Some(rest) => format!("hours.{rest}"),
                None => format!("settings.{field}"),
            };
            ApiError::invalid_field(field, reason)
        }
        other => other.into(),
    })?;
    if !(1..=12).contains(&settings.boosters_ahead) {
        return Err(ApiError::invalid_field(
            "settings.boosters_ahead",
            "must be between 1 and 12",
        ));
    }
    // The document says so; u32 would take up to 4294967295 (and the
    // document's int32 not even that).
    for (field, value, most) in [
        (
            "settings.max_starts_per_slot",
            settings.max_starts_per_slot.unwrap_or(1),
            100,
        ),
        (
            "settings.no_show_after_minutes",
            settings.no_show_after_minutes,
            24 * 60,
        ),
        (
            "settings.suggestion.remission_held_for",
            settings.suggestion.remission_held_for,
            12,
        ),
    ] {
        if value > most {
            return Err(ApiError::invalid_field(
                field,
                format!("must be at most {most}"),
            ));
        }
    }
    if settings
        .reminder_lead_times_minutes
        .iter()
        .any(|m| *m == 0 || *m > 30 * 24 * 60)
    {
        return Err(ApiError::invalid_field(
            "settings.reminder_lead_times_minutes",
            "each lead time must be between 1 minute and 30 days",
        ));
    }
    Ok(())
}

fn non_blank(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
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
    check_calendar(&new.time_zone, &new.hours, &settings)?;
    let clinic = repo::clinics::create(
        conn,
        &NewClinic {
            name: new.name.clone(),
            time_zone: new.time_zone.clone(),
            opening_hours: serde_json::to_value(&new.hours).expect("serialises"),
            settings: serde_json::to_value(&settings).expect("serialises"),
        },
    )?;
    protocols::seed_presets(conn, clinic.id)?;
    let view = views::clinic(&clinic)?;
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

/// Changes a clinic, guarded by the representation the caller read.
pub fn update(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    if_match: &crate::etag::IfMatch,
    change: &UpdateClinic,
) -> Result<ClinicView, ApiError> {
    let current = repo::clinics::get(conn, clinic_id)?;
    let before = views::clinic(&current)?;
    if_match.check(&before)?;
    let zone = change.time_zone.clone().unwrap_or(before.time_zone.clone());
    let hours = change.hours.clone().unwrap_or(before.hours.clone());
    let settings = change.settings.clone().unwrap_or(before.settings.clone());
    if let Some(name) = &change.name {
        non_blank("name", name, 200)?;
    }
    check_calendar(&zone, &hours, &settings)?;
    let updated = repo::clinics::update(
        conn,
        clinic_id,
        current.version,
        &ClinicUpdate {
            name: change.name.clone(),
            time_zone: change.time_zone.clone(),
            opening_hours: change
                .hours
                .as_ref()
                .map(|h| serde_json::to_value(h).expect("serialises")),
            settings: change
                .settings
                .as_ref()
                .map(|s| serde_json::to_value(s).expect("serialises")),
        },
    )?;
    let after = views::clinic(&updated)?;
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

/// Adds a chair.
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
            modalities: serde_json::to_value(&new.modalities).expect("serialises"),
            position,
        },
    )
    .map_err(taken(
        "duplicate-chair-label",
        format!(
            "a chair labelled {:?} already exists in this clinic",
            new.label
        ),
    ))?;
    let view = views::chair(&chair)?;
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
) -> Result<ChairView, ApiError> {
    let chair = repo::chairs::get(conn, clinic_id, chair_id)?;
    if !active {
        // Every future session of the clinic, not a first page: a chair's
        // sessions may be anywhere among them.
        let future = repo::sessions::all(
            conn,
            clinic_id,
            &SessionFilter {
                range: Some((Utc::now(), Utc::now() + chrono::Duration::days(3650))),
                statuses: Some(vec![SessionStatus::Booked, SessionStatus::CheckedIn]),
                course_id: None,
                patient_id: None,
            },
        )?;
        let held: Vec<i64> = future
            .iter()
            .filter(|s| s.chair_id == chair_id)
            .map(|s| s.id)
            .collect();
        if !held.is_empty() {
            return Err(ApiError::Conflict {
                kind: "chair-has-sessions",
                detail: format!(
                    "chair {chair_id} holds {} future session(s) (ids {:?}); reschedule them first, or block the chair with a closure",
                    held.len(),
                    held
                ),
            });
        }
    }
    let before = views::chair(&chair)?;
    let updated = repo::chairs::set_active(conn, clinic_id, chair_id, chair.version, active)?;
    let after = views::chair(&updated)?;
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

/// Adds a closure of the clinic or of one chair.
pub fn add_closure(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    new: &CreateClosure,
) -> Result<ClosureView, ApiError> {
    non_blank("reason", &new.reason, 500)?;
    match new.span {
        crate::dto::clinic::ClosureSpan::Days { first, last } if first > last => {
            return Err(ApiError::invalid_field(
                "span.last",
                "the last day is before the first",
            ))
        }
        crate::dto::clinic::ClosureSpan::Range { start, end } if start >= end => {
            return Err(ApiError::invalid_field(
                "span.end",
                "the end is not after the start",
            ))
        }
        _ => {}
    }
    if let Some(chair_id) = new.chair_id {
        repo::chairs::get(conn, clinic_id, chair_id).map_err(|e| {
            ApiError::unknown_reference(
                e,
                "chair_id",
                format!("chair {chair_id} is not one of this clinic's"),
            )
        })?;
    } else {
        repo::clinics::get(conn, clinic_id)?;
    }
    let closure = repo::closures::add(
        conn,
        clinic_id,
        &NewClosure {
            chair_id: new.chair_id,
            span: match new.span {
                crate::dto::clinic::ClosureSpan::Days { first, last } => {
                    m::ClosureSpan::Days { first, last }
                }
                crate::dto::clinic::ClosureSpan::Range { start, end } => {
                    m::ClosureSpan::LocalRange { start, end }
                }
            },
            reason: new.reason.clone(),
        },
    )?;
    let view = views::closure(&closure);
    audit(
        conn,
        caller,
        Some(clinic_id),
        "closure.added",
        "closure",
        Some(closure.id),
        None,
        Some(json!(view)),
    )?;
    Ok(view)
}

/// Removes a closure.
pub fn remove_closure(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    closure_id: i64,
) -> Result<(), ApiError> {
    let before = repo::closures::list(conn, clinic_id)?
        .into_iter()
        .find(|c| c.id == closure_id)
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "closure {closure_id} not found in clinic {clinic_id}"
            ))
        })?;
    repo::closures::remove(conn, clinic_id, closure_id)?;
    audit(
        conn,
        caller,
        Some(clinic_id),
        "closure.removed",
        "closure",
        Some(closure_id),
        Some(json!(views::closure(&before))),
        None,
    )?;
    Ok(())
}
