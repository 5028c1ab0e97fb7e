//! A simulated month of a busy clinic, run twice — backfill off, then on —
//! on the same patients, the same cancellations and the same no-shows:
//! what backfill recovers is the difference. Two IV chairs, weekdays
//! 08:00–18:00; 36 inductions starting over three weeks (the chairs are
//! nearly full by the third); 8 patients on the waiting list. Each morning a
//! patient cancels a dose today or tomorrow with a chance of 1 in 10, and
//! 1 in 25 does not come. Offers are answered at once: 7 in 10 accepted.
//! `scripts/backfill_month.sh` prints the figures (`--nocapture`).

use chrono::Datelike;
use chrono::{DateTime, Duration, NaiveDate, Utc, Weekday};
use serde_json::json;
use std::hash::{Hash, Hasher};

use super::*;

const PATIENTS: i64 = 36;
const WAITING: i64 = 8;
const DAYS: i64 = 28;
const CANCELS_IN: f64 = 0.10;
const NO_SHOWS_IN: f64 = 0.04;
const ACCEPTS_IN: f64 = 0.7;

/// What a month gave.
#[derive(Debug, Default)]
struct Figures {
    cancelled: usize,
    no_shows: usize,
    /// Chair hours of completed sessions.
    chair_hours_used: f64,
    offers: usize,
    accepted: usize,
    /// Chair hours of accepted offers.
    hours_taken_by_offers: f64,
    /// At-risk courses brought back inside their rules (each once).
    rescued: std::collections::BTreeSet<i64>,
    first_courses: usize,
    at_risk_at_end: usize,
}

/// A fixed draw in [0, 1) for these facts: the same patient cancels the
/// same day in both runs.
fn chance(facts: impl Hash) -> f64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    facts.hash(&mut hasher);
    (hasher.finish() % 10_000) as f64 / 10_000.0
}

fn local(day: NaiveDate, minutes: i64) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap();
    let local = midnight + Duration::minutes(minutes);
    ZONE.from_local_datetime(&local)
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

use chrono::TimeZone;

struct Month<'a> {
    app: &'a App,
    clinic: Clinic,
    /// Patient ids by external number, the same in both runs.
    numbers: std::collections::HashMap<i64, i64>,
    figures: Figures,
}

impl Month<'_> {
    fn sessions_on(&self, day: NaiveDate) -> Vec<chairside_store::models::Session> {
        let (from, to) = (local(day, 0), local(day, 24 * 60));
        let filter = chairside_store::repo::sessions::SessionFilter {
            range: Some((from, to)),
            ..Default::default()
        };
        let clinic = self.clinic.id;
        let mut rows = self
            .app
            .store()
            .read(|conn| chairside_store::repo::sessions::all(conn, clinic, &filter))
            .unwrap();
        rows.retain(|s| s.starts_at >= from);
        rows
    }

    fn patient_number(&self, patient: i64) -> i64 {
        *self
            .numbers
            .iter()
            .find(|(_, id)| **id == patient)
            .unwrap()
            .0
    }

    /// Sweeps and answers every open offer, until no new one is made.
    fn answer_offers(&mut self, backfill: bool) {
        if !backfill {
            return;
        }
        for _ in 0..6 {
            sweep(self.app);
            let open = offers(self.app, &self.clinic, "open");
            if open.is_empty() {
                return;
            }
            for offer in open {
                self.figures.offers += 1;
                let course = offer["course_id"].as_i64().unwrap();
                let patient = self.app.course(&self.clinic, course)["patient_id"]
                    .as_i64()
                    .unwrap();
                let yes = chance((
                    self.patient_number(patient),
                    &offer["start"].to_string(),
                    "accept",
                )) < ACCEPTS_IN;
                let answer = if yes { "accept" } else { "decline" };
                let path = self
                    .clinic
                    .path(&format!("/offers/{}/{answer}", offer["id"]));
                let reply = self.app.post(&self.clinic.front_desk, &path, &json!({}));
                if yes && reply.status == 200 {
                    self.figures.accepted += 1;
                    let hours = (instant(&offer, "end") - instant(&offer, "start")).num_minutes()
                        as f64
                        / 60.0;
                    self.figures.hours_taken_by_offers += hours;
                    match offer["kind"].as_str() {
                        Some("rescue") => {
                            self.figures.rescued.insert(course);
                        }
                        Some("first_course") => self.figures.first_courses += 1,
                        _ => {}
                    }
                }
            }
        }
    }

    /// The morning: patients cancel today's or tomorrow's doses.
    fn morning(&mut self, day: NaiveDate, backfill: bool) {
        self.app.set_now(local(day, 7 * 60));
        for on in [day, day + Duration::days(1)] {
            for s in self.sessions_on(on) {
                let number = self.patient_number(s.patient_id);
                if s.status.as_str() != "booked" || chance((number, on, "cancel")) >= CANCELS_IN {
                    continue;
                }
                let body = json!({"scope": "this", "reason": "the patient cancelled"});
                if self
                    .app
                    .act(&self.clinic, s.id, "cancel", Some(&body))
                    .status
                    == 200
                {
                    self.figures.cancelled += 1;
                }
            }
        }
        self.answer_offers(backfill);
    }

    /// The day, half an hour at a time: arrivals (or not) and discharges.
    fn day(&mut self, day: NaiveDate, backfill: bool) {
        for tick in 0..20 {
            let (from, to) = (
                local(day, 8 * 60 + tick * 30),
                local(day, 8 * 60 + (tick + 1) * 30),
            );
            let mut events: Vec<(DateTime<Utc>, &str, i64, i64)> = Vec::new();
            for s in self.sessions_on(day) {
                match s.status.as_str() {
                    "booked" if s.starts_at >= from && s.starts_at < to => {
                        let missed = chance((self.patient_number(s.patient_id), day, "no-show"))
                            < NO_SHOWS_IN;
                        let (at, what) = if missed {
                            (s.starts_at + Duration::minutes(20), "no-show")
                        } else {
                            (s.starts_at, "check-in")
                        };
                        events.push((at, what, s.id, s.patient_id));
                    }
                    "checked_in" if s.ends_at >= from && s.ends_at < to => {
                        events.push((s.ends_at, "complete", s.id, s.patient_id));
                    }
                    _ => {}
                }
            }
            events.sort();
            for (at, what, session, _) in events {
                self.app.set_now(at.max(self.app.now()));
                let reply = self.app.act(&self.clinic, session, what, None);
                if what == "no-show" && reply.status == 200 {
                    self.figures.no_shows += 1;
                }
            }
            self.app.set_now(to.max(self.app.now()));
            self.answer_offers(backfill);
        }
    }
}

