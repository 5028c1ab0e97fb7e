//! What the scenarios work in: clinics with chairs and front-desk keys made
//! through the API, patients inserted with SQL (a booking run needs
//! thousands), and courses booked through the API to read and change.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{Duration, NaiveDate, Utc};
use serde_json::{json, Value};

use crate::booking_sql::PATIENT_COLUMNS;
use crate::database::{Backend, Scratch};
use crate::http::Client;
use crate::server::ServerConfig;

/// Every clinic is on New York time.
pub const ZONE: &str = "America/New_York";
/// The IV ketamine preset's code (every clinic gets a copy).
pub const IV_PRESET: &str = "iv-ketamine-standard";
/// The IV preset's default booster policy as the API stores it on a course.
pub const IV_BOOSTER_POLICY: &str =
    r#"{"ceiling_days":42,"floor_days":14,"interval_days":21,"tolerance_days":3}"#;
/// A patient's preferences as the API stores them when none are given.
pub const NO_PREFERENCES: &str = r#"{"earliest_start":null,"latest_start":null,"preferred_start":null,"unavailable_dates":[],"weekdays":[]}"#;
/// Seeded patients' ids start here, far above anything the API assigns in
/// a run, so SQL-chosen ids never meet identity- or rowid-assigned ones.
pub const PATIENT_ID_BASE: i64 = 1_000_000_000;
/// Courses a clinic starts per calendar day as `earliest` advances: a
/// little under what six chairs open Mon–Fri 08:00–18:00 can hold (six
/// 90-minute sessions per chair a day, six sessions a course), so the
/// planner always finds a plan near `earliest` and the calendar fills
/// evenly instead of piling up in the first weeks.
pub const COURSES_PER_DAY: i64 = 4;

#[derive(Debug, Clone)]
pub struct Clinic {
    /// Its position (0..clinics).
    pub index: usize,
    pub id: i64,
    pub chairs: Vec<i64>,
    /// Its copy of the IV ketamine preset.
    pub iv_protocol: i64,
    /// A front-desk key scoped to it.
    pub front_desk: String,
}

impl Clinic {
    /// `/v1/clinics/{id}` followed by `rest`.
    pub fn path(&self, rest: &str) -> String {
        format!("/v1/clinics/{}{rest}", self.id)
    }
}

/// Patients inserted for a run: clinic `i`'s `n`-th patient has id
/// `PATIENT_ID_BASE + n * clinics + i`. Each is booked at most once.
pub struct Patients {
    clinics: i64,
    per_clinic: i64,
    next: Vec<AtomicI64>,
}

impl Patients {
    /// No patients at all (runs that book nothing).
    pub fn none() -> Arc<Patients> {
        Arc::new(Patients {
            clinics: 1,
            per_clinic: 0,
            next: vec![AtomicI64::new(0)],
        })
    }

    /// The next unbooked patient of the clinic and its number there, or
    /// `None` when the clinic has none left.
    pub fn take(&self, clinic: usize) -> Option<(i64, i64)> {
        let n = self.next[clinic].fetch_add(1, Ordering::Relaxed);
        (n < self.per_clinic).then(|| (PATIENT_ID_BASE + n * self.clinics + clinic as i64, n))
    }
}

/// The clinics and patients of one run.
pub struct World {
    pub clinics: Vec<Clinic>,
    /// Unbooked patients.
    pub patients: Arc<Patients>,
    /// The first date bookings aim for; dates of reads are after it.
    pub first_day: NaiveDate,
}

impl World {
    /// The `earliest` date for a clinic's `n`-th booking.
    pub fn earliest(&self, n: i64) -> NaiveDate {
        self.first_day + Duration::days(n / COURSES_PER_DAY)
    }
}

/// Mon–Fri 08:00–18:00.
pub fn weekday_hours() -> Value {
    let day = json!([{"opens": "08:00", "closes": "18:00"}]);
    json!({"mon": day, "tue": day, "wed": day, "thu": day, "fri": day})
}

