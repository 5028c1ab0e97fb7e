//! Symptom measures and REMS monitoring forms.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;

use crate::backend::DbConnection;
use crate::columns::{instant, now};
use crate::error::StoreError;
use crate::models::{
    columns, Actor, Instrument, NewSymptomMeasure, RemsMonitoringForm, SymptomMeasure,
};
use crate::repo::version_miss;
use crate::schema::rems_monitoring_forms::dsl as r;
use crate::schema::symptom_measures::dsl as m;

/// Records a score; a score outside the instrument's range is
/// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid).
pub fn record(
    conn: &mut DbConnection,
    clinic_id: i64,
    new: &NewSymptomMeasure,
    actor: Actor,
) -> Result<SymptomMeasure, StoreError> {
    if !(0..=new.instrument.max_score()).contains(&new.score) {
        return Err(StoreError::Invalid(format!(
            "{} score {} outside 0..={}",
            new.instrument,
            new.score,
            new.instrument.max_score()
        )));
    }
    Ok(diesel::insert_into(m::symptom_measures)
        .values((
            m::clinic_id.eq(clinic_id),
            m::patient_id.eq(new.patient_id),
            m::course_id.eq(new.course_id),
            m::instrument.eq(new.instrument.code()),
            m::score.eq(new.score),
            m::measured_at.eq(instant(new.measured_at)),
            m::key_id.eq(actor.key_id),
            m::role.eq(actor.role.as_str()),
            m::created_at.eq(now()),
        ))
        .returning(columns::<SymptomMeasure>())
        .get_result::<SymptomMeasure>(conn)?)
}

/// A patient's scores, oldest measurement first; one instrument or all.
pub fn for_patient(
    conn: &mut DbConnection,
    clinic_id: i64,
    patient_id: i64,
    instrument: Option<Instrument>,
) -> Result<Vec<SymptomMeasure>, StoreError> {
    let mut query = m::symptom_measures
        .filter(m::clinic_id.eq(clinic_id).and(m::patient_id.eq(patient_id)))
        .into_boxed();
    if let Some(instrument) = instrument {
        query = query.filter(m::instrument.eq(instrument.code()));
    }
    Ok(query
        .order((m::measured_at, m::id))
        .select(columns::<SymptomMeasure>())
        .load::<SymptomMeasure>(conn)?)
}

/// Opens the monitoring form due after an esketamine session.
pub fn open_rems_form(
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

/// Marks a form filed if it is still at `version`.
pub fn file_rems_form(
    conn: &mut DbConnection,
    clinic_id: i64,
    id: i64,
    version: i64,
    filed_at: DateTime<Utc>,
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
        r::filed_at.eq(Some(instant(filed_at))),
        r::version.eq(r::version + 1),
    ))
    .returning(columns::<RemsMonitoringForm>())
    .get_result::<RemsMonitoringForm>(conn)
    .optional()?;
    match updated {
        Some(form) => Ok(form),
        None => {
            let exists = r::rems_monitoring_forms
                .filter(r::clinic_id.eq(clinic_id).and(r::id.eq(id)))
                .count()
                .get_result::<i64>(conn)?
                > 0;
            Err(version_miss(exists, "rems_monitoring_form", id))
        }
    }
}

/// Unfiled forms due on or before `on`, soonest first.
pub fn rems_forms_due(
    conn: &mut DbConnection,
    clinic_id: i64,
    on: NaiveDate,
) -> Result<Vec<RemsMonitoringForm>, StoreError> {
    Ok(r::rems_monitoring_forms
        .filter(
            r::clinic_id
                .eq(clinic_id)
                .and(r::filed_at.is_null())
                .and(r::due_on.le(on)),
        )
        .order((r::due_on, r::id))
        .select(columns::<RemsMonitoringForm>())
        .load::<RemsMonitoringForm>(conn)?)
}
