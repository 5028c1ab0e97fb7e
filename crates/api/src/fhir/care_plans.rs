//! `CarePlan`: one per course — its phases with their rules as
//! `Timing.repeat`, and its sessions as references to their appointments.

use actix_web::{web, HttpRequest, HttpResponse};
use chairside_store::models::{self as m, PageRequest};
use chairside_store::repo::{self, courses::CourseFilter, sessions::SessionFilter};
use chairside_store::DbConnection;
use serde_json::Value;

use crate::auth::FhirReader;
use crate::error::ApiError;
use crate::fhir::appointments::numeric_id;
use crate::fhir::bundle;
use crate::fhir::outcome::{fhir_ok, FhirError};
use crate::fhir::resources::care_plan;
use crate::fhir::search::{next_page, Params};
use crate::routes::read as read_db;
use crate::state::AppState;

/// A course as its `CarePlan`.
fn plan_of(conn: &mut DbConnection, clinic: i64, course: &m::Course) -> Result<Value, ApiError> {
    let version = repo::protocols::get_version(conn, clinic, course.protocol_version_id)?;
    let patient = repo::patients::get(conn, clinic, course.patient_id)?;
    let filter = SessionFilter {
        course_id: Some(course.id),
        ..SessionFilter::default()
    };
    let sessions = repo::sessions::all(conn, clinic, &filter)?;
    Ok(care_plan(course, &version.definition, &sessions, &patient))
}

/// `GET /fhir/r4/CarePlan/{id}`.
pub async fn read(
    reader: FhirReader,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, FhirError> {
    let id = numeric_id("CarePlan", &path)?;
    let clinic = reader.clinic_id;
    let resource = read_db(&state, move |conn| {
        let course = repo::courses::get(conn, clinic, id)?;
        plan_of(conn, clinic, &course)
    })
    .await?;
    Ok(fhir_ok(&resource))
}

/// `GET /fhir/r4/CarePlan?patient=&_count=`.
pub async fn search(
    reader: FhirReader,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, FhirError> {
    let params = Params::parse(req.query_string(), &["patient"])?;
    let filter = CourseFilter {
        patient_id: params.reference("patient", "Patient/")?,
        status: None,
    };
    let page = PageRequest {
        after_id: params.after()?,
        limit: params.count()?,
    };
    let clinic = reader.clinic_id;
    let (plans, next) = read_db(&state, move |conn| {
        let courses = repo::courses::list(conn, clinic, &filter, page)?;
        let plans = courses
            .items
            .iter()
            .map(|course| plan_of(conn, clinic, course))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((plans, courses.next_after_id.map(next_page)))
    })
    .await?;
    Ok(fhir_ok(&bundle(&req, plans, next)))
}
