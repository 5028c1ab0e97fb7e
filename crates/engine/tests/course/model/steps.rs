//! Running a step: time passes, the clock goes to a session, someone acts,
//! the patient comes for a dose, another patient books a chair, the driver
//! home or another course changes. An action is decided twice (deciding is
//! pure), applied, and its answer checked against the model's verdict.

use chairside_engine::course::*;
use chairside_engine::*;
use chrono::{DateTime, Duration, Utc};

use super::generation::{Act, Step};
use super::reading::short;
use super::sut::Sut;
use super::verdict::verdict;
use crate::course::world::*;

impl Sut {
    pub(super) fn step(&mut self, step: &Step) {
        match step {
            Step::Wait { hours } => {
                let to = self.now() + Duration::hours(*hours);
                self.set_clock(to);
            }
            Step::GoTo { n, minutes } => self.go_to(*n, *minutes),
            Step::Act { clinician, act } => {
                if let Some(action) = self.resolve(act) {
                    let role = match (clinician, act) {
                        // Chairside's own worker marks automatic no-shows.
                        (
                            _,
                            Act::NoShow {
                                automatic: true, ..
                            },
                        ) => Role::System,
                        (true, _) => Role::Clinician,
                        (false, _) => Role::FrontDesk,
                    };
                    self.act(role, action);
                }
            }
            Step::Give { n } => self.give(*n),
            Step::OtherBooks { freed, at } => self.other_books(*freed, *at),
            Step::Escort(confirmed) => {
                self.world.patient.escort_confirmed = *confirmed;
                self.trace.push(format!("  escort confirmed: {confirmed}"));
            }
            Step::OtherCourse(runs) => {
                self.world.other_courses = if *runs {
                    vec![OtherCourse {
                        id: 2,
                        modality: self.world.course.modality(),
                        status: CourseStatus::Active,
                    }]
                } else {
                    Vec::new()
                };
                self.trace.push(format!("  another course runs: {runs}"));
            }
        }
    }

    /// The clock moves to the `n`th upcoming booked start plus `minutes`.
    fn go_to(&mut self, n: usize, minutes: i64) {
        let now = self.now();
        let mut upcoming: Vec<DateTime<Utc>> = self
            .world
            .course
            .sessions
            .iter()
            .filter(|s| s.status == SessionStatus::Booked)
            .map(|s| s.start + Duration::minutes(minutes))
            .filter(|t| *t > now)
            .collect();
        upcoming.sort();
        if let Some(to) = upcoming.get(n % upcoming.len().max(1)) {
            self.set_clock(*to);
        }
    }

    /// The patient comes to the `n`th booked session not yet over: check
    /// in at its start, complete an hour later.
    fn give(&mut self, n: usize) {
        let now = self.now();
        let mut upcoming: Vec<&CourseSession> = self
            .world
            .course
            .sessions
            .iter()
            .filter(|s| s.status == SessionStatus::Booked && s.end > now)
            .collect();
        upcoming.sort_by_key(|s| (s.start, s.id));
        let Some(session) = upcoming
            .get(n % upcoming.len().max(1))
            .map(|s| (*s).clone())
        else {
            return;
        };
        self.trace.push(format!("  give {}", short(&session)));
        self.set_clock(session.start);
        let confirmed = self.world.patient.escort_confirmed;
        let role = if confirmed {
            Role::FrontDesk
        } else {
            Role::Clinician
        };
        self.act(
            role,
            Action::CheckIn {
                session: session.id,
                note: None,
                escort_override: (!confirmed).then(|| "driver arranged".into()),
            },
        );
        self.set_clock(session.start + Duration::minutes(60));
        let complete = Action::Complete {
            session: session.id,
            note: None,
            discharged_at: None,
        };
        self.act(Role::FrontDesk, complete);
    }