/// The clinic, its patients registered, the inductions booked and the
/// waiting list made, the clock at the Friday before.
fn opened(app: &App, backfill: bool) -> Month<'_> {
    let name = if backfill {
        "Backfill on"
    } else {
        "Backfill off"
    };
    let clinic = app.clinic_with(name, weekday_hours(), 2);
    if backfill {
        backfill_on(app, &clinic, 15);
    }
    let monday = next_monday();
    app.set_now(local(monday - Duration::days(3), 7 * 60));
    let numbers = (0..PATIENTS + WAITING)
        .map(|n| (n, app.patient(&clinic, &format!("MRN-M{n}"))))
        .collect();
    let month = Month {
        app,
        clinic,
        numbers,
        figures: Figures::default(),
    };
    let protocol = app.protocol_id(&month.clinic, "iv-ketamine-standard");
    let desk = &month.clinic.front_desk;
    for n in 0..PATIENTS + WAITING {
        let patient = month.numbers[&n];
        if n >= PATIENTS {
            let body = json!({"patient_id": patient, "protocol_id": protocol});
            app.post(desk, &month.clinic.path("/waitlist"), &body)
                .expect(201);
            continue;
        }
        let earliest = monday + Duration::days(7 * (n % 3) + n % 5);
        let body = json!({"patient_id": patient, "protocol_id": protocol, "earliest": earliest.to_string()});
        // A course that finds no place in a full clinic is not booked.
        let _ = app.post(desk, &month.clinic.path("/courses"), &body);
    }
    month
}

fn simulate(app: &App, backfill: bool) -> Figures {
    let mut month = opened(app, backfill);
    let monday = next_monday();
    for d in 0..DAYS {
        let day = monday + Duration::days(d);
        if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            continue;
        }
        month.morning(day, backfill);
        month.day(day, backfill);
    }
    let clinic_id = month.clinic.id;
    let store = app.store();
    let filter = chairside_store::repo::sessions::SessionFilter {
        statuses: Some(vec![chairside_store::models::SessionStatus::Completed]),
        ..Default::default()
    };
    let completed = store
        .read(|conn| chairside_store::repo::sessions::all(conn, clinic_id, &filter))
        .unwrap();
    month.figures.chair_hours_used = completed
        .iter()
        .map(|s| (s.ends_at - s.starts_at).num_minutes() as f64 / 60.0)
        .sum();
    month.figures.at_risk_at_end = store
        .read(|conn| chairside_store::repo::backfill::at_risk_courses(conn, clinic_id, 1000))
        .unwrap()
        .len();
    month.figures
}

fn a_busy_month_with_and_without_backfill(app: &App) {
    let without = simulate(app, false);
    let with = simulate(app, true);
    eprintln!("BACKFILL MONTH without: {without:?}");
    eprintln!("BACKFILL MONTH with:    {with:?}");
    eprintln!(
        "BACKFILL MONTH chair hours recovered: {:.1} (used {:.1} → {:.1}); offers {} accepted {} (rescues {}, first courses {}); at risk at the end {} → {}",
        with.chair_hours_used - without.chair_hours_used,
        without.chair_hours_used,
        with.chair_hours_used,
        with.offers,
        with.accepted,
        with.rescued.len(),
        with.first_courses,
        without.at_risk_at_end,
        with.at_risk_at_end,
    );
    assert!(
        with.cancelled > 0 && without.cancelled > 0,
        "the month had cancellations"
    );
    assert!(with.accepted > 0, "offers were made and taken: {with:?}");
    assert_eq!(without.offers, 0);
    assert_eq!(app.overlapping_live_pairs(), 0, "no chair ever held twice");
}
on_every_backend!(a_busy_month_with_and_without_backfill);
