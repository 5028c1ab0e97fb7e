//! The HTTP booking's statements ([`crate::booking_sql`]) through the
//! SQLite C API, each prepared once per connection, one connection per
//! client, writers queued on a process mutex and `BEGIN IMMEDIATE` (after
//! `crates/store/benches/booking/plain_sqlite.rs`, with the reads, the six
//! `session.booked` events and the idempotency record the HTTP booking
//! adds). Each booking commits alone here: the store's writers queued
//! behind one share its commit, so with several clients the server may
//! book faster than this loop.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{Duration, NaiveDateTime, Utc};

use super::values::*;
use super::{Alone, Ids};
use crate::booking_sql::{sqlite, Statements, EVENTS_PER_BOOKING, SESSIONS_PER_COURSE};
use crate::context::Context;
use crate::database::Backend;
use crate::report::{Baseline, Transaction};
use crate::runner::{self, Recorder, Work};
use crate::sqlite::{Db, Param, Stmt};
use crate::world::IV_BOOSTER_POLICY;

const OP: &str = "booking transaction";

/// The statements of [`Statements`], prepared on one connection.
struct Prepared {
    patient: Stmt,
    turn: Stmt,
    course: Stmt,
    sessions: Stmt,
    outbox: Stmt,
    audit: Stmt,
    remember: Stmt,
}

impl Prepared {
    fn on(db: &Db) -> Result<Prepared, String> {
        let sql = Statements::new();
        let prepare = |template: &str| db.prepare(&sqlite(template));
        Ok(Prepared {
            patient: prepare(&sql.patient)?,
            turn: prepare(&sql.turn_sqlite)?,
            course: prepare(&sql.course)?,
            sessions: prepare(&sql.sessions)?,
            outbox: prepare(&sql.outbox)?,
            audit: prepare(&sql.audit)?,
            remember: prepare(&sql.remember)?,
        })
    }
}

/// What one booking binds: a client's `n`-th, with [`Ids`]' arithmetic.
struct Booking {
    clinic: i64,
    key: i64,
    version: i64,
    patient: i64,
    chair: i64,
    /// The first session's start.
    t0: NaiveDateTime,
    now: String,
    idempotency_key: String,
    /// Outbox event ids start with this.
    event: String,
}

impl Booking {
    fn new(ids: &Ids, base: NaiveDateTime, client: i64, n: i64) -> Booking {
        let (ci, _, chair) = ids.place(client);
        let t0 = base + Duration::seconds(ids.offset(client, n));
        Booking {
            clinic: ids.clinic0 + ci,
            key: ids.key0 + ci,
            version: ids.version0 + ci * ids.protocol_step,
            patient: ids.patient(client, n),
            chair,
            t0,
            now: ts(Utc::now().naive_utc()),
            idempotency_key: format!("direct-{client}-{n}"),
            event: format!("evt_direct_{client}_{n}"),
        }
    }

    /// `t0` moved by `seconds`, as SQLite stores instants.
    fn at(&self, seconds: i64) -> String {
        ts(self.t0 + Duration::seconds(seconds))
    }
}

