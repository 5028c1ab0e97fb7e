//! The scale mode's calendar, seeded with SQL.
//!
//! Seeding 10 thousand to 1 million sessions through HTTP would take hours, so the sessions are
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

use crate::booking_sql::{COURSE_COLUMNS, PATIENT_COLUMNS, SESSIONS_PER_COURSE, SESSION_COLUMNS};
use crate::database::{Backend, Scratch};
use crate::world::{Clinic, NO_PREFERENCES, PATIENT_ID_BASE};

/// Sessions per seeded course: a booked course's.
pub const PER_COURSE: i64 = SESSIONS_PER_COURSE as i64;
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
        let d = Dialect::of(backend, from, to - 1, self.day0());
        let (c, policy) = (self.clinics.len(), self.booster_policy.replace('\'', "''"));
        let join = format!("JOIN load_clinics c ON c.idx = g % {c} CROSS JOIN load_now n;\n");
        let patients = format!(
            "{with}INSERT INTO patients ({}) {overriding}\
             SELECT {PATIENT_ID_BASE} + g, c.clinic_id, 'SEED-' || g, 'Seed patient ' || g, '{NO_PREFERENCES}', \
                 {intake}, {yes}, {yes}, n.at, n.at \
             FROM {rows} {join}",
            PATIENT_COLUMNS.join(", "),
            with = d.with_rows,
            overriding = d.overriding,
            intake = d.intake,
            yes = d.yes,
            rows = d.rows,
        );
        let courses = format!(
            "{with}INSERT INTO courses (id, {}) {overriding}\
             SELECT {COURSE_ID_BASE} + g, c.clinic_id, {PATIENT_ID_BASE} + g, c.pv_id, 'active', 0, '{policy}', n.at, n.at \
             FROM {rows} {join}",
            COURSE_COLUMNS.join(", "),
            with = d.with_rows,
            overriding = d.overriding,
            rows = d.rows,
        );
        let sessions = match backend {
            Backend::Postgres => self.sessions_postgres(&d),
            Backend::Sqlite => self.sessions_sqlite(&d),
        };
        format!(
            "{}\n{}CREATE TEMP TABLE load_now AS SELECT {} AS at;\n{patients}{courses}{sessions}COMMIT;\n",
            d.begin,
            self.temp_tables(),
            d.now
        )
    }

    /// Course `g`'s sessions on PostgreSQL: its lane and block, then its
    /// day and time, with lateral joins. The block offset of course `g` is
    /// b = ((g / C) / lanes) / 2, placed at 0, -1, +1, -2, … blocks from
    /// day 0 (b even: b/2, odd: -(b+1)/2).
    fn sessions_postgres(&self, d: &Dialect) -> String {
        let (c, k) = (self.clinics.len() as i64, self.chairs());
        let (lanes, day0) = (k * SLOTS, self.day0());
        format!(
            "INSERT INTO sessions (id, {}) OVERRIDING SYSTEM VALUE \
             SELECT {SESSION_ID_BASE} + g * {PER_COURSE} + s, c.clinic_id, {COURSE_ID_BASE} + g, {PATIENT_ID_BASE} + g, \
                 0, s, ch.chair_id, t.at, t.at + INTERVAL '90 minutes', \
                 CASE WHEN t.at < n.at THEN 'completed' ELSE 'booked' END, n.at, n.at \
             FROM {rows} \
             CROSS JOIN generate_series(0, {s_last}) s \
             CROSS JOIN load_now n \
             JOIN load_clinics c ON c.idx = g % {c} \
             CROSS JOIN LATERAL (SELECT (g / {c}) % {lanes} AS lane, (g / {c}) / {lanes} AS r) l \
             CROSS JOIN LATERAL (SELECT CASE WHEN (l.r / 2) % 2 = 0 THEN (l.r / 2) / 2 ELSE -((l.r / 2 + 1) / 2) END * 12 \
                 + l.r % 2 + 2 * s AS day) d \
             JOIN load_chairs ch ON ch.idx = c.idx AND ch.chair_idx = l.lane % {k} \
             CROSS JOIN LATERAL (SELECT TIMESTAMP '{day0} 12:00:00' + d.day * INTERVAL '1 day' \
                 + (l.lane / {k}) * INTERVAL '2 hours' AS at) t;\n",
            SESSION_COLUMNS.join(", "),
            rows = d.rows,
            s_last = PER_COURSE - 1
        )
    }

    /// The same sessions on SQLite, which has no lateral joins: a chain of
    /// common table expressions instead.
    fn sessions_sqlite(&self, d: &Dialect) -> String {
        let (c, k) = (self.clinics.len() as i64, self.chairs());
        let (lanes, day0) = (k * SLOTS, self.day0());
        let sequences: Vec<String> = (0..PER_COURSE).map(|s| format!("({s})")).collect();
        format!(
            "WITH RECURSIVE {series}, \
               s(s) AS (VALUES {}), \
               l AS (SELECT g, s, g % {c} AS idx, (g / {c}) % {lanes} AS lane, (g / {c}) / {lanes} AS r FROM g CROSS JOIN s), \
               d AS (SELECT g, s, idx, lane, CASE WHEN (r / 2) % 2 = 0 THEN (r / 2) / 2 ELSE -((r / 2 + 1) / 2) END * 12 \
                 + r % 2 + 2 * s AS day FROM l), \
               t AS (SELECT g, s, idx, lane, datetime('{day0} 12:00:00', printf('%+d days', day), \
                 printf('%+d hours', (lane / {k}) * 2)) AS at FROM d) \
             INSERT INTO sessions (id, {}) \
             SELECT {SESSION_ID_BASE} + t.g * {PER_COURSE} + t.s, c.clinic_id, {COURSE_ID_BASE} + t.g, \
                 {PATIENT_ID_BASE} + t.g, 0, t.s, ch.chair_id, t.at, datetime(t.at, '+90 minutes'), \
                 CASE WHEN t.at < n.at THEN 'completed' ELSE 'booked' END, n.at, n.at \
             FROM t JOIN load_clinics c ON c.idx = t.idx \
             JOIN load_chairs ch ON ch.idx = t.idx AND ch.chair_idx = t.lane % {k} \
             CROSS JOIN load_now n;\n",
            sequences.join(", "),
            SESSION_COLUMNS.join(", "),
            series = d.series,
        )
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
        let target = (sessions as i64 + PER_COURSE - 1) / PER_COURSE;
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

/// How each backend spells what differs in the seeding SQL.
struct Dialect {
    begin: &'static str,
    now: &'static str,
    /// SQLite's rows `g` (`g(g) AS (…)`, a recursive CTE), else empty.
    series: String,
    /// What goes before `INSERT` (the CTE on SQLite).
    with_rows: String,
    /// PostgreSQL refuses explicit ids in identity columns without it.
    overriding: &'static str,
    /// Where course numbers `g` come from.
    rows: String,
    /// A seeded patient's intake: 400 days before day 0.
    intake: String,
    yes: &'static str,
}

impl Dialect {
    /// For course numbers `from..=last`.
    fn of(backend: Backend, from: i64, last: i64, day0: NaiveDate) -> Dialect {
        match backend {
            Backend::Postgres => Dialect {
                begin: "BEGIN;",
                now: "(now() AT TIME ZONE 'UTC')::timestamp(0)",
                series: String::new(),
                with_rows: String::new(),
                overriding: "OVERRIDING SYSTEM VALUE ",
                rows: format!("generate_series({from}::bigint, {last}::bigint) g"),
                intake: format!("DATE '{day0}' - 400"),
                yes: "TRUE",
            },
            Backend::Sqlite => {
                let series = format!(
                    "g(g) AS (SELECT {from} UNION ALL SELECT g + 1 FROM g WHERE g < {last})"
                );
                Dialect {
                    begin: "BEGIN IMMEDIATE;",
                    now: "datetime('now')",
                    with_rows: format!("WITH RECURSIVE {series} "),
                    series,
                    overriding: "",
                    rows: "g".into(),
                    intake: format!("date('{day0}', '-400 days')"),
                    yes: "1",
                }
            }
        }
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
