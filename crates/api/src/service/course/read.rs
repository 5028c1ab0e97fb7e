//! Reading courses and sessions as the API shows them.

use chairside_store::models as m;
use chairside_store::repo::courses::CourseFilter;
use chairside_store::{repo, DbConnection};

use crate::dto::course::CourseView;
use crate::dto::session::SessionView;
use crate::error::ApiError;
use crate::views;

/// A course with its sessions.
pub fn course(
    conn: &mut DbConnection,
    clinic_id: i64,
    course_id: i64,
) -> Result<CourseView, ApiError> {
    let course = repo::courses::get(conn, clinic_id, course_id)?;
    view(conn, &course)
}

/// The view of a course row.
pub fn view(conn: &mut DbConnection, course: &m::Course) -> Result<CourseView, ApiError> {
    let clinic = repo::clinics::get(conn, course.clinic_id)?;
    let version = repo::protocols::get_version(conn, course.clinic_id, course.protocol_version_id)?;
    let sessions = repo::sessions::for_course(conn, course.clinic_id, course.id)?;
    Ok(views::course(
        clinic.time_zone,
        course,
        version.protocol_id,
        version.revision,
        &sessions,
    ))
}

/// A page of courses.
pub fn courses(
    conn: &mut DbConnection,
    clinic_id: i64,
    filter: &CourseFilter,
    page: m::PageRequest,
) -> Result<(Vec<CourseView>, Option<i64>), ApiError> {
    repo::clinics::get(conn, clinic_id)?;
    let rows = repo::courses::list(conn, clinic_id, filter, page)?;
    let items = rows
        .items
        .iter()
        .map(|c| view(conn, c))
        .collect::<Result<_, _>>()?;
    Ok((items, rows.next_after_id))
}

pub fn session(
    conn: &mut DbConnection,
    clinic_id: i64,
    session_id: i64,
) -> Result<SessionView, ApiError> {
    let session = repo::sessions::get(conn, clinic_id, session_id)?;
    let clinic = repo::clinics::get(conn, clinic_id)?;
    Ok(views::session(clinic.time_zone, &session))
}
