//! What every booking refers to (one clinic, one chair, one protocol, a
//! patient per course), and what a booking plans and writes.

use std::sync::Arc;

use chairside_engine::course::{NewSession, Placement};
use chairside_engine::{presets, ChairId, ClinicSettings, Modality, WeeklyHours};
use chairside_store::models::{NewChair, NewClinic};
use chairside_store::repo::{chairs, clinics, protocols};
use chairside_store::{DbConnection, Store, StoreError};
use chrono::{NaiveTime, TimeZone, Utc};
use diesel::RunQueryDsl;
use serde_json::{json, Value};

#[derive(Clone)]
pub struct Fixture {
    pub clinic_id: i64,
    pub chair_id: i64,
    /// Course `k` is for patient `patient_ids[k]`.
    pub patient_ids: Arc<Vec<i64>>,
    pub protocol_version_id: i64,
    /// The protocol's kind, which the course row keeps.
    pub modality: Modality,
}

impl Fixture {
    /// The patient of course number `k`, while there are patients left.
    pub fn patient(&self, k: i64) -> Option<i64> {
        usize::try_from(k)
            .ok()
            .and_then(|k| self.patient_ids.get(k).copied())
    }
}

/// A clinic open on weekdays with one IV chair, `patients` patients and the
/// IV preset as its protocol.
pub fn seed(store: &Store, patients: i64) -> Fixture {
    store
        .write(|conn| {
            use chrono::Weekday::*;
            let clinic = clinics::create(
                conn,
                &NewClinic {
                    name: "Bench".into(),
                    time_zone: chrono_tz::UTC,
                    opening_hours: WeeklyHours::uniform(
                        &[Mon, Tue, Wed, Thu, Fri],
                        NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
                        NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
                    ),
                    settings: ClinicSettings::default(),
                },
            )?;
            let chair = chairs::add(
                conn,
                clinic.id,
                &NewChair {
                    label: "A".into(),
                    modalities: vec![Modality::Iv],
                    position: 0,
                },
            )?;
            let patient_ids = insert_patients(conn, clinic.id, patients)?;
            let protocol = presets::iv_ketamine_standard();
            let (_, version) = protocols::create(conn, clinic.id, "p", "P", &protocol)?;
            Ok::<_, StoreError>(Fixture {
                clinic_id: clinic.id,
                chair_id: chair.id,
                patient_ids: Arc::new(patient_ids),
                protocol_version_id: version.id,
                modality: protocol.modality,
            })
        })
        .expect("seed")
}

/// Inserts the patients with one statement (one INSERT each would take
/// longer than the run) and returns their ids in order.
fn insert_patients(
    conn: &mut DbConnection,
    clinic_id: i64,
    patients: i64,
) -> Result<Vec<i64>, StoreError> {
    diesel::sql_query(format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {patients}) \
         INSERT INTO patients (clinic_id, external_ref, display_name, preferences, \
           consent_on_file, escort_confirmed, created_at, updated_at) \
         SELECT {clinic_id}, 'MRN-' || i, 'P' || i, '{{}}', TRUE, TRUE, \
           '2030-01-01 00:00:00', '2030-01-01 00:00:00' FROM n"
    ))
    .execute(conn)?;
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    Ok(diesel::sql_query(format!(
        "SELECT id FROM patients WHERE clinic_id = {clinic_id} ORDER BY id"
    ))
    .load::<Id>(conn)?
    .into_iter()
    .map(|r| r.id)
    .collect())
}

/// Six sessions of course number `k`, two hours apart, never overlapping
/// any other course's (so every booking succeeds, as in the pgbench script).
pub fn plan(fx: &Fixture, k: i64) -> Vec<NewSession> {
    let base = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
    (0..6)
        .map(|i| {
            let start = base + chrono::Duration::hours(2 * (6 * k + i));
            NewSession {
                phase: 0,
                sequence: i as u32 + 1,
                placement: Placement {
                    chair: ChairId(fx.chair_id),
                    start,
                    end: start + chrono::Duration::minutes(90),
                },
            }
        })
        .collect()
}

/// The `course.booked` event's payload (and the audit row's `after`): the
/// course and its sessions, with the ids the database gave them.
pub fn booked_payload(
    fx: &Fixture,
    course_id: i64,
    patient_id: i64,
    session_ids: &[i64],
    planned: &[NewSession],
) -> Value {
    json!({
        "course_id": course_id,
        "patient_id": patient_id,
        "protocol_version_id": fx.protocol_version_id,
        "sessions": session_ids.iter().zip(planned).map(|(id, s)| json!({
            "id": id,
            "phase_index": s.phase,
            "sequence": s.sequence,
            "chair_id": s.placement.chair.0,
            "starts_at": s.placement.start,
            "ends_at": s.placement.end,
        })).collect::<Vec<_>>(),
    })
}
