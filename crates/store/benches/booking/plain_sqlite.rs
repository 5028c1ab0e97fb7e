//! The baseline: the store's booking transaction as plain SQL
//! (`transaction.sql`, which pgbench runs too) through the SQLite C API,
//! with statements prepared once and reused, on connections configured
//! like the store's, in `BEGIN IMMEDIATE` transactions as the store's.

use std::ffi::CStr;
use std::time::Duration;

use crate::fixture::{booked_payload, plan, Fixture};
use crate::sqlite_api::{Db, Stmt};
use crate::writers;

/// The statements, in order: course, sessions, outbox event, audit row.
const TRANSACTION: &str = include_str!("transaction.sql");

/// Each session's times, by its place in the course (`:starts_1`, …).
const STARTS: [&CStr; 6] = [
    c":starts_1",
    c":starts_2",
    c":starts_3",
    c":starts_4",
    c":starts_5",
    c":starts_6",
];
const ENDS: [&CStr; 6] = [
    c":ends_1", c":ends_2", c":ends_3", c":ends_4", c":ends_5", c":ends_6",
];

/// One writer's prepared statements (dropped before its connection).
struct Writer {
    course: Stmt,
    sessions: Stmt,
    outbox: Stmt,
    audit: Stmt,
    db: Db,
}

impl Writer {
    fn open(path: &str) -> Writer {
        let db = Db::open(path);
        let sql: Vec<&str> = TRANSACTION
            .lines()
            .filter(|line| !line.starts_with("--"))
            .collect();
        let sql = sql.join("\n");
        let statements: Vec<&str> = sql
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let [course, sessions, outbox, audit] = statements[..] else {
            panic!(
                "transaction.sql holds four statements, not {}",
                statements.len()
            );
        };
        Writer {
            course: db.prepare(course),
            sessions: db.prepare(sessions),
            outbox: db.prepare(outbox),
            audit: db.prepare(audit),
            db,
        }
    }

    /// Course number `k`, for `patient_id`, in one transaction.
    fn book(&self, fx: &Fixture, k: i64, patient_id: i64) {
        let now = ts(chrono::Utc::now());
        self.db.exec("BEGIN IMMEDIATE");
        let course = &self.course;
        course.int(c":clinic_id", fx.clinic_id);
        course.int(c":patient_id", patient_id);
        course.int(c":protocol_version_id", fx.protocol_version_id);
        course.text(c":modality", fx.modality.as_str());
        course.text(c":now", &now);
        let course_id = course.run(&self.db)[0];
        let planned = plan(fx, k);
        let sessions = &self.sessions;
        sessions.int(c":clinic_id", fx.clinic_id);
        sessions.int(c":course_id", course_id);
        sessions.int(c":patient_id", patient_id);
        sessions.int(c":chair_id", fx.chair_id);
        sessions.text(c":now", &now);
        for (i, s) in planned.iter().enumerate() {
            sessions.text(STARTS[i], &ts(s.placement.start));
            sessions.text(ENDS[i], &ts(s.placement.end));
        }
        let ids = sessions.run(&self.db);
        let payload = booked_payload(fx, course_id, patient_id, &ids, &planned).to_string();
        let outbox = &self.outbox;
        outbox.int(c":clinic_id", fx.clinic_id);
        outbox.text(c":event_id", &format!("evt_{k:032x}"));
        outbox.int(c":course_id", course_id);
        outbox.text(c":payload", &payload);
        outbox.text(c":now", &now);
        outbox.run(&self.db);
        let audit = &self.audit;
        audit.int(c":clinic_id", fx.clinic_id);
        audit.int(c":course_id", course_id);
        audit.text(c":payload", &payload);
        audit.text(c":now", &now);
        audit.run(&self.db);
        self.db.exec("COMMIT");
    }
}

fn ts(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Courses per second with `threads` writers, each on its own connection.
pub fn rate(path: &str, fx: &Fixture, threads: usize, run_for: Duration) -> f64 {
    writers::courses_per_second(fx, threads, run_for, || {
        let writer = Writer::open(path);
        move |k, patient_id| writer.book(fx, k, patient_id)
    })
}