/// Every day 07:00–19:00 (the scale seeding books every day).
pub fn daily_hours() -> Value {
    let day = json!([{"opens": "07:00", "closes": "19:00"}]);
    json!({"mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": day, "sun": day})
}

/// Creates `count` clinics of `chairs` chairs through the API (clinic
/// creation copies the preset protocols), and a front-desk key for each
/// through the CLI.
pub fn create_clinics(
    client: &Client,
    config: &ServerConfig,
    scratch: &Scratch,
    admin: &str,
    count: usize,
    chairs: usize,
    hours: &Value,
) -> Result<Vec<Clinic>, String> {
    (0..count)
        .map(|index| {
            let clinic = client.expect(
                "POST",
                admin,
                "/v1/clinics",
                Some(&json!({
                    "name": format!("Load clinic {index}"),
                    "time_zone": ZONE,
                    "hours": hours,
                })),
            )?;
            let id = clinic["id"].as_i64().ok_or("clinic without id")?;
            let chairs = (1..=chairs)
                .map(|n| {
                    client
                        .expect(
                            "POST",
                            admin,
                            &format!("/v1/clinics/{id}/chairs"),
                            Some(&json!({"label": format!("Chair {n}"), "modalities": ["iv", "intranasal"]})),
                        )?["id"]
                        .as_i64()
                        .ok_or_else(|| "chair without id".to_string())
                })
                .collect::<Result<Vec<i64>, String>>()?;
            let protocols = client.expect(
                "GET",
                admin,
                &format!("/v1/clinics/{id}/protocols"),
                None,
            )?;
            let iv_protocol = protocols
                .as_array()
                .or_else(|| protocols["items"].as_array())
                .and_then(|list| list.iter().find(|p| p["code"] == IV_PRESET))
                .and_then(|p| p["id"].as_i64())
                .ok_or_else(|| format!("clinic {id} has no {IV_PRESET} protocol: {protocols}"))?;
            let front_desk = config.create_key(scratch, "front_desk", Some(id))?;
            Ok(Clinic {
                index,
                id,
                chairs,
                iv_protocol,
                front_desk,
            })
        })
        .collect()
}

/// The id of the latest revision of the clinic's IV protocol (what a new
/// course refers to).
pub fn iv_protocol_version(scratch: &Scratch, clinic: &Clinic) -> Result<i64, String> {
    scratch
        .query(&format!(
            "SELECT id FROM protocol_versions WHERE clinic_id = {} AND protocol_id = {} \
             ORDER BY revision DESC LIMIT 1",
            clinic.id, clinic.iv_protocol
        ))?
        .parse()
        .map_err(|e| format!("protocol version of clinic {}: {e}", clinic.id))
}

/// A temporary table mapping clinic positions to ids, for the seeding SQL
/// (`load_clinics(idx, clinic_id)`).
pub fn clinic_table(clinics: &[Clinic]) -> String {
    let rows: Vec<String> = clinics
        .iter()
        .map(|c| format!("({}, {})", c.index, c.id))
        .collect();
    format!(
        "CREATE TEMP TABLE load_clinics (idx BIGINT PRIMARY KEY, clinic_id BIGINT NOT NULL);\n\
         INSERT INTO load_clinics (idx, clinic_id) VALUES {};\n",
        rows.join(", ")
    )
}

