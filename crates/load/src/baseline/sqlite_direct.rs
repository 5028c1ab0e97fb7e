//! The HTTP booking's statements through the SQLite C API, each prepared
//! once per connection, one connection per client, writers queued on a
//! process mutex and `BEGIN IMMEDIATE` as the store does (after
//! `crates/store/benches/booking/plain_sqlite.rs`, with the reads, the six
//! `session.booked` events and the idempotency record the HTTP booking
//! adds).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{Duration, NaiveDateTime, Utc};

use super::{Ids, COURSE_PAYLOAD, RESPONSE_BODY, SESSION_PAYLOAD};
use crate::database::{Backend, Scratch};
use crate::report::Baseline;
use crate::runner::{self, Recorder, Work};
use crate::sqlite::{Db, Param, Stmt};
use crate::world::IV_BOOSTER_POLICY;
use crate::Context;

const OP: &str = "booking transaction";

const AUTH: &str = "SELECT `api_keys`.`id`, `api_keys`.`clinic_id`, `api_keys`.`prefix`, `api_keys`.`secret_hash`, `api_keys`.`role`, `api_keys`.`label`, `api_keys`.`created_at`, `api_keys`.`revoked_at` FROM `api_keys` WHERE ((`api_keys`.`prefix` = ?) AND (`api_keys`.`revoked_at` IS NULL)) LIMIT ?";
const IDEMPOTENCY: &str = "SELECT `idempotency_keys`.`id`, `idempotency_keys`.`clinic_id`, `idempotency_keys`.`key_id`, `idempotency_keys`.`idempotency_key`, `idempotency_keys`.`request_fingerprint`, `idempotency_keys`.`response_status`, `idempotency_keys`.`response_body`, `idempotency_keys`.`created_at` FROM `idempotency_keys` WHERE (((`idempotency_keys`.`clinic_id` = ?) AND (`idempotency_keys`.`key_id` = ?)) AND (`idempotency_keys`.`idempotency_key` = ?)) LIMIT ?";
const PATIENT: &str = "SELECT `patients`.`id`, `patients`.`clinic_id`, `patients`.`external_ref`, `patients`.`display_name`, `patients`.`preferences`, `patients`.`intake_assessed_on`, `patients`.`consent_on_file`, `patients`.`rems_enrolled_on`, `patients`.`escort_confirmed`, `patients`.`calendar_token_hash`, `patients`.`version`, `patients`.`created_at`, `patients`.`updated_at` FROM `patients` WHERE ((`patients`.`clinic_id` = ?) AND (`patients`.`id` = ?)) LIMIT ?";
const PROTOCOL: &str = "SELECT `protocols`.`id`, `protocols`.`clinic_id`, `protocols`.`code`, `protocols`.`name`, `protocols`.`latest_revision`, `protocols`.`version`, `protocols`.`created_at`, `protocols`.`updated_at` FROM `protocols` WHERE ((`protocols`.`clinic_id` = ?) AND (`protocols`.`id` = ?)) LIMIT ?";
const VERSIONS: &str = "SELECT `protocol_versions`.`id`, `protocol_versions`.`clinic_id`, `protocol_versions`.`protocol_id`, `protocol_versions`.`revision`, `protocol_versions`.`definition`, `protocol_versions`.`created_at` FROM `protocol_versions` WHERE ((`protocol_versions`.`clinic_id` = ?) AND (`protocol_versions`.`protocol_id` = ?)) ORDER BY `protocol_versions`.`revision`";
const CLINIC: &str = "SELECT `clinics`.`id`, `clinics`.`name`, `clinics`.`time_zone`, `clinics`.`opening_hours`, `clinics`.`settings`, `clinics`.`version`, `clinics`.`created_at`, `clinics`.`updated_at` FROM `clinics` WHERE (`clinics`.`id` = ?) LIMIT ?";
const CHAIRS: &str = "SELECT `chairs`.`id`, `chairs`.`clinic_id`, `chairs`.`label`, `chairs`.`modalities`, `chairs`.`position`, `chairs`.`active`, `chairs`.`version`, `chairs`.`created_at`, `chairs`.`updated_at` FROM `chairs` WHERE (`chairs`.`clinic_id` = ?) ORDER BY `chairs`.`position`, `chairs`.`id`";
const CLOSURES: &str = "SELECT `closures`.`id`, `closures`.`clinic_id`, `closures`.`chair_id`, `closures`.`first_day`, `closures`.`last_day`, `closures`.`local_start`, `closures`.`local_end`, `closures`.`reason`, `closures`.`created_at` FROM `closures` WHERE (`closures`.`clinic_id` = ?) ORDER BY `closures`.`id`";
const SESSION_COLUMNS: &str = "`sessions`.`id`, `sessions`.`clinic_id`, `sessions`.`course_id`, `sessions`.`patient_id`, `sessions`.`phase_index`, `sessions`.`sequence`, `sessions`.`chair_id`, `sessions`.`starts_at`, `sessions`.`ends_at`, `sessions`.`status`, `sessions`.`reason`, `sessions`.`version`, `sessions`.`created_at`, `sessions`.`updated_at`";
const LIVE: &str = "IN (?, ?, ?, ?)";
const INSERT_COURSE: &str = "INSERT INTO `courses` (`clinic_id`, `patient_id`, `protocol_version_id`, `status`, `current_phase`, `booster_policy`, `created_at`, `updated_at`) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING `courses`.`id`, `courses`.`clinic_id`, `courses`.`patient_id`, `courses`.`protocol_version_id`, `courses`.`status`, `courses`.`current_phase`, `courses`.`booster_policy`, `courses`.`at_risk_reason`, `courses`.`version`, `courses`.`created_at`, `courses`.`updated_at`, `courses`.`series_start_sequence`";
const INSERT_OUTBOX: &str = "INSERT INTO `outbox` (`clinic_id`, `event_id`, `event_type`, `aggregate_id`, `payload`, `created_at`) VALUES (?, ?, ?, ?, ?, ?) RETURNING `outbox`.`id`, `outbox`.`clinic_id`, `outbox`.`event_id`, `outbox`.`event_type`, `outbox`.`aggregate_id`, `outbox`.`payload`, `outbox`.`created_at`, `outbox`.`published_at`";
const INSERT_AUDIT: &str = "INSERT INTO `audit_log` (`clinic_id`, `key_id`, `role`, `action`, `entity_type`, `entity_id`, `before`, `after`, `request_id`, `at`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING `audit_log`.`id`";
const LOCK_COURSE: &str = "UPDATE `courses` SET `version` = `courses`.`version` WHERE ((`courses`.`clinic_id` = ?) AND (`courses`.`id` = ?))";
const INSERT_IDEMPOTENCY: &str = "INSERT INTO `idempotency_keys` (`clinic_id`, `key_id`, `idempotency_key`, `request_fingerprint`, `response_status`, `response_body`, `created_at`) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING `idempotency_keys`.`id`, `idempotency_keys`.`clinic_id`, `idempotency_keys`.`key_id`, `idempotency_keys`.`idempotency_key`, `idempotency_keys`.`request_fingerprint`, `idempotency_keys`.`response_status`, `idempotency_keys`.`response_body`, `idempotency_keys`.`created_at`";

