//! Courses: creating one, applying the engine's decisions to it (its
//! sessions, its state, its booster policy history), and reading it back as
//! the engine's [`Course`](chairside_engine::course::Course).

use chairside_engine::course::{self as engine, CourseState, SessionId};
use chairside_engine::{Modality, Protocol};
use chrono::NaiveDateTime;
use diesel::dsl::Eq;
use diesel::prelude::*;

use crate::backend::DbConnection;
use crate::columns::{doc, instant, now, stored_instant};
use crate::error::StoreError;
use crate::models::{
    columns, BoosterPolicyChange, Course, CourseStatus, Page, PageRequest, Session,
};
use crate::native::inserted_ids;
use crate::repo::sessions;
use crate::schema::booster_policy_changes::dsl as b;
use crate::schema::courses::dsl as co;

mod apply;
mod book;

pub use apply::{apply, Applied};
pub use book::book;

/// A course to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCourse<'a> {
    pub clinic_id: i64,
    pub patient_id: i64,
    /// The protocol revision it follows.
    pub protocol_version_id: i64,
    /// Its kind (the protocol's modality).
    pub modality: Modality,
    /// Its state as the engine decided it.
    pub state: &'a CourseState,
}

/// Creates a course row. A second active course of the same kind for the
/// patient is refused by the database
/// ([`ErrorKind::CourseRunning`](crate::ErrorKind::CourseRunning)).
pub fn create(conn: &mut DbConnection, new: &NewCourse<'_>) -> Result<Course, StoreError> {
    let at = now();
    let ids = inserted_ids!(
        &mut *conn,
        diesel::insert_into(co::courses).values(course_row(new, at)),
        co::id
    );
    Ok(as_created(ids[0], new, at))
}

/// The columns of a new course, created at `at`.
fn course_row(new: &NewCourse<'_>, at: NaiveDateTime) -> CourseRow {
    (
        co::clinic_id.eq(new.clinic_id),
        co::patient_id.eq(new.patient_id),
        co::protocol_version_id.eq(new.protocol_version_id),
        co::modality.eq(Some(new.modality.as_str())),
        state_columns(new.state),
        co::created_at.eq(at),
        co::updated_at.eq(at),
    )
}

/// A new course's columns, as [`course_row`] makes them.
type CourseRow = (
    Eq<co::clinic_id, i64>,
    Eq<co::patient_id, i64>,
    Eq<co::protocol_version_id, i64>,
    Eq<co::modality, Option<&'static str>>,
    StateColumns,
    Eq<co::created_at, NaiveDateTime>,
    Eq<co::updated_at, NaiveDateTime>,
);

/// The course row as stored with `id`, without reading it back.
fn as_created(id: i64, new: &NewCourse<'_>, at: NaiveDateTime) -> Course {
    let state = new.state;
    let at = at.and_utc();
    Course {
        id,
        clinic_id: new.clinic_id,
        patient_id: new.patient_id,
        protocol_version_id: new.protocol_version_id,
        status: state.status,
        current_phase: state.phase as i32,
        booster_policy: state.booster_policy,
        at_risk: state.at_risk.clone(),
        version: 1,
        created_at: at,
        updated_at: at,
        modality: Some(new.modality),
        series_started_at: state.series_started_at.map(stored_instant),
        extension_accepted: state.extension_accepted,
        held_until: state.held_until.map(stored_instant),
    }
}

/// The columns that hold a course's state, as the engine decided it.
type StateColumns = (
    Eq<co::status, &'static str>,
    Eq<co::current_phase, i32>,
    Eq<co::booster_policy, Option<String>>,
    Eq<co::at_risk_reason, Option<String>>,
    Eq<co::series_started_at, Option<NaiveDateTime>>,
    Eq<co::extension_accepted, bool>,
    Eq<co::held_until, Option<NaiveDateTime>>,
);

/// `state` in its columns, for a new course and for a decision's update.
fn state_columns(state: &CourseState) -> StateColumns {
    (
        co::status.eq(state.status.as_str()),
        co::current_phase.eq(state.phase as i32),
        co::booster_policy.eq(state.booster_policy.as_ref().map(doc)),
        co::at_risk_reason.eq(state.at_risk.as_ref().map(doc)),
        co::series_started_at.eq(state.series_started_at.map(instant)),
        co::extension_accepted.eq(state.extension_accepted),
        co::held_until.eq(state.held_until.map(instant)),
    )
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

/// The clinic's courses whose hold ran out before `now`, by id.
pub fn holds_run_out(
    conn: &mut DbConnection,
    clinic_id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<i64>, StoreError> {
    Ok(co::courses
        .filter(
            co::clinic_id
                .eq(clinic_id)
                .and(co::held_until.le(instant(now))),
        )
        .order(co::id)
        .select(co::id)
        .load::<i64>(conn)?)
}

/// The clinic's held course ids (their sessions are not announced yet).
pub fn held(conn: &mut DbConnection, clinic_id: i64) -> Result<Vec<i64>, StoreError> {
    Ok(co::courses
        .filter(
            co::clinic_id
                .eq(clinic_id)
                .and(co::held_until.is_not_null()),
        )
        .select(co::id)
        .load::<i64>(conn)?)
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

/// Every course of a patient, by id.
pub fn of_patient(
    conn: &mut DbConnection,
    clinic_id: i64,
    patient_id: i64,
) -> Result<Vec<Course>, StoreError> {
    Ok(co::courses
        .filter(
            co::clinic_id
                .eq(clinic_id)
                .and(co::patient_id.eq(patient_id)),
        )
        .order(co::id)
        .select(columns::<Course>())
        .load::<Course>(conn)?)
}

/// The course as the engine decides on it: its row, its protocol revision
/// and every session it ever had, `rows` as read by the caller (the same
/// rows [`apply`] later checks the versions of), with each one's status
/// before its last change, for a correction that undoes it.
pub fn engine_course(
    conn: &mut DbConnection,
    course: &Course,
    protocol: Protocol,
    rows: &[Session],
) -> Result<engine::Course, StoreError> {
    let previous = sessions::previous_statuses(conn, course.clinic_id, rows)?;
    Ok(engine::Course {
        id: course.id,
        patient: course.patient_id,
        protocol,
        status: course.status,
        phase: course.current_phase.max(0) as usize,
        series_started_at: course.series_started_at,
        booster_policy: course.booster_policy,
        at_risk: course.at_risk.clone(),
        extension_accepted: course.extension_accepted,
        held_until: course.held_until,
        sessions: rows
            .iter()
            .map(|s| engine::CourseSession {
                id: SessionId(s.id),
                phase: s.phase_index.max(0) as usize,
                sequence: s.sequence.max(0) as u32,
                chair: chairside_engine::ChairId(s.chair_id),
                start: s.starts_at,
                end: s.ends_at,
                status: s.status,
                omitted: s.omitted,
                previous_status: previous.get(&s.id).copied(),
                late_cancellation: s.late_cancellation,
                confirmed_at: s.confirmed_at,
            })
            .collect(),
    })
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