fn ts(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// One client: its statements (dropped before the connection they belong to).
struct Booker {
    sql: Prepared,
    db: Db,
    writers: Arc<Mutex<()>>,
    ids: Arc<Ids>,
    base: NaiveDateTime,
    client: i64,
    n: i64,
}

impl Booker {
    fn book(&mut self) -> Result<(), String> {
        let b = Booking::new(&self.ids, self.base, self.client, self.n);
        self.n += 1;
        let writers = Arc::clone(&self.writers);
        let _turn = writers.lock().map_err(|_| "writer queue poisoned")?;
        self.db.exec("BEGIN IMMEDIATE")?;
        let result = self.read_for_planning(&b).and_then(|()| self.write(&b));
        match result {
            Ok(()) => self.db.exec("COMMIT"),
            Err(e) => {
                let _ = self.db.exec("ROLLBACK");
                Err(e)
            }
        }
    }

    /// The clinic's turn and what the planner reads.
    fn read_for_planning(&self, b: &Booking) -> Result<(), String> {
        use Param::Int;
        let sql = &self.sql;
        let clinic = Int(b.clinic);
        sql.turn.bind(&[clinic, Int(1), Int(1)]);
        sql.turn.rows()?;
        sql.patient.bind(&[clinic, Int(b.patient)]);
        sql.patient.rows()?;
        Ok(())
    }

    /// The course, its sessions, its events and audit row, and the
    /// remembered response.
    fn write(&self, b: &Booking) -> Result<(), String> {
        use Param::{Int, Null, Text};
        let sql = &self.sql;
        let (clinic, now) = (Int(b.clinic), Text(&b.now));
        sql.course.bind(&[
            clinic,
            Int(b.patient),
            Int(b.version),
            Text(COURSE_STATUS),
            Int(0),
            Text(IV_BOOSTER_POLICY),
            now,
            now,
        ]);
        let course = Int(sql.course.ids()?[0]);
        self.insert_sessions(b, course)?;
        self.insert_events(b, course)?;
        sql.audit.bind(&[
            clinic,
            Int(b.key),
            Text(AUDIT_ROLE),
            Text(AUDIT_ACTION),
            Text(AUDIT_ENTITY),
            course,
            Null,
            Text(COURSE_PAYLOAD),
            Text(REQUEST_ID),
            now,
        ]);
        sql.audit.rows()?;
        sql.remember.bind(&[
            clinic,
            Int(b.key),
            Text(&b.idempotency_key),
            Text(FINGERPRINT),
            Int(RESPONSE_STATUS),
            Text(RESPONSE_BODY),
            now,
        ]);
        sql.remember.rows()?;
        Ok(())
    }

    fn insert_sessions(&self, b: &Booking, course: Param<'_>) -> Result<(), String> {
        use Param::{Int, Text};
        let times: Vec<(String, String)> = (0..SESSIONS_PER_COURSE as i64)
            .map(|i| {
                (
                    b.at(i * SLOT_SECONDS),
                    b.at(i * SLOT_SECONDS + SESSION_SECONDS),
                )
            })
            .collect();
        let mut rows = Vec::with_capacity(11 * SESSIONS_PER_COURSE);
        for (i, (start, end)) in times.iter().enumerate() {
            rows.extend([
                Int(b.clinic),
                course,
                Int(b.patient),
                Int(0),
                Int(i as i64 + 1),
                Int(b.chair),
                Text(start),
                Text(end),
                Text(SESSION_STATUS),
                Text(&b.now),
                Text(&b.now),
            ]);
        }
        self.sql.sessions.bind(&rows);
        self.sql.sessions.ids().map(drop)
    }

    /// The outbox rows, in one statement: the course's event, then one per
    /// session.
    fn insert_events(&self, b: &Booking, course: Param<'_>) -> Result<(), String> {
        use Param::{Int, Text};
        let ids: Vec<String> = (1..=EVENTS_PER_BOOKING)
            .map(|k| format!("{}_{k}", b.event))
            .collect();
        let mut rows = Vec::with_capacity(6 * EVENTS_PER_BOOKING);
        for (k, id) in ids.iter().enumerate() {
            let (kind, payload) = if k == 0 {
                (COURSE_BOOKED, COURSE_PAYLOAD)
            } else {
                (SESSION_BOOKED, SESSION_PAYLOAD)
            };
            rows.extend([
                Int(b.clinic),
                Text(id),
                Text(kind),
                course,
                Text(payload),
                Text(&b.now),
            ]);
        }
        self.sql.outbox.bind(&rows);
        self.sql.outbox.rows().map(drop)
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
pub fn run(ctx: &Context, alone: &Alone) -> Result<Baseline, String> {
    let path = alone.scratch.sqlite_path().display().to_string();
    let writers = Arc::new(Mutex::new(()));
    let ids = Arc::new(alone.ids.clone());
    let workers = (0..alone.clients)
        .map(|c| -> Result<Box<dyn Work>, String> {
            let db = Db::open(&path)?;
            Ok(Box::new(Booker {
                sql: Prepared::on(&db)?,
                db,
                writers: Arc::clone(&writers),
                ids: Arc::clone(&ids),
                base: alone.base,
                client: c as i64,
                n: 0,
            }))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let summary = runner::run(workers, ctx.warmup, ctx.limit, std::process::id()).summary(OP);
    if let Some(sample) = summary.samples.first() {
        eprintln!("  direct loop failures, first: {sample}");
    }
    Ok(Baseline {
        backend: Backend::Sqlite,
        transaction: Transaction::Own,
        clients: alone.clients,
        round: 1,
        how: "C API loop".into(),
        courses_per_second: summary.per_second,
        transactions: summary.ok,
        failed: summary.non_2xx + summary.transport_errors,
        mean_ms: summary.mean_ms,
        p50_ms: summary.p50_ms,
        p99_ms: summary.p99_ms,
    })
}
