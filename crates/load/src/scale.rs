//! Scale: read latency with 10 thousand to 1 million sessions stored.
//!
//! Seeding that many through HTTP would take hours, so the sessions are
//! inserted with SQL, as rows the API itself would write: one patient and
//! one IV course of six sessions per course, on the clinics' chairs (made
//! through the API, so protocols and chairs are the real ones).
//!
//! Layout, per clinic: each chair has five 90-minute slots a day (12:00,
//! 14:00, … 20:00 UTC; 07:00–17:30 in New York, inside the clinics' daily
//! 07:00–19:00 hours); a (chair, slot) pair is a *lane*. Courses fill lanes
//! in twelve-day blocks: two courses per block and lane, one on even days
//! and one on odd days, each a session every second day. So every
//! (chair, slot, day) holds at most one session and no patient has two on
//! one day: the overlap guards never fire. Blocks are placed alternately
//! after and before the measured day, so the stored history grows in both
//! directions while the measured day is full (every lane taken) at every
//! size. Sessions before now are `completed`, later ones `booked`.

use chrono::{Duration, NaiveDate, Utc};

use crate::database::{Backend, Scratch};
use crate::world::{Clinic, NO_PREFERENCES, PATIENT_ID_BASE};

/// Sessions per course.
pub const SESSIONS_PER_COURSE: i64 = 6;
/// Start slots per chair and day.
pub const SLOTS: i64 = 5;
/// Explicit ids of seeded courses and sessions start here (see
/// [`PATIENT_ID_BASE`]).
pub const COURSE_ID_BASE: i64 = 1_000_000_000;
/// See [`COURSE_ID_BASE`].
pub const SESSION_ID_BASE: i64 = 1_000_000_000;
/// Courses per SQL transaction.
const BATCH: i64 = 25_000;

/// The shape of the seeded calendar.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The clinics (with their chairs).
    pub clinics: Vec<Clinic>,
    /// Each clinic's IV protocol version id.
    pub protocol_versions: Vec<i64>,
    /// The IV preset's default booster policy, as the API stores it.
    pub booster_policy: String,
    /// The day whose reads are measured.
    pub measured_day: NaiveDate,
}

impl Layout {
    /// Day 0 of the first block: the measured day is its fifth day, on
    /// which every lane holds the third session of a block's even course.
    pub fn day0(&self) -> NaiveDate {
        self.measured_day - Duration::days(4)
    }

    fn chairs(&self) -> i64 {
        self.clinics[0].chairs.len() as i64
    }

    fn temp_tables(&self) -> String {
        let clinics: Vec<String> = self
            .clinics
            .iter()
            .zip(&self.protocol_versions)
            .map(|(c, pv)| format!("({}, {}, {pv})", c.index, c.id))
            .collect();
        let chairs: Vec<String> = self
            .clinics
            .iter()
            .flat_map(|c| {
                c.chairs
                    .iter()
                    .enumerate()
                    .map(move |(i, chair)| format!("({}, {i}, {chair})", c.index))
            })
            .collect();
        format!(
            "CREATE TEMP TABLE load_clinics (idx BIGINT PRIMARY KEY, clinic_id BIGINT NOT NULL, pv_id BIGINT NOT NULL);\n\
             INSERT INTO load_clinics (idx, clinic_id, pv_id) VALUES {};\n\
             CREATE TEMP TABLE load_chairs (idx BIGINT NOT NULL, chair_idx BIGINT NOT NULL, chair_id BIGINT NOT NULL, PRIMARY KEY (idx, chair_idx));\n\
             INSERT INTO load_chairs (idx, chair_idx, chair_id) VALUES {};\n",
            clinics.join(", "),
            chairs.join(", ")
        )
    }