/// The patients' rows as the API writes them (intake a week ago, consent
/// and a driver home on file, no preferences).
fn patient_sql(backend: Backend, total: i64, clinics: usize) -> String {
    let intake = (Utc::now().date_naive() - Duration::days(7)).to_string();
    let columns = PATIENT_COLUMNS.join(", ");
    match backend {
        Backend::Postgres => format!(
            "INSERT INTO patients ({columns}) OVERRIDING SYSTEM VALUE \
             SELECT {PATIENT_ID_BASE} + g, c.clinic_id, 'LOAD-' || g, 'Load patient ' || g, '{NO_PREFERENCES}', \
                    DATE '{intake}', TRUE, TRUE, \
                    (now() AT TIME ZONE 'UTC')::timestamp(0), (now() AT TIME ZONE 'UTC')::timestamp(0) \
             FROM generate_series(0, {last}) g JOIN load_clinics c ON c.idx = g % {clinics};",
            last = total - 1
        ),
        Backend::Sqlite => format!(
            "WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < {last}) \
             INSERT INTO patients ({columns}) \
             SELECT {PATIENT_ID_BASE} + n, c.clinic_id, 'LOAD-' || n, 'Load patient ' || n, '{NO_PREFERENCES}', \
                    '{intake}', 1, 1, datetime('now'), datetime('now') \
             FROM g JOIN load_clinics c ON c.idx = n % {clinics};",
            last = total - 1
        ),
    }
}

/// Inserts `per_clinic` patients in every clinic with SQL.
pub fn insert_patients(
    scratch: &Scratch,
    clinics: &[Clinic],
    per_clinic: i64,
) -> Result<Arc<Patients>, String> {
    let total = per_clinic * clinics.len() as i64;
    let table = clinic_table(clinics);
    let rows = patient_sql(scratch.backend, total, clinics.len());
    scratch.exec(&format!("BEGIN;\n{table}{rows}\nCOMMIT;"))?;
    Ok(Arc::new(Patients {
        clinics: clinics.len() as i64,
        per_clinic,
        next: clinics.iter().map(|_| AtomicI64::new(0)).collect(),
    }))
}

/// A booked session a front desk may act on.
#[derive(Debug, Clone, Copy)]
pub struct SessionRef {
    /// The clinic's position.
    pub clinic: usize,
    pub id: i64,
}

/// The body of a booking request for a clinic's `n`-th patient.
pub fn booking_body(world: &World, clinic: &Clinic, patient: i64, n: i64) -> Value {
    json!({
        "patient_id": patient,
        "protocol_id": clinic.iv_protocol,
        "earliest": world.earliest(n).to_string(),
    })
}

/// Books `per_clinic` courses in every clinic through the API (one thread
/// per clinic) and returns their sessions.
pub fn book_courses(
    client: &Client,
    world: &World,
    per_clinic: usize,
    tag: &str,
) -> Result<Vec<SessionRef>, String> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = world
            .clinics
            .iter()
            .map(|clinic| {
                let client = Client::new(client.base());
                scope.spawn(move || -> Result<Vec<SessionRef>, String> {
                    let mut sessions = Vec::new();
                    for _ in 0..per_clinic {
                        let (patient, n) = world
                            .patients
                            .take(clinic.index)
                            .ok_or("out of patients while seeding")?;
                        let key = format!("{tag}-seed-{}-{n}", clinic.index);
                        let reply = client.post(
                            Some(&clinic.front_desk),
                            &clinic.path("/courses"),
                            &[("Idempotency-Key", &key)],
                            &booking_body(world, clinic, patient, n),
                        )?;
                        if reply.status != 201 {
                            return Err(format!(
                                "seeding a course: {} {}",
                                reply.status, reply.body
                            ));
                        }
                        sessions.extend(session_ids(&reply.json()).into_iter().map(|id| {
                            SessionRef {
                                clinic: clinic.index,
                                id,
                            }
                        }));
                    }
                    Ok(sessions)
                })
            })
            .collect();
        let mut all = Vec::new();
        for handle in handles {
            all.extend(handle.join().map_err(|_| "a seeding thread panicked")??);
        }
        Ok(all)
    })
}

/// The session ids of a course view.
pub fn session_ids(course: &Value) -> Vec<i64> {
    course["sessions"]
        .as_array()
        .map(|list| list.iter().filter_map(|s| s["id"].as_i64()).collect())
        .unwrap_or_default()
}
