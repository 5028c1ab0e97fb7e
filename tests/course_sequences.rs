//! The course model's invariants through HTTP: seeded sequences of the
//! actions a front desk and a clinician take on one course, with the clock
//! moving, on each backend; the database is read after every step. (The
//! engine's own model-based test runs thousands of sequences in memory; this
//! checks that the service writes what the engine decided.)

use std::collections::HashMap;

use chairside_store::models::{Session, SessionStatus};
use chairside_store::repo;
use chrono::{Duration, Utc};
use serde_json::{json, Value};

use crate::support::*;

/// Small and deterministic: the same seed, the same sequence.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

const STEPS: usize = 40;

/// The course's rows, as the database holds them.
fn rows(app: &App, clinic: &Clinic, course: i64) -> Vec<Session> {
    app.store()
        .read(|conn| repo::sessions::for_course(conn, clinic.id, course))
        .expect("the course's sessions")
}

fn run_sequence(app: &App, seed: u64) {
    app.set_now(Utc::now());
    let clinic = app.clinic();
    let clinician = app.create_key("clinician", Some(clinic.id));
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-1"));
    let course_id = course["id"].as_i64().unwrap();
    let mut rng = Lcg(seed);
    let mut before = rows(app, &clinic, course_id);
    let mut events = outbox_len(app, &clinic);
    let mut accepted = Vec::new();
    for step in 0..STEPS {
        let (what, corrected, reply) = act(app, &clinic, &clinician, course_id, &before, &mut rng);
        let after = rows(app, &clinic, course_id);
        let now_events = outbox_len(app, &clinic);
        let context = format!("seed {seed}, step {step}: {what} -> {reply:?}");
        assert!(reply.status < 500, "{context}");
        check(&before, &after, corrected, &context);
        if reply.status == 200 && before != after {
            assert!(now_events > events, "a change without an event: {context}");
            accepted.push(what.split(" on ").next().unwrap_or_default().to_string());
        }
        if reply.status >= 400 {
            assert_eq!(before, after, "a refusal changed the course: {context}");
        }
        assert_eq!(app.overlapping_live_pairs(), 0, "{context}");
        before = after;
        events = now_events;
    }
    // The sequence did something: a seed that only collects refusals
    // proves nothing.
    accepted.sort();
    accepted.dedup();
    assert!(
        accepted.len() >= 4,
        "seed {seed} changed the course only by {accepted:?}"
    );
}

fn outbox_len(app: &App, clinic: &Clinic) -> usize {
    app.store()
        .read(|conn| repo::outbox::list_after(conn, Some(clinic.id), 0, 1000))
        .expect("the outbox")
        .len()
}

/// One random step: an action on a random session (the clock moved to
/// when it can happen, or not), or a course decision, or time passing.
/// Returns what was done, the session a correction touched, and the reply.
fn act(
    app: &App,
    clinic: &Clinic,
    clinician: &str,
    course: i64,
    sessions: &[Session],
    rng: &mut Lcg,
) -> (String, Option<i64>, Reply) {
    let pick = &sessions[rng.below(sessions.len() as u64) as usize];
    let roll = rng.below(100);
    let (what, corrected, reply) = match roll {
        0..=63 => {
            let (what, reply) = front_desk_step(app, clinic, pick, roll, rng);
            (what, None, reply)
        }
        64..=73 => clinician_step(app, clinic, clinician, pick, roll, rng),
        74..=86 => {
            let (what, reply) = course_decision(app, clinic, clinician, course, roll);
            (what, None, reply)
        }
        _ => {
            app.set_now(app.now() + Duration::days(1 + rng.below(6) as i64));
            let reply = app.get(&clinic.front_desk, &clinic.path("/sessions?limit=1"));
            ("time passes", None, reply)
        }
    };
    (format!("{what} on session {}", pick.id), corrected, reply)
}

/// What the front desk does to a session (`roll` below 64): check-in up to
/// 90 minutes before its start, complete an hour in, no-show within its
/// first hour, not dosed, cancel, or move to the next best time.
fn front_desk_step(
    app: &App,
    clinic: &Clinic,
    pick: &Session,
    roll: u64,
    rng: &mut Lcg,
) -> (&'static str, Reply) {
    let start = pick.starts_at;
    let (action, body) = match roll {
        0..=19 => {
            app.set_now(start - Duration::minutes(rng.below(90) as i64));
            ("check-in", json!({}))
        }
        20..=34 => {
            app.set_now(start + Duration::minutes(60));
            ("complete", json!({}))
        }
        35..=42 => {
            app.set_now(start + Duration::minutes(rng.below(60) as i64));
            ("no-show", json!({}))
        }
        43..=48 => ("not-dosed", json!({"reason": "seeded step"})),
        49..=55 => ("cancel", json!({"scope": "this", "reason": "seeded step"})),
        _ => (
            "reschedule",
            json!({"next_best": {}, "reason": "seeded step"}),
        ),
    };
    let reply = on_session(app, clinic, &clinic.front_desk, pick.id, action, &body);
    (action, reply)
}