fn sessions_sql(by_patient: bool) -> String {
    let patient = if by_patient {
        " AND (`sessions`.`patient_id` = ?)"
    } else {
        ""
    };
    format!(
        "SELECT {SESSION_COLUMNS} FROM `sessions` WHERE (`sessions`.`clinic_id` = ?){patient} \
         AND (`sessions`.`starts_at` > ?) AND (`sessions`.`starts_at` < ?) AND (`sessions`.`ends_at` > ?) \
         AND (`sessions`.`status` {LIVE}) ORDER BY `sessions`.`starts_at`, `sessions`.`id`"
    )
}

fn insert_sessions_sql() -> String {
    let row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    format!(
        "INSERT INTO `sessions` (`clinic_id`, `course_id`, `patient_id`, `phase_index`, `sequence`, `chair_id`, \
         `starts_at`, `ends_at`, `status`, `created_at`, `updated_at`) VALUES {} RETURNING `sessions`.`id`",
        [row; 6].join(", ")
    )
}

fn ts(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// One client: its statements (dropped before the connection they belong to).
struct Booker {
    auth: Stmt,
    idempotency: Stmt,
    patient: Stmt,
    protocol: Stmt,
    versions: Stmt,
    clinic: Stmt,
    chairs: Stmt,
    closures: Stmt,
    live: Stmt,
    patient_live: Stmt,
    insert_course: Stmt,
    insert_sessions: Stmt,
    insert_outbox: Stmt,
    insert_audit: Stmt,
    lock_course: Stmt,
    insert_idempotency: Stmt,
    db: Db,
    writers: Arc<Mutex<()>>,
    ids: Arc<Ids>,
    base: NaiveDateTime,
    client: i64,
    n: i64,
}

impl Booker {
    fn open(
        path: &str,
        writers: Arc<Mutex<()>>,
        ids: Arc<Ids>,
        base: NaiveDateTime,
        client: i64,
        n: i64,
    ) -> Result<Booker, String> {
        let db = Db::open(path)?;
        Ok(Booker {
            auth: db.prepare(AUTH)?,
            idempotency: db.prepare(IDEMPOTENCY)?,
            patient: db.prepare(PATIENT)?,
            protocol: db.prepare(PROTOCOL)?,
            versions: db.prepare(VERSIONS)?,
            clinic: db.prepare(CLINIC)?,
            chairs: db.prepare(CHAIRS)?,
            closures: db.prepare(CLOSURES)?,
            live: db.prepare(&sessions_sql(false))?,
            patient_live: db.prepare(&sessions_sql(true))?,
            insert_course: db.prepare(INSERT_COURSE)?,
            insert_sessions: db.prepare(&insert_sessions_sql())?,
            insert_outbox: db.prepare(INSERT_OUTBOX)?,
            insert_audit: db.prepare(INSERT_AUDIT)?,
            lock_course: db.prepare(LOCK_COURSE)?,
            insert_idempotency: db.prepare(INSERT_IDEMPOTENCY)?,
            db,
            writers,
            ids,
            base,
            client,
            n,
        })
    }

    fn book(&mut self) -> Result<(), String> {
        use Param::{Int, Null, Text};
        let ids = Arc::clone(&self.ids);
        let (ci, _, chair) = ids.place(self.client);
        let (clinic, key) = (ids.clinic0 + ci, ids.key0 + ci);
        let protocol = ids.protocol0 + ci * ids.protocol_step;
        let version = ids.version0 + ci * ids.protocol_step;
        let n = self.n;
        self.n += 1;
        let patient = ids.patient(self.client, n);
        let t0 = self.base + Duration::seconds(ids.offset(self.client, n));
        let (lookback, hi, lo) = (
            ts(t0 - Duration::days(21) - Duration::hours(12)),
            ts(t0 + Duration::days(32)),
            ts(t0 - Duration::days(21)),
        );
        let live = [
            Text("booked"),
            Text("checked_in"),
            Text("completed"),
            Text("not_dosed"),
        ];
        let now = ts(Utc::now().naive_utc());
        let idempotency_key = format!("direct-{}-{n}", self.client);

        self.auth.bind(&[Text(&ids.prefix), Int(1)]);
        self.auth.rows()?;
        let writers = Arc::clone(&self.writers);
        let _turn = writers.lock().map_err(|_| "writer queue poisoned")?;
        self.db.exec("BEGIN IMMEDIATE")?;
        let result = (|| -> Result<(), String> {
            self.idempotency
                .bind(&[Int(clinic), Int(key), Text(&idempotency_key), Int(1)]);
            self.idempotency.rows()?;
            self.patient.bind(&[Int(clinic), Int(patient), Int(1)]);
            self.patient.rows()?;
            self.protocol.bind(&[Int(clinic), Int(protocol), Int(1)]);
            self.protocol.rows()?;
            self.versions.bind(&[Int(clinic), Int(protocol)]);
            self.versions.rows()?;
            for _ in 0..3 {
                self.clinic.bind(&[Int(clinic), Int(1)]);
                self.clinic.rows()?;
            }
            self.chairs.bind(&[Int(clinic)]);
            self.chairs.rows()?;
            self.closures.bind(&[Int(clinic)]);
            self.closures.rows()?;
            let mut params = vec![Int(clinic), Text(&lookback), Text(&hi), Text(&lo)];
            params.extend(live);
            self.live.bind(&params);
            self.live.rows()?;
            params.insert(1, Int(patient));
            self.patient_live.bind(&params);
            self.patient_live.rows()?;
            self.insert_course.bind(&[
                Int(clinic),
                Int(patient),
                Int(version),
                Text("active"),
                Int(0),
                Text(IV_BOOSTER_POLICY),
                Text(&now),
                Text(&now),
            ]);
            let course = self.insert_course.ids()?[0];
            let times: Vec<(String, String)> = (0..6)
                .map(|i| {
                    let start = t0 + Duration::hours(2 * i);
                    (ts(start), ts(start + Duration::minutes(90)))
                })
                .collect();
            let mut rows = Vec::with_capacity(66);
            for (i, (start, end)) in times.iter().enumerate() {
                rows.extend([
                    Int(clinic),
                    Int(course),
                    Int(patient),
                    Int(0),
                    Int(i as i64 + 1),
                    Int(chair),
                    Text(start),
                    Text(end),
                    Text("booked"),
                    Text(&now),
                    Text(&now),
                ]);
            }
            self.insert_sessions.bind(&rows);
            self.insert_sessions.ids()?;
            let event = format!("evt_direct_{}_{n}_c", self.client);
            self.insert_outbox.bind(&[
                Int(clinic),
                Text(&event),
                Text("course.booked"),
                Int(course),
                Text(COURSE_PAYLOAD),
                Text(&now),
            ]);
            self.insert_outbox.rows()?;
            self.insert_audit.bind(&[
                Int(clinic),
                Int(key),
                Text("front_desk"),
                Text("course.book"),
                Text("course"),
                Int(course),
                Null,
                Text(COURSE_PAYLOAD),
                Text("90cbcd32266b61db9546b601"),
                Text(&now),
            ]);
            self.insert_audit.rows()?;
            for i in 1..=6 {
                self.lock_course.bind(&[Int(clinic), Int(course)]);
                self.lock_course.rows()?;
                let event = format!("evt_direct_{}_{n}_{i}", self.client);
                self.insert_outbox.bind(&[
                    Int(clinic),
                    Text(&event),
                    Text("session.booked"),
                    Int(course),
                    Text(SESSION_PAYLOAD),
                    Text(&now),
                ]);
                self.insert_outbox.rows()?;
            }
            self.insert_idempotency.bind(&[
                Int(clinic),
                Int(key),
                Text(&idempotency_key),
                Text("4b6cc5d85e6561e39a0701d9446e68c11e50fa217720acb32688e0dc09c80d5c"),
                Int(201),
                Text(RESPONSE_BODY),
                Text(&now),
            ]);
            self.insert_idempotency.rows()?;
            Ok(())
        })();
        match result {
            Ok(()) => self.db.exec("COMMIT"),
            Err(e) => {
                let _ = self.db.exec("ROLLBACK");
                Err(e)
            }
        }
    }
}

impl Work for Booker {
    fn step(&mut self, rec: &mut Recorder) -> bool {
        let started = Instant::now();
        let result = self.book();
        rec.outcome(OP, started.elapsed(), result);
        true
    }
}

/// Warm-up and measurement through [`runner::run`], like the HTTP clients.
pub fn run(
    ctx: &Context,
    scratch: &Scratch,
    ids: &Ids,
    base: NaiveDateTime,
    clients: usize,
) -> Result<Baseline, String> {
    let path = scratch.sqlite_path().display().to_string();
    let writers = Arc::new(Mutex::new(()));
    let ids = Arc::new(ids.clone());
    let workers = (0..clients)
        .map(|c| -> Result<Box<dyn Work>, String> {
            Ok(Box::new(Booker::open(
                &path,
                Arc::clone(&writers),
                Arc::clone(&ids),
                base,
                c as i64,
                0,
            )?))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let measured = runner::run(workers, ctx.warmup, ctx.limit, std::process::id());
    let summary = measured
        .ops
        .get(OP)
        .cloned()
        .unwrap_or_default()
        .summarise(measured.elapsed);
    if let Some(sample) = summary.samples.first() {
        eprintln!("  direct loop failures, first: {sample}");
    }
    Ok(Baseline {
        backend: Backend::Sqlite,
        clients,
        how: "C API loop".into(),
        courses_per_second: summary.per_second,
        transactions: summary.ok,
        failed: summary.non_2xx + summary.transport_errors,
        mean_ms: summary.mean_ms,
        p50_ms: summary.p50_ms,
        p99_ms: summary.p99_ms,
    })
}
