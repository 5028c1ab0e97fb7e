//! A clinic written through the store, and courses booked the way the
//! service books them: for the tests that use the store directly.

use chairside_engine::course::{
    CourseState, Decision, NewSession, Placement, SessionId, SessionUpdate,
};
use chairside_engine::{
    presets, ChairId, ClinicSettings, Modality, PatientPreferences, WeeklyHours,
};
use chairside_store::models::{
    Actor, AuditEntry, Course, CourseStatus, NewChair, NewClinic, NewOutboxEvent, NewPatient, Role,
    Session, SessionStatus,
};
use chairside_store::repo::courses::{self, Applied, NewCourse};
use chairside_store::repo::{audit, chairs, clinics, outbox, patients, protocols};
use chairside_store::{DbConnection, Store, StoreError};
use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use serde_json::json;

/// A clinic with chairs, patients and two protocol revisions (IV ketamine
/// and esketamine nasal: two kinds of course).
pub struct Fixture {
    pub clinic_id: i64,
    pub chair_ids: Vec<i64>,
    pub patient_ids: Vec<i64>,
    /// IV ketamine, standard ([`Modality::Iv`]).
    pub protocol_version_id: i64,
    /// Esketamine nasal ([`Modality::Intranasal`]).
    pub nasal_version_id: i64,
}

/// Monday to Friday, 08:00 to 18:00.
pub fn weekday_hours() -> WeeklyHours {
    use chrono::Weekday::*;
    WeeklyHours::uniform(
        &[Mon, Tue, Wed, Thu, Fri],
        NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
        NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
    )
}

/// A new patient with no preferences, consented, escort confirmed.
pub fn new_patient(external_ref: String, display_name: String) -> NewPatient {
    NewPatient {
        external_ref,
        display_name,
        preferences: PatientPreferences::default(),
        intake_assessed_on: None,
        consent_on_file: true,
        rems_enrolled_on: None,
        escort_confirmed: true,
    }
}

/// A New York clinic (REMS certified, open on weekdays) with `chairs_n`
/// chairs for IV and intranasal treatment, `patients_n` consented patients
/// and the two preset protocols.
pub fn seed(store: &Store, chairs_n: usize, patients_n: usize) -> Fixture {
    store
        .write(|conn| {
            let clinic = clinics::create(
                conn,
                &NewClinic {
                    name: "Harbour Clinic".into(),
                    time_zone: chrono_tz::America::New_York,
                    opening_hours: weekday_hours(),
                    settings: ClinicSettings {
                        rems_certified: true,
                        ..Default::default()
                    },
                },
            )?;
            let chair_ids = add_chairs(conn, clinic.id, chairs_n)?;
            let patient_ids = (0..patients_n)
                .map(|i| {
                    patients::create(
                        conn,
                        clinic.id,
                        &new_patient(format!("MRN-{i:05}"), format!("Patient {i}")),
                    )
                    .map(|p| p.id)
                })
                .collect::<Result<Vec<_>, _>>()?;
            let (_, iv) = protocols::create(
                conn,
                clinic.id,
                "iv-ketamine-standard",
                "IV ketamine, standard",
                &presets::iv_ketamine_standard(),
            )?;
            let (_, nasal) = protocols::create(
                conn,
                clinic.id,
                "esketamine-nasal",
                "Esketamine nasal",
                &presets::esketamine_nasal(),
            )?;
            Ok::<_, StoreError>(Fixture {
                clinic_id: clinic.id,
                chair_ids,
                patient_ids,
                protocol_version_id: iv.id,
                nasal_version_id: nasal.id,
            })
        })
        .expect("seed")
}

/// `n` chairs for IV and intranasal treatment, in order.
fn add_chairs(conn: &mut DbConnection, clinic_id: i64, n: usize) -> Result<Vec<i64>, StoreError> {
    (0..n)
        .map(|i| {
            chairs::add(
                conn,
                clinic_id,
                &NewChair {
                    label: format!("Chair {}", i + 1),
                    modalities: vec![Modality::Iv, Modality::Intranasal],
                    position: i as i32,
                },
            )
            .map(|c| c.id)
        })
        .collect()
}

/// 2030-03-04 (a Monday) at `hour`:00 UTC.
pub fn at(day: i64, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 3, 4, hour, 0, 0).unwrap() + Duration::days(day)
}

