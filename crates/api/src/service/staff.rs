//! Staff members, and the one rule about changing them: a change that would
//! leave booked sessions without the staff they need is refused, naming
//! each session — or made, and the sessions re-planned
//! ([`crate::service::shift_change`]).

use chairside_engine::staff::{uncovered, BookedCare};
use chairside_engine::{self as engine, EngineError, Staffing};
use chairside_store::models::{NewOutboxEvent, NewStaffMember, StaffMember};
use chairside_store::{repo, DbConnection};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::dto::staff::{CreateStaffMember, StaffView};
use crate::error::ApiError;
use crate::etag::IfMatch;
use crate::problem::UncoveredSession;
use crate::problem_kind::ProblemKind;
use crate::service::course::snapshot::PLANNING_DAYS;
use crate::service::merge_patch::patched;
use crate::service::{audit, taken};
use crate::views;

/// A member as asked for, checked by the engine's rules for staff.
fn member(body: &CreateStaffMember) -> Result<NewStaffMember, ApiError> {
    let label = body.label.trim();
    if label.is_empty() || body.label.chars().count() > 100 {
        return Err(ApiError::invalid_field(
            "label",
            "must be 1 to 100 characters",
        ));
    }
    let on_floor = engine::StaffMember {
        id: engine::StaffId(0),
        roles: body.roles.clone(),
        shifts: body.shifts.clone(),
        exceptions: body.exceptions.clone(),
    };
    on_floor.validate("staff").map_err(|e| match e {
        EngineError::InvalidInput { field, reason } => {
            let field = field.strip_prefix("staff.").unwrap_or(&field).to_string();
            ApiError::invalid_field(field, reason)
        }
        other => other.into(),
    })?;
    Ok(NewStaffMember {
        label: body.label.clone(),
        roles: body.roles.clone(),
        shifts: body.shifts.clone(),
        exceptions: body.exceptions.clone(),
        active: body.active,
    })
}

fn duplicate(label: &str) -> impl FnOnce(chairside_store::StoreError) -> ApiError + '_ {
    taken(
        ProblemKind::DuplicateStaffLabel,
        format!("a staff member labelled {label:?} already exists in this clinic"),
    )
}

/// Adds a staff member. More people on the floor never uncover a session.
pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    body: &CreateStaffMember,
) -> Result<StaffView, ApiError> {
    let new = member(body)?;
    repo::clinics::get(conn, clinic_id)?;
    let added = repo::staff::add(conn, clinic_id, &new).map_err(duplicate(&body.label))?;
    let view = views::staff_member(&added);
    audit(
        conn,
        caller,
        Some(clinic_id),
        "staff.added",
        "staff_member",
        Some(added.id),
        None,
        Some(json!(view)),
    )?;
    announce(conn, clinic_id, "staff.added", &view)?;
    Ok(view)
}

/// Changes a staff member (a JSON Merge Patch, guarded by the ETag read),
/// unless it would leave booked sessions uncovered.
pub fn update(
    conn: &mut DbConnection,
    caller: &Caller,
    path: (i64, i64),
    if_match: &IfMatch,
    patch: &Value,
    now: DateTime<Utc>,
) -> Result<StaffView, ApiError> {
    let (view, short) = change(conn, caller, path, if_match, patch, now)?;
    if short.is_empty() {
        Ok(view)
    } else {
        // The caller's transaction rolls the change back.
        Err(ApiError::Uncovered(short))
    }
}

/// Makes the change and answers it with the sessions booked from `now` on
/// that it leaves without the staff they need (the caller refuses, or
/// re-plans them).
pub fn change(
    conn: &mut DbConnection,
    caller: &Caller,
    (clinic_id, staff_id): (i64, i64),
    if_match: &IfMatch,
    patch: &Value,
    now: DateTime<Utc>,
) -> Result<(StaffView, Vec<UncoveredSession>), ApiError> {
    let current = repo::staff::get(conn, clinic_id, staff_id)?;
    let before = views::staff_member(&current);
    if_match.check(&before)?;
    let writable = json!({
        "label": before.label, "roles": before.roles, "shifts": before.shifts,
        "exceptions": before.exceptions, "active": before.active,
    });
    let change = member(&patched(writable, patch)?)?;
    let clinic = repo::clinics::get(conn, clinic_id)?;
    let mut short = Vec::new();
    if clinic.settings.plan_with_staff {
        let mut members = repo::staff::active(conn, clinic_id)?;
        members.retain(|m| m.id != staff_id);
        let mut proposed: Vec<engine::StaffMember> =
            members.iter().map(StaffMember::on_the_floor).collect();
        if change.active {
            proposed.push(engine::StaffMember {
                id: engine::StaffId(staff_id),
                roles: change.roles.clone(),
                shifts: change.shifts.clone(),
                exceptions: change.exceptions.clone(),
            });
        }
        let staffing = Staffing {
            members: proposed,
            ratios: clinic.settings.staff_ratios.clone(),
        };
        short = uncovered_by(conn, clinic_id, staffing, now)?;
    }
    let updated = repo::staff::update(conn, clinic_id, staff_id, current.version, &change)
        .map_err(duplicate(&change.label))?;
    let after = views::staff_member(&updated);
    audit(
        conn,
        caller,
        Some(clinic_id),
        "staff.changed",
        "staff_member",
        Some(staff_id),
        Some(json!(before)),
        Some(json!(after)),
    )?;
    announce(conn, clinic_id, "staff.changed", &after)?;
    Ok((after, short))
}