    /// The SQL inserting courses `from..to` (global course numbers) with
    /// their patients and sessions, in one transaction.
    pub fn batch_sql(&self, backend: Backend, from: i64, to: i64) -> String {
        let c = self.clinics.len() as i64;
        let k = self.chairs();
        let lanes = k * SLOTS;
        let day0 = self.day0();
        let policy = self.booster_policy.replace('\'', "''");
        let tables = self.temp_tables();
        let last = to - 1;
        // Block offset of course g: b = ((g / C) / lanes) / 2, placed at
        // 0, -1, +1, -2, … blocks from day 0 (b even: b/2, odd: -(b+1)/2).
        match backend {
            Backend::Postgres => format!(
                "BEGIN;\n{tables}\
                 CREATE TEMP TABLE load_now AS SELECT (now() AT TIME ZONE 'UTC')::timestamp(0) AS at;\n\
                 INSERT INTO patients (id, clinic_id, external_ref, display_name, preferences, intake_assessed_on, \
                     consent_on_file, escort_confirmed, created_at, updated_at) OVERRIDING SYSTEM VALUE \
                 SELECT {PATIENT_ID_BASE} + g, c.clinic_id, 'SEED-' || g, 'Seed patient ' || g, '{NO_PREFERENCES}', \
                     DATE '{day0}' - 400, TRUE, TRUE, n.at, n.at \
                 FROM generate_series({from}::bigint, {last}::bigint) g JOIN load_clinics c ON c.idx = g % {c} CROSS JOIN load_now n;\n\
                 INSERT INTO courses (id, clinic_id, patient_id, protocol_version_id, status, current_phase, \
                     booster_policy, created_at, updated_at) OVERRIDING SYSTEM VALUE \
                 SELECT {COURSE_ID_BASE} + g, c.clinic_id, {PATIENT_ID_BASE} + g, c.pv_id, 'active', 0, '{policy}', n.at, n.at \
                 FROM generate_series({from}::bigint, {last}::bigint) g JOIN load_clinics c ON c.idx = g % {c} CROSS JOIN load_now n;\n\
                 INSERT INTO sessions (id, clinic_id, course_id, patient_id, phase_index, sequence, chair_id, \
                     starts_at, ends_at, status, created_at, updated_at) OVERRIDING SYSTEM VALUE \
                 SELECT {SESSION_ID_BASE} + g * {SESSIONS_PER_COURSE} + s, c.clinic_id, {COURSE_ID_BASE} + g, {PATIENT_ID_BASE} + g, \
                     0, s, ch.chair_id, t.at, t.at + INTERVAL '90 minutes', \
                     CASE WHEN t.at < n.at THEN 'completed' ELSE 'booked' END, n.at, n.at \
                 FROM generate_series({from}::bigint, {last}::bigint) g \
                 CROSS JOIN generate_series(0, {s_last}) s \
                 CROSS JOIN load_now n \
                 JOIN load_clinics c ON c.idx = g % {c} \
                 CROSS JOIN LATERAL (SELECT (g / {c}) % {lanes} AS lane, (g / {c}) / {lanes} AS r) l \
                 CROSS JOIN LATERAL (SELECT CASE WHEN (l.r / 2) % 2 = 0 THEN (l.r / 2) / 2 ELSE -((l.r / 2 + 1) / 2) END * 12 \
                     + l.r % 2 + 2 * s AS day) d \
                 JOIN load_chairs ch ON ch.idx = c.idx AND ch.chair_idx = l.lane % {k} \
                 CROSS JOIN LATERAL (SELECT TIMESTAMP '{day0} 12:00:00' + d.day * INTERVAL '1 day' \
                     + (l.lane / {k}) * INTERVAL '2 hours' AS at) t;\n\
                 COMMIT;\n",
                s_last = SESSIONS_PER_COURSE - 1
            ),
            Backend::Sqlite => format!(
                "BEGIN IMMEDIATE;\n{tables}\
                 CREATE TEMP TABLE load_now AS SELECT datetime('now') AS at;\n\
                 WITH RECURSIVE g(g) AS (SELECT {from} UNION ALL SELECT g + 1 FROM g WHERE g < {last}) \
                 INSERT INTO patients (id, clinic_id, external_ref, display_name, preferences, intake_assessed_on, \
                     consent_on_file, escort_confirmed, created_at, updated_at) \
                 SELECT {PATIENT_ID_BASE} + g, c.clinic_id, 'SEED-' || g, 'Seed patient ' || g, '{NO_PREFERENCES}', \
                     date('{day0}', '-400 days'), 1, 1, n.at, n.at \
                 FROM g JOIN load_clinics c ON c.idx = g % {c} CROSS JOIN load_now n;\n\
                 WITH RECURSIVE g(g) AS (SELECT {from} UNION ALL SELECT g + 1 FROM g WHERE g < {last}) \
                 INSERT INTO courses (id, clinic_id, patient_id, protocol_version_id, status, current_phase, \
                     booster_policy, created_at, updated_at) \
                 SELECT {COURSE_ID_BASE} + g, c.clinic_id, {PATIENT_ID_BASE} + g, c.pv_id, 'active', 0, '{policy}', n.at, n.at \
                 FROM g JOIN load_clinics c ON c.idx = g % {c} CROSS JOIN load_now n;\n\
                 WITH RECURSIVE g(g) AS (SELECT {from} UNION ALL SELECT g + 1 FROM g WHERE g < {last}), \
                   s(s) AS (VALUES (0), (1), (2), (3), (4), (5)), \
                   l AS (SELECT g, s, g % {c} AS idx, (g / {c}) % {lanes} AS lane, (g / {c}) / {lanes} AS r FROM g CROSS JOIN s), \
                   d AS (SELECT g, s, idx, lane, CASE WHEN (r / 2) % 2 = 0 THEN (r / 2) / 2 ELSE -((r / 2 + 1) / 2) END * 12 \
                     + r % 2 + 2 * s AS day FROM l), \
                   t AS (SELECT g, s, idx, lane, datetime('{day0} 12:00:00', printf('%+d days', day), \
                     printf('%+d hours', (lane / {k}) * 2)) AS at FROM d) \
                 INSERT INTO sessions (id, clinic_id, course_id, patient_id, phase_index, sequence, chair_id, \
                     starts_at, ends_at, status, created_at, updated_at) \
                 SELECT {SESSION_ID_BASE} + t.g * {SESSIONS_PER_COURSE} + t.s, c.clinic_id, {COURSE_ID_BASE} + t.g, \
                     {PATIENT_ID_BASE} + t.g, 0, t.s, ch.chair_id, t.at, datetime(t.at, '+90 minutes'), \
                     CASE WHEN t.at < n.at THEN 'completed' ELSE 'booked' END, n.at, n.at \
                 FROM t JOIN load_clinics c ON c.idx = t.idx \
                 JOIN load_chairs ch ON ch.idx = t.idx AND ch.chair_idx = t.lane % {k} \
                 CROSS JOIN load_now n;\n\
                 COMMIT;\n"
            ),
        }
    }

