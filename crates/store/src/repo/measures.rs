//! Symptom measures.

use diesel::prelude::*;

use crate::backend::DbConnection;
use crate::columns::{instant, now};
use crate::error::StoreError;
use crate::models::{columns, Actor, Instrument, NewSymptomMeasure, SymptomMeasure};
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