/// An outbox event about a staff member (a label and shifts, never a
/// patient). A member's events keep their order under its own aggregate:
/// the negated id, so it never shares a course's order.
fn announce(
    conn: &mut DbConnection,
    clinic_id: i64,
    event_type: &str,
    member: &StaffView,
) -> Result<(), ApiError> {
    repo::outbox::append(
        conn,
        &NewOutboxEvent {
            clinic_id,
            event_type: event_type.to_string(),
            aggregate_id: -member.id,
            payload: json!({ "staff": member }),
        },
    )?;
    Ok(())
}

/// Refuses, listing them, if `staffing` would leave any session booked
/// from `now` on without the staff it needs.
pub fn keeps_sessions_covered(
    conn: &mut DbConnection,
    clinic_id: i64,
    staffing: Staffing,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let short = uncovered_by(conn, clinic_id, staffing, now)?;
    if short.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Uncovered(short))
    }
}

/// The sessions booked from `now` on that the clinic's staff as it stands
/// leaves without the staff they need, by start.
pub fn uncovered_now(
    conn: &mut DbConnection,
    clinic_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<UncoveredSession>, ApiError> {
    let clinic = repo::clinics::get(conn, clinic_id)?;
    if !clinic.settings.plan_with_staff {
        return Ok(Vec::new());
    }
    let staffing = Staffing {
        members: repo::staff::active(conn, clinic_id)?
            .iter()
            .map(StaffMember::on_the_floor)
            .collect(),
        ratios: clinic.settings.staff_ratios,
    };
    uncovered_by(conn, clinic_id, staffing, now)
}

/// The sessions booked from `now` on that `staffing` would leave without
/// the staff they need, by start.
fn uncovered_by(
    conn: &mut DbConnection,
    clinic_id: i64,
    staffing: Staffing,
    now: DateTime<Utc>,
) -> Result<Vec<UncoveredSession>, ApiError> {
    if staffing.members.is_empty() {
        return Err(ApiError::invalid_field(
            "active",
            "the clinic plans with staff: keep at least one active staff member, or turn settings.plan_with_staff off first",
        ));
    }
    repo::floor::lock(conn, clinic_id)?;
    let from = now - Duration::days(1);
    let sessions =
        repo::calendar::live_sessions(conn, clinic_id, from, now + Duration::days(PLANNING_DAYS))?;
    let protocols =
        repo::floor::protocols_of(conn, clinic_id, sessions.iter().map(|s| s.course_id))?;
    let mut calendar = repo::calendar::without_sessions(conn, clinic_id)?.calendar();
    let cared: Vec<(i64, DateTime<Utc>, BookedCare)> = sessions
        .iter()
        .filter_map(|s| {
            let protocol = protocols.get(&s.course_id)?;
            let care = BookedCare {
                start: s.starts_at,
                chair_time: protocol.chair_time,
                needs: staffing.needs_for(protocol),
            };
            Some((s.id, s.starts_at, care))
        })
        .collect();
    calendar.staffing = staffing;
    let care: Vec<BookedCare> = cared.iter().map(|(_, _, c)| c.clone()).collect();
    let short: Vec<UncoveredSession> = uncovered(&calendar, &care)?
        .into_iter()
        .filter(|(i, _)| cared[*i].1 >= now)
        .map(|(i, shortfall)| UncoveredSession {
            session_id: cared[i].0,
            starts_at: cared[i].1,
            detail: shortfall.to_string(),
        })
        .collect();
    Ok(short)
}
