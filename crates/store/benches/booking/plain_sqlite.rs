//! The baseline: the store's booking transaction as plain SQL through the
//! SQLite C API, with statements prepared once and reused, on connections
//! configured like the store's (WAL, synchronous=FULL, foreign keys, busy
//! timeout, BEGIN IMMEDIATE).

use std::ffi::{CStr, CString};
use std::ptr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use libsqlite3_sys as ffi;
use serde_json::json;

use crate::{plan, Fixture};

struct Db(*mut ffi::sqlite3);

// One connection per thread; never shared.
unsafe impl Send for Db {}

struct Stmt(*mut ffi::sqlite3_stmt);

impl Db {
    fn open(path: &str) -> Db {
        let path = CString::new(path).unwrap();
        let mut db = ptr::null_mut();
        let flags = ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE;
        let rc = unsafe { ffi::sqlite3_open_v2(path.as_ptr(), &mut db, flags, ptr::null()) };
        assert_eq!(rc, ffi::SQLITE_OK, "open");
        let db = Db(db);
        db.exec(
            "PRAGMA busy_timeout = 30000; PRAGMA journal_mode = WAL; \
             PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
        );
        db
    }

    fn error(&self) -> String {
        unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(self.0)) }
            .to_string_lossy()
            .into_owned()
    }

    fn exec(&self, sql: &str) {
        let sql = CString::new(sql).unwrap();
        let rc = unsafe {
            ffi::sqlite3_exec(self.0, sql.as_ptr(), None, ptr::null_mut(), ptr::null_mut())
        };
        assert_eq!(rc, ffi::SQLITE_OK, "{}", self.error());
    }

    fn prepare(&self, sql: &str) -> Stmt {
        let sql = CString::new(sql).unwrap();
        let mut stmt = ptr::null_mut();
        let rc = unsafe {
            ffi::sqlite3_prepare_v2(self.0, sql.as_ptr(), -1, &mut stmt, ptr::null_mut())
        };
        assert_eq!(rc, ffi::SQLITE_OK, "{}", self.error());
        Stmt(stmt)
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        unsafe { ffi::sqlite3_close(self.0) };
    }
}

impl Stmt {
    fn int(&self, i: i32, v: i64) {
        unsafe { ffi::sqlite3_bind_int64(self.0, i, v) };
    }

    fn text(&self, i: i32, v: &str) {
        // SQLITE_TRANSIENT: SQLite copies the text.
        unsafe {
            ffi::sqlite3_bind_text(
                self.0,
                i,
                v.as_ptr().cast(),
                v.len() as i32,
                ffi::SQLITE_TRANSIENT(),
            )
        };
    }

    fn null(&self, i: i32) {
        unsafe { ffi::sqlite3_bind_null(self.0, i) };
    }

    /// Steps to completion; returns the first column of every row.
    fn run(&self, db: &Db) -> Vec<i64> {
        let mut ids = Vec::new();
        loop {
            match unsafe { ffi::sqlite3_step(self.0) } {
                ffi::SQLITE_ROW => ids.push(unsafe { ffi::sqlite3_column_int64(self.0, 0) }),
                ffi::SQLITE_DONE => break,
                _ => panic!("{}", db.error()),
            }
        }
        unsafe { ffi::sqlite3_reset(self.0) };
        ids
    }
}

impl Drop for Stmt {
    fn drop(&mut self) {
        unsafe { ffi::sqlite3_finalize(self.0) };
    }
}

const INSERT_COURSE: &str = "INSERT INTO courses (clinic_id, patient_id, protocol_version_id, modality, \
    status, current_phase, booster_policy, at_risk_reason, series_started_at, extension_accepted, \
    created_at, updated_at) VALUES (?, ?, ?, ?, 'active', 0, ?, NULL, NULL, 0, ?, ?) \
    RETURNING id, clinic_id, patient_id, protocol_version_id, status, current_phase, booster_policy, \
    at_risk_reason, version, created_at, updated_at, modality, series_started_at, extension_accepted";
const INSERT_OUTBOX: &str = "INSERT INTO outbox (clinic_id, event_id, event_type, aggregate_id, \
    payload, created_at) VALUES (?, ?, 'course.booked', ?, ?, ?) \
    RETURNING id, clinic_id, event_id, event_type, aggregate_id, payload, created_at, published_at";