    /// Inserts courses until `sessions` sessions are stored (rounded up to
    /// whole courses), starting after `courses_so_far`; returns the new
    /// course count.
    pub fn seed_to(
        &self,
        scratch: &Scratch,
        courses_so_far: i64,
        sessions: u64,
        progress: impl Fn(i64, i64),
    ) -> Result<i64, String> {
        let target = (sessions as i64 + SESSIONS_PER_COURSE - 1) / SESSIONS_PER_COURSE;
        let mut from = courses_so_far;
        while from < target {
            let to = (from + BATCH).min(target);
            scratch.exec(&self.batch_sql(scratch.backend, from, to))?;
            from = to;
            progress(from, target);
        }
        Ok(from.max(courses_so_far))
    }
}

/// What a PostgreSQL deployment would soon have after a bulk insert
/// (autovacuum analyses a table after 10 % of it changed): planner
/// statistics. SQLite gets none: the store never runs ANALYZE, so neither
/// does a real SQLite deployment.
pub fn after_seeding(scratch: &Scratch) -> Result<(), String> {
    match scratch.backend {
        Backend::Postgres => scratch.exec("ANALYZE;"),
        Backend::Sqlite => scratch.exec("PRAGMA wal_checkpoint(TRUNCATE);"),
    }
}

/// The measured day: two weeks ahead, so it is booked (not completed) and
/// the automatic no-show worker leaves it alone.
pub fn measured_day() -> NaiveDate {
    Utc::now().date_naive() + Duration::days(14)
}
