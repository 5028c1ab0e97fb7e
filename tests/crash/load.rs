//! Front desks booking induction courses as fast as they can, a new patient
//! each, until told to stop: the load a crash lands in.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::*;
use crate::support::http::Call;

/// Front desks booking at one server until told to stop.
pub(super) struct Load<'a> {
    base: String,
    clinic: &'a Clinic,
    protocol: i64,
    stop: AtomicBool,
    pub(super) booked: AtomicUsize,
}

/// Stops the load when dropped, so that a panic on the test's thread does
/// not leave the desks running (and the scope waiting for them).
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl<'a> Load<'a> {
    pub(super) fn new(app: &App, clinic: &'a Clinic) -> Load<'a> {
        Load {
            base: app.server.base.clone(),
            clinic,
            protocol: app.protocol_id(clinic, "iv-ketamine-standard"),
            stop: AtomicBool::new(false),
            booked: AtomicUsize::new(0),
        }
    }

    /// Runs the desks on threads of their own while `during` runs on this
    /// one; then stops them and returns every attempt they made. A desk
    /// gives up at its first transport error when `give_up_when_unreachable`
    /// (the server is gone).
    pub(super) fn run(
        &self,
        give_up_when_unreachable: bool,
        during: impl FnOnce(),
    ) -> Vec<Attempt> {
        std::thread::scope(|scope| {
            let desks: Vec<_> = (0..DESKS)
                .map(|desk| scope.spawn(move || self.desk(desk, give_up_when_unreachable)))
                .collect();
            {
                let _stop = StopOnDrop(&self.stop);
                during();
            }
            desks
                .into_iter()
                .flat_map(|desk| desk.join().expect("a front desk"))
                .collect()
        })
    }

    /// Until stopped: a new patient, then an induction course for them.
    fn desk(&self, desk: usize, give_up_when_unreachable: bool) -> Vec<Attempt> {
        let agent = crate::support::server::agent();
        let mut attempts = Vec::new();
        for n in 0.. {
            if self.stop.load(Ordering::SeqCst) {
                break;
            }
            let patient = self.register_patient(&agent, desk, n);
            let patient_id = created_id(&patient);
            let unreachable = patient.reply.is_err();
            attempts.push(patient);
            let Some(patient_id) = patient_id else {
                if unreachable && give_up_when_unreachable {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
                continue;
            };
            let course = self.book_induction(&agent, patient_id);
            match course.status() {
                Some(201) => {
                    self.booked.fetch_add(1, Ordering::SeqCst);
                }
                None if give_up_when_unreachable => {
                    attempts.push(course);
                    break;
                }
                _ => std::thread::sleep(Duration::from_millis(10)),
            }
            attempts.push(course);
        }
        attempts
    }

    /// The `n`th patient of a desk, ready for a first dose.
    fn register_patient(&self, agent: &ureq::Agent, desk: usize, n: usize) -> Attempt {
        let registration =
            ready_for_a_first_dose(&format!("DESK{desk}-{n}"), &format!("Patient {desk}-{n}"));
        self.post(
            agent,
            "patient",
            self.clinic.path("/patients"),
            registration,
        )
    }

    /// An IV-ketamine induction for the patient from next Monday.
    fn book_induction(&self, agent: &ureq::Agent, patient_id: i64) -> Attempt {
        let course = json!({"patient_id": patient_id, "protocol_id": self.protocol, "earliest": next_monday().to_string()});
        self.post(agent, "course", self.clinic.path("/courses"), course)
    }

    /// One POST with the clinic's front-desk key, and when it was answered;
    /// a transport error is kept as the reply, not a panic.
    fn post(&self, agent: &ureq::Agent, what: &'static str, path: String, body: Value) -> Attempt {
        let reply = Call::new(agent.clone(), "POST", format!("{}{path}", self.base))
            .key(&self.clinic.front_desk)
            .json(&body)
            .try_send();
        Attempt {
            what,
            answered: Instant::now(),
            reply,
        }
    }

    /// Waits until `n` courses are booked, or `at_most` has passed.
    pub(super) fn wait_for_bookings(&self, n: usize, at_most: Duration) {
        let deadline = Instant::now() + at_most;
        while self.booked.load(Ordering::SeqCst) < n && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    pub(super) fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// The id in a 201 reply's body, if the attempt created something.
fn created_id(attempt: &Attempt) -> Option<i64> {
    attempt
        .reply
        .as_ref()
        .ok()
        .filter(|r| r.status == 201)
        .and_then(|r| r.json()["id"].as_i64())
}