/// What a clinician does to a session (`roll` 64 to 73): omit it, or
/// correct its last change (undone or entered in error); a correction
/// names the session it touched.
fn clinician_step(
    app: &App,
    clinic: &Clinic,
    clinician: &str,
    pick: &Session,
    roll: u64,
    rng: &mut Lcg,
) -> (&'static str, Option<i64>, Reply) {
    if roll <= 67 {
        let reason = json!({"reason": "seeded step"});
        let reply = on_session(app, clinic, clinician, pick.id, "omit", &reason);
        return ("omit", None, reply);
    }
    let correction = if rng.below(2) == 0 {
        "undo_last_change"
    } else {
        "entered_in_error"
    };
    let body = json!({"correction": correction, "reason": "seeded step"});
    let reply = on_session(app, clinic, clinician, pick.id, "correct", &body);
    ("correct", Some(pick.id), reply)
}

/// A clinician's decision on the course (`roll` 74 to 86): pause, resume,
/// or accept the extension of a course at risk.
fn course_decision(
    app: &App,
    clinic: &Clinic,
    clinician: &str,
    course: i64,
    roll: u64,
) -> (&'static str, Reply) {
    let (what, action, body) = match roll {
        74..=77 => ("pause", "pause", json!({"reason": "seeded step"})),
        78..=83 => ("resume", "resume", json!({"reason": "seeded step"})),
        _ => (
            "accept extension",
            "at-risk/decision",
            json!({"choice": "accept_extension", "reason": "seeded step"}),
        ),
    };
    let path = clinic.path(&format!("/courses/{course}"));
    let etag = app.get(clinician, &path).etag();
    let reply = app
        .call("POST", &format!("{path}/{action}"))
        .key(clinician)
        .if_match(&etag)
        .json(&body)
        .send();
    (what, reply)
}

/// A session action by `key`, with the session's current ETag.
fn on_session(
    app: &App,
    clinic: &Clinic,
    key: &str,
    session: i64,
    action: &str,
    body: &Value,
) -> Reply {
    let (_, etag) = app.session(clinic, session);
    app.call(
        "POST",
        &clinic.path(&format!("/sessions/{session}/{action}")),
    )
    .key(key)
    .if_match(&etag)
    .json(body)
    .send()
}

/// What must hold from one step to the next.
fn check(before: &[Session], after: &[Session], corrected: Option<i64>, context: &str) {
    let now: HashMap<i64, &Session> = after.iter().map(|s| (s.id, s)).collect();
    for old in before {
        let new = now
            .get(&old.id)
            .unwrap_or_else(|| panic!("session {} disappeared: {context}", old.id));
        if Some(old.id) == corrected {
            continue;
        }
        if old.status == SessionStatus::Completed {
            assert_eq!(
                (new.status, new.starts_at, new.chair_id),
                (old.status, old.starts_at, old.chair_id),
                "a completed session changed: {context}"
            );
        }
        assert!(
            new.status == old.status || old.status.may_become(new.status),
            "{} went {} -> {}: {context}",
            old.id,
            old.status,
            new.status
        );
    }
    // Numbered in time order within each phase.
    let mut phases: HashMap<i32, Vec<&Session>> = HashMap::new();
    for s in after {
        phases.entry(s.phase_index).or_default().push(s);
    }
    for sessions in phases.values_mut() {
        sessions.sort_by_key(|s| (s.starts_at, s.id));
        let numbers: Vec<i32> = sessions.iter().map(|s| s.sequence).collect();
        assert_eq!(
            numbers,
            (1..=sessions.len() as i32).collect::<Vec<_>>(),
            "{context}"
        );
    }
    // No more completed doses in the induction than it holds.
    let completed = after
        .iter()
        .filter(|s| s.phase_index == 0 && s.status == SessionStatus::Completed)
        .count();
    assert!(
        completed <= 6,
        "{completed} completed induction doses: {context}"
    );
}

fn seeded_sequences_keep_the_course_model(app: &App) {
    for seed in [7, 1_234_567] {
        run_sequence(app, seed);
    }
}
on_every_backend!(seeded_sequences_keep_the_course_model);
