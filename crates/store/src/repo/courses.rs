//! Courses: booking a whole course atomically, state changes, booster
//! policy changes with their history, and listing.

use diesel::prelude::*;
use serde_json::{json, Value};

use crate::backend::DbConnection;
use crate::columns::{json as json_text, now};
use crate::error::StoreError;
use crate::models::{
    columns, Actor, AuditEntry, BoosterPolicyChange, Course, CourseStatus, CourseUpdate, NewCourse,
    NewOutboxEvent, Page, PageRequest, PlannedSession, Session,
};
use crate::repo::{audit, outbox, require_transaction, sessions, version_miss};
use crate::schema::booster_policy_changes::dsl as b;
use crate::schema::courses::dsl as co;

/// The outbox event type written by [`book`].
pub const COURSE_BOOKED: &str = "course.booked";

/// A course to book: the course and every planned session.
#[derive(Debug, Clone, PartialEq)]
pub struct CourseBooking<'a> {
    /// The course.
    pub course: &'a NewCourse,
    /// Its planned sessions (the engine's plan).
    pub sessions: &'a [PlannedSession],
    /// Who books it.
    pub actor: Actor,
    /// The request's id, for the audit row.
    pub request_id: Option<&'a str>,
}

/// What [`book`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct BookedCourse {
    /// The course.
    pub course: Course,
    /// Its sessions, by id.
    pub sessions: Vec<Session>,
    /// The `course.booked` outbox event's id.
    pub event_id: String,
}

/// Books a course: the course row, all its sessions, a `course.booked`
/// outbox event and an audit row. Must run inside
/// [`Store::write`](crate::Store::write), so that all of it commits or none
/// does: if one session overlaps a live session the whole booking fails with
/// the typed conflict.
pub fn book(
    conn: &mut DbConnection,
    booking: &CourseBooking<'_>,
) -> Result<BookedCourse, StoreError> {
    require_transaction(conn)?;
    let new = booking.course;
    let at = now();
    let course = diesel::insert_into(co::courses)
        .values((
            co::clinic_id.eq(new.clinic_id),
            co::patient_id.eq(new.patient_id),
            co::protocol_version_id.eq(new.protocol_version_id),
            co::status.eq(CourseStatus::Active.as_str()),
            co::current_phase.eq(0),
            co::booster_policy.eq(new.booster_policy.as_ref().map(json_text)),
            co::created_at.eq(at),
            co::updated_at.eq(at),
        ))
        .returning(columns::<Course>())
        .get_result::<Course>(conn)?;
    let sessions = sessions::insert_planned(
        conn,
        new.clinic_id,
        course.id,
        new.patient_id,
        booking.sessions,
    )?;
    let summary = booking_summary(&course, &sessions);
    let event = outbox::append(
        conn,
        &NewOutboxEvent {
            clinic_id: new.clinic_id,
            event_type: COURSE_BOOKED.into(),
            aggregate_id: course.id,
            payload: summary.clone(),
        },
    )?;
    audit::append(
        conn,
        &AuditEntry {
            clinic_id: Some(new.clinic_id),
            actor: booking.actor,
            action: "course.book".into(),
            entity_type: "course".into(),
            entity_id: Some(course.id),
            before: None,
            after: Some(summary),
            request_id: booking.request_id.map(str::to_owned),
        },
    )?;
    Ok(BookedCourse {
        course,
        sessions,
        event_id: event.event_id,
    })
}

/// The course and its sessions without names: what the event and the audit
/// row carry.
fn booking_summary(course: &Course, sessions: &[Session]) -> Value {
    json!({
        "course_id": course.id,
        "patient_id": course.patient_id,
        "protocol_version_id": course.protocol_version_id,
        "sessions": sessions.iter().map(|s| json!({
            "id": s.id,
            "phase_index": s.phase_index,
            "sequence": s.sequence,
            "chair_id": s.chair_id,
            "starts_at": s.starts_at,
            "ends_at": s.ends_at,
        })).collect::<Vec<_>>(),
    })
}

/// One course.
pub fn get(conn: &mut DbConnection, clinic_id: i64, id: i64) -> Result<Course, StoreError> {
    co::courses
        .filter(co::clinic_id.eq(clinic_id).and(co::id.eq(id)))
        .select(columns::<Course>())
        .first::<Course>(conn)
        .optional()?
        .ok_or(StoreError::not_found("course"))
}

/// Which courses [`list`] returns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CourseFilter {
    /// Only this patient's.
    pub patient_id: Option<i64>,
    /// Only this status.
    pub status: Option<CourseStatus>,
}

/// A clinic's courses matching `filter`, by id, one page at a time.
pub fn list(
    conn: &mut DbConnection,
    clinic_id: i64,
    filter: &CourseFilter,
    page: PageRequest,
) -> Result<Page<Course>, StoreError> {
    let mut query = co::courses
        .filter(
            co::clinic_id
                .eq(clinic_id)
                .and(co::id.gt(page.after_id.unwrap_or(0))),
        )
        .into_boxed();
    if let Some(patient_id) = filter.patient_id {
        query = query.filter(co::patient_id.eq(patient_id));
    }
    if let Some(status) = filter.status {
        query = query.filter(co::status.eq(status.as_str()));
    }
    let rows = query
        .order(co::id)
        .limit(page.clamped_limit() + 1)
        .select(columns::<Course>())
        .load::<Course>(conn)?;
    Ok(page.page(rows, |r| r.id))
}

