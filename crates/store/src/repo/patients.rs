//! Patients.

use diesel::prelude::*;

use crate::backend::DbConnection;
use crate::columns::{doc, now};
use crate::error::StoreError;
use crate::models::{columns, Course, NewPatient, Page, PageRequest, Patient, PatientUpdate};
use crate::repo::version_miss;
use crate::schema::clinic_turns::dsl as t;
use crate::schema::courses::dsl as co;
use crate::schema::patients::dsl as pa;

/// Creates a patient; a taken external reference is
/// [`ErrorKind::Duplicate`](crate::ErrorKind::Duplicate).
pub fn create(
    conn: &mut DbConnection,
    clinic_id: i64,
    new: &NewPatient,
) -> Result<Patient, StoreError> {
    let at = now();
    Ok(diesel::insert_into(pa::patients)
        .values((
            pa::clinic_id.eq(clinic_id),
            pa::external_ref.eq(&new.external_ref),
            pa::display_name.eq(&new.display_name),
            pa::preferences.eq(doc(&new.preferences)),
            pa::intake_assessed_on.eq(new.intake_assessed_on),
            pa::consent_on_file.eq(new.consent_on_file),
            pa::rems_enrolled_on.eq(new.rems_enrolled_on),
            pa::escort_confirmed.eq(new.escort_confirmed),
            pa::created_at.eq(at),
            pa::updated_at.eq(at),
        ))
        .returning(columns::<Patient>())
        .get_result::<Patient>(conn)?)
}

/// The display names of these patients, by id, in one query (a day's
/// sheet names every patient on it).
pub fn display_names(
    conn: &mut DbConnection,
    clinic_id: i64,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, String>, StoreError> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(pa::patients
        .filter(pa::clinic_id.eq(clinic_id).and(pa::id.eq_any(ids)))
        .select((pa::id, pa::display_name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}

/// One patient.
pub fn get(conn: &mut DbConnection, clinic_id: i64, id: i64) -> Result<Patient, StoreError> {
    pa::patients
        .filter(pa::clinic_id.eq(clinic_id).and(pa::id.eq(id)))
        .select(columns::<Patient>())
        .first::<Patient>(conn)
        .optional()?
        .ok_or(StoreError::not_found("patient"))
}

/// A patient and their courses (by id): what a decision about one of
/// their courses needs of them, and the clinic's count of changes read in
/// the same statement.
#[derive(Debug, Clone)]
pub struct WithCourses {
    pub patient: Patient,
    pub courses: Vec<Course>,
    /// The clinic's count of changes as this read found it ([`crate::turn`];
    /// `None` if the clinic's turn was never taken). Read in the clinic's
    /// turn with nothing written since, it tells
    /// [`calendar::to_place`](crate::repo::calendar::to_place) whether the
    /// calendar this server kept is current without reading it again.
    pub changes: Option<i64>,
}

/// The patient with their courses and the clinic's count of changes, in
/// one read (a booking's first; it was once three).
pub fn with_courses(
    conn: &mut DbConnection,
    clinic_id: i64,
    id: i64,
) -> Result<WithCourses, StoreError> {
    let rows: Vec<(Patient, Option<Course>, Option<i64>)> = pa::patients
        .left_join(
            co::courses.on(co::clinic_id
                .eq(pa::clinic_id)
                .and(co::patient_id.eq(pa::id))),
        )
        .left_join(t::clinic_turns.on(t::clinic_id.eq(pa::clinic_id)))
        .filter(pa::clinic_id.eq(clinic_id).and(pa::id.eq(id)))
        .order(co::id)
        .select((
            columns::<Patient>(),
            columns::<Course>().nullable(),
            t::changes.nullable(),
        ))
        .load(conn)?;
    let mut rows = rows.into_iter();
    let (patient, first, changes) = rows.next().ok_or(StoreError::not_found("patient"))?;
    let courses = first
        .into_iter()
        .chain(rows.filter_map(|(_, course, _)| course))
        .collect();
    Ok(WithCourses {
        patient,
        courses,
        changes,
    })
}

/// The patient with this external reference, if any.
pub fn find_by_external_ref(
    conn: &mut DbConnection,
    clinic_id: i64,
    external_ref: &str,
) -> Result<Option<Patient>, StoreError> {
    Ok(pa::patients
        .filter(
            pa::clinic_id
                .eq(clinic_id)
                .and(pa::external_ref.eq(external_ref)),
        )
        .select(columns::<Patient>())
        .first::<Patient>(conn)
        .optional()?)
}

/// The patient whose calendar feed token hashes to `token_hash`, if any.
pub fn find_by_calendar_token_hash(
    conn: &mut DbConnection,
    clinic_id: i64,
    token_hash: &str,
) -> Result<Option<Patient>, StoreError> {
    Ok(pa::patients
        .filter(
            pa::clinic_id
                .eq(clinic_id)
                .and(pa::calendar_token_hash.eq(token_hash)),
        )
        .select(columns::<Patient>())
        .first::<Patient>(conn)
        .optional()?)
}

/// The clinic's patients by id.
pub fn list(
    conn: &mut DbConnection,
    clinic_id: i64,
    page: PageRequest,
) -> Result<Page<Patient>, StoreError> {
    let rows = pa::patients
        .filter(
            pa::clinic_id
                .eq(clinic_id)
                .and(pa::id.gt(page.after_id.unwrap_or(0))),
        )
        .order(pa::id)
        .limit(page.clamped_limit() + 1)
        .select(columns::<Patient>())
        .load::<Patient>(conn)?;
    Ok(page.page(rows, |r| r.id))
}

/// Changes a patient still at `version`.
pub fn update(
    conn: &mut DbConnection,
    clinic_id: i64,
    id: i64,
    version: i64,
    change: &PatientUpdate,
) -> Result<Patient, StoreError> {
    let current = get(conn, clinic_id, id)?;
    if current.version != version {
        return Err(StoreError::StaleVersion {
            entity: "patient",
            id,
        });
    }
    let c = change;
    let updated = diesel::update(
        pa::patients.filter(
            pa::clinic_id
                .eq(clinic_id)
                .and(pa::id.eq(id))
                .and(pa::version.eq(version)),
        ),
    )
    .set((
        pa::external_ref.eq(c.external_ref.as_ref().unwrap_or(&current.external_ref)),
        pa::display_name.eq(c.display_name.as_ref().unwrap_or(&current.display_name)),
        pa::preferences.eq(doc(c.preferences.as_ref().unwrap_or(&current.preferences))),
        pa::intake_assessed_on.eq(c.intake_assessed_on.unwrap_or(current.intake_assessed_on)),
        pa::consent_on_file.eq(c.consent_on_file.unwrap_or(current.consent_on_file)),
        pa::rems_enrolled_on.eq(c.rems_enrolled_on.unwrap_or(current.rems_enrolled_on)),
        pa::escort_confirmed.eq(c.escort_confirmed.unwrap_or(current.escort_confirmed)),
        pa::calendar_token_hash.eq(c
            .calendar_token_hash
            .clone()
            .unwrap_or(current.calendar_token_hash.clone())),
        pa::version.eq(pa::version + 1),
        pa::updated_at.eq(now()),
    ))
    .returning(columns::<Patient>())
    .get_result::<Patient>(conn)
    .optional()?;
    updated.ok_or_else(|| version_miss(true, "patient", id))
}
