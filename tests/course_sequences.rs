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
    app.db
        .store()
        .read(|conn| repo::sessions::for_course(conn, clinic.id, course))
        .expect("the course's sessions")
}

fn run_sequence(app: &App, seed: u64) {
    app.set_now(Utc::now());
    let clinic = app.clinic();
    let clinician = app.db.create_key("clinician", Some(clinic.id));
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
        assert_eq!(overlapping_live_pairs(&app.db.store()), 0, "{context}");
        before = after;
        events = now_events;
    }
    // The sequence did something: a seed that only collects refusals
    // proves nothing.
    accepted.sort();
    accepted.dedup();
    assert!(accepted.len() >= 4, "seed {seed} changed the course only by {accepted:?}");
}

fn outbox_len(app: &App, clinic: &Clinic) -> usize {
    app.db
        .store()
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
    let start = pick.starts_at;
    let on = |key: &str, action: &str, body: Value| {
        let (_, etag) = app.session(clinic, pick.id);
        app.call("POST", &clinic.path(&format!("/sessions/{}/{action}", pick.id)))
            .key(key)
            .if_match(&etag)
            .json(&body)
            .send()
    };
    let on_course = |action: &str, body: Value| {
        let path = clinic.path(&format!("/courses/{course}"));
        let etag = app.get(clinician, &path).etag();
        app.call("POST", &format!("{path}/{action}"))
            .key(clinician)
            .if_match(&etag)
            .json(&body)
            .send()
    };
    let reason = json!({"reason": "seeded step"});
    let roll = rng.below(100);
    let (what, corrected, reply) = match roll {
        0..=19 => {
            app.set_now(start - Duration::minutes(rng.below(90) as i64));
            ("check-in", None, on(&clinic.front_desk, "check-in", json!({})))
        }
        20..=34 => {
            app.set_now(start + Duration::minutes(60));
            ("complete", None, on(&clinic.front_desk, "complete", json!({})))
        }
        35..=42 => {
            app.set_now(start + Duration::minutes(rng.below(60) as i64));
            ("no-show", None, on(&clinic.front_desk, "no-show", json!({})))
        }
        43..=48 => ("not-dosed", None, on(&clinic.front_desk, "not-dosed", reason.clone())),
        49..=55 => (
            "cancel",
            None,
            on(&clinic.front_desk, "cancel", json!({"scope": "this", "reason": "seeded step"})),
        ),
        56..=63 => (
            "reschedule",
            None,
            on(&clinic.front_desk, "reschedule", json!({"next_best": {}, "reason": "seeded step"})),
        ),
        64..=67 => ("omit", None, on(clinician, "omit", reason.clone())),
        68..=73 => {
            let correction = if rng.below(2) == 0 { "undo_last_change" } else { "entered_in_error" };
            (
                "correct",
                Some(pick.id),
                on(clinician, "correct", json!({"correction": correction, "reason": "seeded step"})),
            )
        }
        74..=77 => ("pause", None, on_course("pause", reason.clone())),
        78..=83 => ("resume", None, on_course("resume", reason.clone())),
        84..=86 => (
            "accept extension",
            None,
            on_course("at-risk/decision", json!({"choice": "accept_extension", "reason": "seeded step"})),
        ),
        _ => {
            app.set_now(app.now() + Duration::days(1 + rng.below(6) as i64));
            ("time passes", None, app.get(&clinic.front_desk, &clinic.path("/sessions?limit=1")))
        }
    };
    (format!("{what} on session {}", pick.id), corrected, reply)
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
        assert_eq!(numbers, (1..=sessions.len() as i32).collect::<Vec<_>>(), "{context}");
    }
    // No more completed doses in the induction than it holds.
    let completed = after
        .iter()
        .filter(|s| s.phase_index == 0 && s.status == SessionStatus::Completed)
        .count();
    assert!(completed <= 6, "{completed} completed induction doses: {context}");
}

fn seeded_sequences_keep_the_course_model(app: &App) {
    for seed in [7, 1_234_567] {
        run_sequence(app, seed);
    }
}
on_every_backend!(seeded_sequences_keep_the_course_model);