/// One session of phase 0, number `sequence`, on `chair` from `start` for
/// `minutes`.
pub fn planned(chair_id: i64, sequence: u32, start: DateTime<Utc>, minutes: i64) -> NewSession {
    NewSession {
        phase: 0,
        sequence,
        placement: Placement {
            chair: ChairId(chair_id),
            start,
            end: start + Duration::minutes(minutes),
        },
    }
}

/// A new course's state: active, in its first phase.
pub fn active_state() -> CourseState {
    CourseState {
        status: CourseStatus::Active,
        phase: 0,
        series_started_at: None,
        booster_policy: None,
        at_risk: None,
        extension_accepted: false,
        held_until: None,
    }
}

/// The actor the booking helpers write as.
pub fn desk() -> Actor {
    Actor::key(1, Role::FrontDesk)
}

/// What [`book`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Booked {
    pub course: Course,
    pub sessions: Vec<Session>,
    /// The `course.booked` outbox event's id.
    pub event_id: String,
}

/// Books a course the way the service does, in the caller's transaction:
/// the course row (active, phase 0, of the protocol's kind), its sessions,
/// one `course.booked` outbox event and one audit row.
pub fn book_in(
    conn: &mut DbConnection,
    fx: &Fixture,
    protocol_version_id: i64,
    patient_id: i64,
    sessions: &[NewSession],
) -> Result<Booked, StoreError> {
    let version = protocols::get_version(conn, fx.clinic_id, protocol_version_id)?;
    let state = active_state();
    let new = NewCourse {
        clinic_id: fx.clinic_id,
        patient_id,
        protocol_version_id,
        modality: version.definition.modality,
        state: &state,
    };
    let decision = Decision {
        bookings: sessions.to_vec(),
        ..Default::default()
    };
    let applied = courses::book(conn, &new, &version.definition, &decision, desk())?;
    let (course, sessions) = (applied.course, applied.booked);
    let summary = booked_summary(&course, &sessions);
    let event = outbox::append(
        conn,
        &NewOutboxEvent {
            clinic_id: fx.clinic_id,
            event_type: "course.booked".into(),
            aggregate_id: course.id,
            payload: summary.clone(),
        },
    )?;
    audit::append(
        conn,
        &AuditEntry {
            clinic_id: Some(fx.clinic_id),
            actor: desk(),
            action: "course.booked".into(),
            entity_type: "course".into(),
            entity_id: Some(course.id),
            before: None,
            after: Some(summary),
            request_id: Some("req-test".into()),
        },
    )?;
    Ok(Booked {
        course,
        sessions,
        event_id: event.event_id,
    })
}

/// What the `course.booked` event and its audit row say, as the service
/// writes them.
fn booked_summary(course: &Course, sessions: &[Session]) -> serde_json::Value {
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

/// Books an IV course for `patient_id` with `sessions`, in one transaction
/// on `conn`.
pub fn book_on(
    conn: &mut DbConnection,
    fx: &Fixture,
    patient_id: i64,
    sessions: &[NewSession],
) -> Result<Booked, StoreError> {
    chairside_store::in_write_transaction(conn, |conn| {
        book_in(conn, fx, fx.protocol_version_id, patient_id, sessions)
    })
}

/// Books an IV course for `patient_id` with `sessions`, in one transaction.
pub fn book(
    store: &Store,
    fx: &Fixture,
    patient_id: i64,
    sessions: &[NewSession],
) -> Result<Booked, StoreError> {
    book_on(&mut *store.connection()?, fx, patient_id, sessions)
}

/// Applies `decision`, taken on `course` and its sessions as `read`, in one
/// transaction, as `actor`.
pub fn apply(
    store: &Store,
    course: &Course,
    read: &[Session],
    decision: &Decision,
    actor: Actor,
) -> Result<Applied, StoreError> {
    store.write(|c| courses::apply(c, course, read, decision, actor))
}

/// A change of one session's status, as the engine decides it.
pub fn status_change(session: &Session, to: SessionStatus, reason: Option<&str>) -> SessionUpdate {
    SessionUpdate {
        session: SessionId(session.id),
        status: Some((session.status, to)),
        reason: reason.map(str::to_owned),
        ..Default::default()
    }
}

/// A move of one session, as the engine decides it.
pub fn moved(
    session: &Session,
    chair_id: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    reason: Option<&str>,
) -> SessionUpdate {
    SessionUpdate {
        session: SessionId(session.id),
        placement: Some(Placement {
            chair: ChairId(chair_id),
            start,
            end,
        }),
        reason: reason.map(str::to_owned),
        ..Default::default()
    }
}