/// Changes a course's status, phase or at-risk flag if it is still at
/// `version`.
pub fn update(
    conn: &mut DbConnection,
    clinic_id: i64,
    id: i64,
    version: i64,
    change: &CourseUpdate,
) -> Result<Course, StoreError> {
    let current = get(conn, clinic_id, id)?;
    if current.version != version {
        return Err(StoreError::StaleVersion {
            entity: "course",
            id,
        });
    }
    let updated = diesel::update(
        co::courses.filter(
            co::clinic_id
                .eq(clinic_id)
                .and(co::id.eq(id))
                .and(co::version.eq(version)),
        ),
    )
    .set((
        co::status.eq(change.status.unwrap_or(current.status).as_str()),
        co::current_phase.eq(change.current_phase.unwrap_or(current.current_phase)),
        co::at_risk_reason.eq(change
            .at_risk_reason
            .clone()
            .unwrap_or(current.at_risk_reason)),
        co::version.eq(co::version + 1),
        co::updated_at.eq(now()),
    ))
    .returning(columns::<Course>())
    .get_result::<Course>(conn)
    .optional()?;
    updated.ok_or_else(|| version_miss(true, "course", id))
}

/// Sets a course's booster policy if the course is still at `version`, and
/// keeps the change (who, when, old, new, why, floor override). Must run
/// inside [`Store::write`](crate::Store::write).
#[allow(clippy::too_many_arguments)]
pub fn change_booster_policy(
    conn: &mut DbConnection,
    clinic_id: i64,
    id: i64,
    version: i64,
    new_policy: &Value,
    reason: &str,
    floor_overridden: bool,
    actor: Actor,
) -> Result<(Course, BoosterPolicyChange), StoreError> {
    require_transaction(conn)?;
    let current = get(conn, clinic_id, id)?;
    if current.version != version {
        return Err(StoreError::StaleVersion {
            entity: "course",
            id,
        });
    }
    let at = now();
    let course = diesel::update(
        co::courses.filter(
            co::clinic_id
                .eq(clinic_id)
                .and(co::id.eq(id))
                .and(co::version.eq(version)),
        ),
    )
    .set((
        co::booster_policy.eq(Some(json_text(new_policy))),
        co::version.eq(co::version + 1),
        co::updated_at.eq(at),
    ))
    .returning(columns::<Course>())
    .get_result::<Course>(conn)
    .optional()?
    .ok_or_else(|| version_miss(true, "course", id))?;
    let change = diesel::insert_into(b::booster_policy_changes)
        .values((
            b::clinic_id.eq(clinic_id),
            b::course_id.eq(id),
            b::key_id.eq(actor.key_id),
            b::role.eq(actor.role.as_str()),
            b::old_policy.eq(current.booster_policy.as_ref().map(json_text)),
            b::new_policy.eq(json_text(new_policy)),
            b::reason.eq(reason),
            b::floor_overridden.eq(floor_overridden),
            b::changed_at.eq(at),
        ))
        .returning(columns::<BoosterPolicyChange>())
        .get_result::<BoosterPolicyChange>(conn)?;
    Ok((course, change))
}

/// A course's booster policy changes, oldest first.
pub fn booster_policy_changes(
    conn: &mut DbConnection,
    clinic_id: i64,
    course_id: i64,
) -> Result<Vec<BoosterPolicyChange>, StoreError> {
    Ok(b::booster_policy_changes
        .filter(b::clinic_id.eq(clinic_id).and(b::course_id.eq(course_id)))
        .order(b::id)
        .select(columns::<BoosterPolicyChange>())
        .load::<BoosterPolicyChange>(conn)?)
}

/// Takes the course's row lock until the transaction ends, changing
/// nothing. Writers that append a course's outbox events take it first, so
/// two transactions writing events for one course commit in the order their
/// outbox ids were assigned, and webhook receivers see them in that order.
/// (On SQLite every write transaction already holds the database lock.)
pub fn lock(conn: &mut DbConnection, clinic_id: i64, id: i64) -> Result<(), StoreError> {
    diesel::update(co::courses.filter(co::clinic_id.eq(clinic_id).and(co::id.eq(id))))
        .set(co::version.eq(co::version))
        .execute(conn)?;
    Ok(())
}

/// Marks where the current series starts: sessions of the phase numbered at
/// or below `after_sequence` no longer count towards it (a restarted
/// series), 0 when a phase begins.
pub fn set_series_start(
    conn: &mut DbConnection,
    clinic_id: i64,
    id: i64,
    after_sequence: i32,
) -> Result<(), StoreError> {
    diesel::update(co::courses.filter(co::clinic_id.eq(clinic_id).and(co::id.eq(id))))
        .set((
            co::series_start_sequence.eq(after_sequence),
            co::version.eq(co::version + 1),
            co::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}