const INSERT_AUDIT: &str = "INSERT INTO audit_log (clinic_id, key_id, role, action, entity_type, \
    entity_id, before, after, request_id, at) VALUES (?, 1, 'front_desk', 'course.booked', 'course', \
    ?, NULL, ?, 'bench', ?) RETURNING id";

fn insert_sessions_sql() -> String {
    let row = "(?, ?, ?, ?, ?, ?, ?, ?, 'booked', ?, ?)";
    format!(
        "INSERT INTO sessions (clinic_id, course_id, patient_id, phase_index, sequence, chair_id, \
         starts_at, ends_at, status, created_at, updated_at) VALUES {} RETURNING id",
        [row; 6].join(", ")
    )
}

fn ts(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Courses per second with `threads` writers, each on its own connection.
pub fn rate(path: &str, fx: &Fixture, threads: usize, run_for: Duration) -> f64 {
    let next = Arc::new(AtomicI64::new(0));
    let start = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let db = Db::open(path);
            let (fx, next, start) = (fx.clone(), Arc::clone(&next), Arc::clone(&start));
            std::thread::spawn(move || {
                let course_stmt = db.prepare(INSERT_COURSE);
                let sessions_stmt = db.prepare(&insert_sessions_sql());
                let outbox_stmt = db.prepare(INSERT_OUTBOX);
                let audit_stmt = db.prepare(INSERT_AUDIT);
                start.wait();
                let began = Instant::now();
                let mut booked = 0u64;
                while began.elapsed() < run_for {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(patient_id) = fx.patient(k) else {
                        break;
                    };
                    let now = ts(chrono::Utc::now());
                    db.exec("BEGIN IMMEDIATE");
                    course_stmt.int(1, fx.clinic_id);
                    course_stmt.int(2, patient_id);
                    course_stmt.int(3, fx.protocol_version_id);
                    course_stmt.text(4, fx.modality.as_str());
                    course_stmt.null(5);
                    course_stmt.text(6, &now);
                    course_stmt.text(7, &now);
                    let course_id = course_stmt.run(&db)[0];
                    let sessions = plan(&fx, k);
                    for (i, s) in sessions.iter().enumerate() {
                        let b = 10 * i as i32;
                        sessions_stmt.int(b + 1, fx.clinic_id);
                        sessions_stmt.int(b + 2, course_id);
                        sessions_stmt.int(b + 3, patient_id);
                        sessions_stmt.int(b + 4, s.phase as i64);
                        sessions_stmt.int(b + 5, i64::from(s.sequence));
                        sessions_stmt.int(b + 6, s.placement.chair.0);
                        sessions_stmt.text(b + 7, &ts(s.placement.start));
                        sessions_stmt.text(b + 8, &ts(s.placement.end));
                        sessions_stmt.text(b + 9, &now);
                        sessions_stmt.text(b + 10, &now);
                    }
                    let ids = sessions_stmt.run(&db);
                    let payload = json!({
                        "course_id": course_id,
                        "patient_id": patient_id,
                        "protocol_version_id": fx.protocol_version_id,
                        "sessions": ids.iter().zip(&sessions).map(|(id, s)| json!({
                            "id": id, "phase_index": s.phase, "sequence": s.sequence,
                            "chair_id": s.placement.chair.0, "starts_at": s.placement.start,
                            "ends_at": s.placement.end,
                        })).collect::<Vec<_>>(),
                    })
                    .to_string();
                    outbox_stmt.int(1, fx.clinic_id);
                    outbox_stmt.text(2, &format!("evt_{k:032x}"));
                    outbox_stmt.int(3, course_id);
                    outbox_stmt.text(4, &payload);
                    outbox_stmt.text(5, &now);
                    outbox_stmt.run(&db);
                    audit_stmt.int(1, fx.clinic_id);
                    audit_stmt.int(2, course_id);
                    audit_stmt.text(3, &payload);
                    audit_stmt.text(4, &now);
                    audit_stmt.run(&db);
                    db.exec("COMMIT");
                    booked += 1;
                }
                booked as f64 / began.elapsed().as_secs_f64()
            })
        })
        .collect();
    let rate = handles.into_iter().map(|h| h.join().expect("writer")).sum();
    crate::note_if_out_of_patients(fx, &next);
    rate
}
