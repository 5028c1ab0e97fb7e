//! REMS Patient Monitoring Forms: one per esketamine session.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::backend::DbConnection;
use crate::columns::{doc, instant, now};
use crate::error::StoreError;
use crate::models::{columns, RemsMonitoringForm};
use crate::repo::version_miss;
use crate::schema::rems_monitoring_forms::dsl as r;
use chairside_engine::monitoring::{RemsForm, RemsFormStatus};

/// Opens the form due after an esketamine session.
pub fn open(
    conn: &mut DbConnection,
    clinic_id: i64,
    session_id: i64,
    patient_id: i64,
    due_on: NaiveDate,
) -> Result<RemsMonitoringForm, StoreError> {
    Ok(diesel::insert_into(r::rems_monitoring_forms)
        .values((
            r::clinic_id.eq(clinic_id),
            r::session_id.eq(session_id),
            r::patient_id.eq(patient_id),
            r::due_on.eq(due_on),
            r::created_at.eq(now()),
        ))
        .returning(columns::<RemsMonitoringForm>())
        .get_result::<RemsMonitoringForm>(conn)?)
}

/// One form.
pub fn get(
    conn: &mut DbConnection,
    clinic_id: i64,
    id: i64,
) -> Result<RemsMonitoringForm, StoreError> {
    r::rems_monitoring_forms
        .filter(r::clinic_id.eq(clinic_id).and(r::id.eq(id)))
        .select(columns::<RemsMonitoringForm>())
        .first::<RemsMonitoringForm>(conn)
        .optional()?
        .ok_or(StoreError::not_found("REMS form"))
}

/// The clinic's forms, by due date: those not yet submitted (`open_only`)
/// or all, due on or before `until` if given.
pub fn list(
    conn: &mut DbConnection,
    clinic_id: i64,
    open_only: bool,
    until: Option<NaiveDate>,
) -> Result<Vec<RemsMonitoringForm>, StoreError> {
    let mut query = r::rems_monitoring_forms
        .filter(r::clinic_id.eq(clinic_id))
        .into_boxed();
    if open_only {
        query = query.filter(r::status.ne(RemsFormStatus::Submitted.as_str()));
    }
    if let Some(until) = until {
        query = query.filter(r::due_on.le(until));
    }
    Ok(query
        .order((r::due_on, r::id))
        .select(columns::<RemsMonitoringForm>())
        .load::<RemsMonitoringForm>(conn)?)
}

/// Keeps the form's new state if the caller read `version`.
pub fn save(
    conn: &mut DbConnection,
    clinic_id: i64,
    id: i64,
    version: i64,
    form: &RemsForm,
) -> Result<RemsMonitoringForm, StoreError> {
    let updated = diesel::update(
        r::rems_monitoring_forms.filter(
            r::clinic_id
                .eq(clinic_id)
                .and(r::id.eq(id))
                .and(r::version.eq(version)),
        ),
    )
    .set((
        r::status.eq(form.status.as_str()),
        r::answers.eq(doc(&form.entered)),
        r::submission_reference.eq(&form.submission_reference),
        r::filed_at.eq(form.submitted_at.map(instant)),
        r::version.eq(r::version + 1),
    ))
    .returning(columns::<RemsMonitoringForm>())
    .get_result::<RemsMonitoringForm>(conn)
    .optional()?;
    match updated {
        Some(form) => Ok(form),
        None => {
            let exists = get(conn, clinic_id, id).is_ok();
            Err(version_miss(exists, "REMS form", id))
        }
    }
}

/// Which announcement the worker makes about a form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Announcement {
    DueSoon,
    Overdue,
}

/// Claims an announcement for a form: true if this caller is the one to
/// make it (so replicas never announce twice).
pub fn claim(
    conn: &mut DbConnection,
    clinic_id: i64,
    id: i64,
    which: Announcement,
) -> Result<bool, StoreError> {
    let form = r::rems_monitoring_forms.filter(r::clinic_id.eq(clinic_id).and(r::id.eq(id)));
    let claimed = match which {
        Announcement::DueSoon => diesel::update(form.filter(r::due_soon_sent.eq(false)))
            .set(r::due_soon_sent.eq(true))
            .execute(conn)?,
        Announcement::Overdue => diesel::update(form.filter(r::overdue_sent.eq(false)))
            .set(r::overdue_sent.eq(true))
            .execute(conn)?,
    };
    Ok(claimed == 1)
}
