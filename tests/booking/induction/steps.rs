//! The steps of a booked induction's life at the front desk, each checked
//! against the course as it was just before: a move, a cancellation, a
//! missed infusion, and the rest given.

use chrono::NaiveDate;
use serde_json::{json, Value};

use super::super::*;
use crate::support::*;

/// The induction under test, and what every step checks it against: the
/// Monday it was planned from and the chair time of each infusion.
pub(super) struct Induction<'a> {
    pub(super) app: &'a App,
    pub(super) clinic: &'a Clinic,
    pub(super) course: i64,
    pub(super) monday: NaiveDate,
    pub(super) minutes: i64,
}

impl Induction<'_> {
    fn read(&self) -> Value {
        self.app.course(self.clinic, self.course)
    }

    /// Moves the session to 14:00 the same day: the reply and a fresh read
    /// agree (ETag too), the session is still booked, and no other session
    /// of the course moved or was added.
    pub(super) fn move_to_the_afternoon(&self, session: &Value) {
        let (app, clinic) = (self.app, self.clinic);
        let before = self.read();
        let moved = app.act(
            clinic,
            id(session),
            "reschedule",
            Some(&json!({
                "to": {"local_start": format!("{}T14:00:00", local_date(session))},
                "reason": "the patient asked for the afternoon",
            })),
        );
        let moved_etag = moved.etag();
        let moved = moved.expect(200);
        assert_eq!(moved["session"]["id"], id(session));
        assert_eq!(moved["session"]["local"]["start"], "14:00");
        assert_eq!(local_date(&moved["session"]), local_date(session));
        assert_eq!(moved["session"]["status"], "booked");
        assert_eq!(app.session(clinic, id(session)).1, moved_etag);
        let after = self.read();
        assert_eq!(
            after["sessions"].as_array().unwrap().len(),
            6,
            "a move adds no session"
        );
        assert_unchanged_except(&before, &after, &[id(session)]);
    }

    /// Moves the session to the next best day that keeps the rules: a
    /// later day, nothing else moved, the induction still within them.
    pub(super) fn move_to_the_next_best_day(&self, session: &Value) {
        let before = self.read();
        let moved = self
            .app
            .act(
                self.clinic,
                id(session),
                "reschedule",
                Some(&json!({"next_best": {}, "reason": "the driver is away"})),
            )
            .expect(200);
        assert_eq!(moved["session"]["id"], id(session));
        assert!(
            local_date(&moved["session"]) > local_date(session),
            "{moved}"
        );
        let after = self.read();
        assert_unchanged_except(&before, &after, &[id(session)]);
        assert_induction(&with_status(&after, LIVE), self.monday, self.minutes);
    }

    /// Cancels the session: the others keep their times, and the dose it
    /// was to give is still owed — rebooked inside the rules, or the course
    /// at risk, as the reply and the course both say.
    pub(super) fn cancel(&self, session: i64) {
        let before = self.read();
        let cancelled = self
            .app
            .act(
                self.clinic,
                session,
                "cancel",
                Some(&json!({"scope": "this", "reason": "the patient is travelling"})),
            )
            .expect(200);
        assert_eq!(cancelled["session"]["status"], "cancelled");
        let after = self.read();
        if after["at_risk"].is_null() {
            assert_eq!(
                cancelled["booked"].as_array().unwrap().len(),
                1,
                "{cancelled}"
            );
            assert_induction(&with_status(&after, LIVE), self.monday, self.minutes);
        }
        assert_unchanged_except(&before, &after, &[session]);
        assert_eq!(
            cancelled["course_at_risk"].as_bool().unwrap(),
            !after["at_risk"].is_null(),
            "the reply and the course agree on the risk: {cancelled} {after}"
        );
    }

    /// Marks the session a no-show half an hour into it: the rest is
    /// re-planned within the rules, or the course is at risk with a reason.
    /// Returns whether it was re-planned.
    pub(super) fn miss(&self, session: i64) -> bool {
        let (app, clinic) = (self.app, self.clinic);
        app.when(clinic, session, 30);
        let missed = app.act(clinic, session, "no-show", None).expect(200);
        assert_eq!(missed["session"]["status"], "no_show");
        let course = self.read();
        let replanned = !missed["booked"].as_array().unwrap().is_empty();
        if replanned {
            assert!(!missed["course_at_risk"].as_bool().unwrap(), "{missed}");
            let doses: Vec<&Value> = with_status(&course, &["booked", "checked_in", "completed"]);
            assert_induction(&doses, self.monday, self.minutes);
        } else {
            assert!(
                missed["course_at_risk"].as_bool().unwrap(),
                "neither re-planned nor at risk: {missed}"
            );
            let at_risk = &course["at_risk"];
            assert!(
                at_risk["reason"].as_str().is_some_and(|r| !r.is_empty()),
                "{course}"
            );
        }
        replanned
    }

    /// Everyone still booked comes and is treated: nothing of the induction
    /// is left open; if the missed infusion was re-planned, all six are
    /// done and maintenance has begun (see [`Self::assert_in_maintenance`]).
    /// The completed sessions are what the session list gives for the course.
    pub(super) fn treat_everyone_booked(&self, replanned: bool) {
        let (app, clinic) = (self.app, self.clinic);
        for session in with_status(&self.read(), &["booked"]) {
            check_in_and_complete(app, clinic, id(session));
        }
        let course = self.read();
        let induction = |statuses: &[&str]| -> Vec<Value> {
            with_status(&course, statuses)
                .into_iter()
                .filter(|s| s["phase"] == 0)
                .cloned()
                .collect()
        };
        assert_eq!(induction(&["booked", "checked_in"]).len(), 0, "{course}");
        if replanned {
            self.assert_in_maintenance(&course, &induction(&["completed"]));
        }
        let completed = app
            .get(
                &clinic.front_desk,
                &clinic.path(&format!(
                    "/sessions?course_id={}&status=completed",
                    self.course
                )),
            )
            .expect(200);
        assert_eq!(
            completed["items"].as_array().unwrap().len(),
            with_status(&course, &["completed"]).len()
        );
    }

    /// Six infusions done: maintenance begins with a booster 2 to 6 weeks
    /// after the last one (the preset's floor and ceiling), inside the
    /// opening hours.
    #[track_caller]
    fn assert_in_maintenance(&self, course: &Value, done: &[Value]) {
        assert_eq!(done.len(), 6, "{course}");
        assert_eq!(course["current_phase"], 1, "{course}");
        let last_infusion = local_date(&done[5]);
        for booster in with_status(course, &["booked"]) {
            assert_eq!(booster["phase"], 1, "{booster}");
            let after = (local_date(booster) - last_infusion).num_days();
            assert!(
                (14..=42).contains(&after),
                "{after} days after the induction: {booster}"
            );
            assert_inside_opening_hours(booster);
        }
    }
}