    /// Another patient books a chair where ours is free and the start cap
    /// allows: a freed session's chair interval (on its chair, or the next
    /// one at the same start), or a time.
    fn other_books(&mut self, freed: Option<(usize, bool)>, at: (i64, i64, u32, u32)) {
        let (chair, interval) = match freed {
            Some((n, same_chair)) => {
                let mut freed: Vec<&CourseSession> = self
                    .world
                    .course
                    .sessions
                    .iter()
                    .filter(|s| !s.status.is_live())
                    .collect();
                freed.sort_by_key(|s| ((s.start - self.now()).num_minutes().abs(), s.id));
                let Some(s) = freed.get(n % freed.len().max(1)) else {
                    return;
                };
                let chair = match same_chair {
                    true => s.chair,
                    false => self.chair(s.chair.0 + 1),
                };
                (chair, s.interval())
            }
            None => {
                let (c, day, hour, quarter) = at;
                let start = ny(self.today() + Duration::days(day), hour, quarter * 15);
                let end = start + Duration::minutes(90);
                (self.chair(c), Interval::new(start, end))
            }
        };
        let ours =
            self.world.course.sessions.iter().any(|s| {
                s.status.is_live() && s.chair == chair && s.interval().overlaps(&interval)
            });
        let slot = (interval.start, interval.start + Duration::minutes(15));
        let starts = self.world.others.starts_within(slot.0, slot.1)
            + self.live_starts_within(slot.0, slot.1);
        let capped = self
            .world
            .calendar
            .max_starts_per_slot
            .is_some_and(|cap| starts >= cap);
        if !ours && !capped && self.world.others.is_free(chair, &interval) {
            self.world.others.add(Booking { chair, interval });
            self.trace.push(format!(
                "  another patient books chair {} at {}",
                chair.0,
                interval.start.with_timezone(&NY).format("%a %m-%d %H:%M")
            ));
        }
    }

    /// How many of the course's live sessions start in `[from, to)`.
    fn live_starts_within(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
        self.world
            .course
            .sessions
            .iter()
            .filter(|s| s.status.is_live() && (from..to).contains(&s.start))
            .count() as u32
    }

    /// Decides and applies an action, checking the decision.
    pub(super) fn act(&mut self, role: Role, action: Action) {
        let before = self.world.course.clone();
        let verdict = verdict(&self.world, &action, role);
        // Deciding is pure: the same course, action and situation decide
        // the same (asked once here, once by the world, which applies it).
        let first = {
            let planner = Planner::new(&self.world.calendar, &self.world.others)
                .expect("the clinic's calendar is valid");
            decide(&before, &action, &self.world.situation(&planner, role))
        };
        let result = self.world.act_as(role, action.clone());
        if first != result {
            self.fail(&format!(
                "the same action decided twice: {first:?}\nthen {result:?}"
            ));
        }
        self.record(role, &action, &result);
        let checked = match &result {
            Err(error) => self.refused(&before, &verdict, error),
            Ok(decision) => self.accepted(&before, &verdict, &action, decision),
        };
        self.outcomes.push((action, result));
        if let Err(why) = checked {
            self.fail(&why);
        }
    }

    /// The trace line (and statistics) of a decided action.
    fn record(&mut self, role: Role, action: &Action, result: &Result<Decision, EngineError>) {
        let line = format!(
            "  {role} at {}: {action:?} → {}",
            self.now().with_timezone(&NY).format("%a %m-%d %H:%M"),
            match result {
                Ok(d) => format!(
                    "ok ({} updates, {} bookings, events {:?})",
                    d.updates.len(),
                    d.bookings.len(),
                    d.events.iter().map(CourseEvent::name).collect::<Vec<_>>()
                ),
                Err(e) => format!("refused: {e}"),
            }
        );
        if std::env::var_os("MODEL_ECHO").is_some() {
            eprintln!("{line}\n{}", super::reading::describe(&self.world.course));
        }
        self.trace.push(line);
        if let Ok(decision) = result {
            if std::env::var_os("MODEL_VERBOSE").is_some() {
                self.trace.push(format!("    {decision:?}"));
            }
            let kind = format!("{action:?}");
            let kind = kind.split([' ', '{']).next().unwrap_or_default();
            *self.accepted.entry(kind.to_string()).or_default() += 1;
        }
    }
}
