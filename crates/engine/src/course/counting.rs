//! Counting doses (domain: "Counting, omitting and time").
//!
//! A series is complete when its number of *completed* doses is reached.
//! Not dosed, no-show and a cancellation by the patient or the front desk
//! are misses: the dose is still owed. A clinician's *omit* gives one dose
//! fewer: it lowers this course's number for the phase. One definition,
//! used by every action: planning, re-planning, rebooking, adding.

use crate::course::model::Course;
use crate::course::status::SessionStatus;
use crate::protocol::SeriesRules;

/// How a series phase of a course stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeriesCount {
    /// Doses the series holds for this course: the protocol's number less
    /// the doses a clinician omitted.
    pub target: u32,
    /// Doses given and monitored.
    pub completed: u32,
    /// Patients checked in and not yet done: a dose under way.
    pub in_progress: u32,
    /// Sessions booked: doses planned.
    pub planned: u32,
}

impl SeriesCount {
    /// Counts the current series of `phase`.
    pub fn of(course: &Course, phase: usize, rules: &SeriesRules) -> SeriesCount {
        let sessions = course.series_sessions(phase);
        let count = |status: SessionStatus| {
            sessions
                .iter()
                .filter(|s| s.status == status && !s.omitted)
                .count() as u32
        };
        let omitted = sessions.iter().filter(|s| s.omitted).count() as u32;
        SeriesCount {
            target: (rules.sessions.max(0) as u32).saturating_sub(omitted),
            completed: count(SessionStatus::Completed),
            in_progress: count(SessionStatus::CheckedIn),
            planned: count(SessionStatus::Booked),
        }
    }

    /// Whether the series is done: its number of completed doses is reached.
    pub fn is_complete(&self) -> bool {
        self.completed >= self.target
    }

    /// Doses still to book: the number, less doses given, under way and
    /// booked. Negative means more are booked than the series needs.
    pub fn to_book(&self) -> i64 {
        i64::from(self.target)
            - i64::from(self.completed)
            - i64::from(self.in_progress)
            - i64::from(self.planned)
    }

    /// Doses given or under way (what a new session would follow).
    pub fn standing(&self) -> u32 {
        self.completed + self.in_progress
    }
}
