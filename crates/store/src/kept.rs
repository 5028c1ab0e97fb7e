//! The calendars this server kept: for each clinic it placed sessions in
//! lately, the calendar it planned on and the clinic's count of changes it
//! stands for (see [`turn`](crate::turn)). A booking in a clinic whose
//! count has not moved since plans on it instead of reading its window
//! again: hundreds of sessions and the clinic's chairs, closures and
//! staff, the largest part of a booking's database work.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use crate::models::{CalendarSnapshot, ProtocolVersion};

/// How many calendars writers planned on were kept ones, and how many were
/// read from the database.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CalendarUses {
    /// Kept from an earlier turn (no read).
    pub kept: u64,
    /// Read from the database.
    pub read: u64,
    /// Protocol revisions a booking took from the kept calendar instead of
    /// reading them.
    pub revisions_kept: u64,
}

/// How many clinics' calendars a server keeps; the least recently used
/// goes first. A busy clinic's calendar is a few hundred kilobytes.
const CLINICS_KEPT: usize = 64;

/// How many sessions all kept calendars hold at most (about 80 bytes
/// each: some 16 MB), whatever their windows: a re-plan reads a year
/// ahead.
const SESSIONS_KEPT: usize = 200_000;

/// A clinic's calendar over `[from, to)`, as it stood at `changes`, with
/// the latest revision of each protocol read since (by protocol id): a
/// new revision moves the count like any change planning reads.
#[derive(Clone)]
pub(crate) struct Kept {
    pub changes: i64,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub calendar: Arc<CalendarSnapshot>,
    pub revisions: HashMap<i64, ProtocolVersion>,
}

impl Kept {
    /// The calendar from `from` on: what ended before it is let go (the
    /// writers' windows move forward, and planning needs nothing earlier),
    /// so the planner is not handed ever more of the past.
    pub(crate) fn starting(&mut self, from: DateTime<Utc>) -> Arc<CalendarSnapshot> {
        if self.from < from {
            Arc::make_mut(&mut self.calendar)
                .sessions
                .retain(|s| s.ends_at > from);
            self.from = from;
        }
        self.calendar.clone()
    }
}

/// The calendars kept, by clinic id, with when each was last used.
#[derive(Default)]
pub(crate) struct KeptCalendars {
    clinics: Mutex<Shelf>,
}

#[derive(Default)]
struct Shelf {
    by_clinic: HashMap<i64, (Kept, u64)>,
    uses: u64,
    /// Every turn's calendars, kept or read.
    calendars: CalendarUses,
}

impl Shelf {
    /// Lets go of the calendar used least recently.
    fn let_go_least_used(&mut self) {
        let oldest = self
            .by_clinic
            .iter()
            .min_by_key(|(_, (_, used))| *used)
            .map(|(id, _)| *id);
        if let Some(oldest) = oldest {
            self.by_clinic.remove(&oldest);
        }
    }
}

impl KeptCalendars {
    /// Takes out the calendar kept for `clinic`: the turn that asks holds
    /// the clinic, and gives it back (or a newer one) when it ends.
    pub(crate) fn take(&self, clinic: i64) -> Option<Kept> {
        self.lock().by_clinic.remove(&clinic).map(|(kept, _)| kept)
    }

    /// Keeps `kept` for `clinic`, unless a newer one is kept already.
    pub(crate) fn keep(&self, clinic: i64, kept: Kept) {
        let mut clinics = self.lock();
        if let Some((already, _)) = clinics.by_clinic.get(&clinic) {
            if already.changes >= kept.changes {
                return;
            }
        }
        clinics.by_clinic.remove(&clinic);
        let sessions = |c: &Shelf| -> usize {
            c.by_clinic
                .values()
                .map(|(k, _)| k.calendar.sessions.len())
                .sum()
        };
        let size = kept.calendar.sessions.len();
        while !clinics.by_clinic.is_empty()
            && (clinics.by_clinic.len() >= CLINICS_KEPT
                || sessions(&clinics) + size > SESSIONS_KEPT)
        {
            clinics.let_go_least_used();
        }
        if size > SESSIONS_KEPT {
            return;
        }
        clinics.uses += 1;
        let used = clinics.uses;
        clinics.by_clinic.insert(clinic, (kept, used));
    }

    /// Adds what a turn planned on to the totals.
    pub(crate) fn count(&self, uses: CalendarUses) {
        let mut shelf = self.lock();
        shelf.calendars.kept += uses.kept;
        shelf.calendars.read += uses.read;
        shelf.calendars.revisions_kept += uses.revisions_kept;
    }

    /// The totals since the store opened.
    pub(crate) fn uses(&self) -> CalendarUses {
        self.lock().calendars
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shelf> {
        self.clinics
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{Clinic, SessionStatus, TakenTime};
    use chrono::TimeZone;

    /// A calendar at `changes` holding `sessions` sessions.
    fn kept(changes: i64, sessions: usize) -> Kept {
        let at = Utc.with_ymd_and_hms(2030, 3, 4, 9, 0, 0).unwrap();
        let taken = |id: usize| TakenTime {
            id: id as i64,
            course_id: 1,
            patient_id: 1,
            chair_id: 1,
            starts_at: at,
            ends_at: at,
            status: SessionStatus::Booked,
            held_until: None,
        };
        Kept {
            changes,
            from: at,
            to: at,
            revisions: HashMap::new(),
            calendar: Arc::new(CalendarSnapshot {
                clinic: Clinic {
                    id: 1,
                    name: "Harbour Clinic".into(),
                    time_zone: chrono_tz::America::New_York,
                    opening_hours: Default::default(),
                    settings: Default::default(),
                    version: 1,
                    created_at: at,
                    updated_at: at,
                },
                chairs: Vec::new(),
                closures: Vec::new(),
                sessions: (0..sessions).map(taken).collect(),
                staff: Vec::new(),
                protocols: HashMap::new(),
                in_the_chair: HashMap::new(),
            }),
        }
    }

    #[test]
    fn a_newer_calendar_replaces_an_older_one_never_the_reverse() {
        let shelf = KeptCalendars::default();
        shelf.keep(1, kept(5, 1));
        shelf.keep(1, kept(4, 2));
        assert_eq!(shelf.take(1).map(|k| k.changes), Some(5));
        assert!(shelf.take(1).is_none(), "taken out for the turn");
    }

    #[test]
    fn the_least_used_clinic_goes_first_when_there_are_too_many() {
        let shelf = KeptCalendars::default();
        for clinic in 0..CLINICS_KEPT as i64 + 1 {
            shelf.keep(clinic, kept(1, 1));
        }
        assert!(shelf.take(0).is_none(), "the first kept went");
        assert!(shelf.take(1).is_some());
        assert!(shelf.take(CLINICS_KEPT as i64).is_some());
    }

    #[test]
    fn all_calendars_together_hold_at_most_their_share_of_sessions() {
        let shelf = KeptCalendars::default();
        shelf.keep(1, kept(1, SESSIONS_KEPT / 2));
        shelf.keep(2, kept(1, SESSIONS_KEPT / 2));
        shelf.keep(3, kept(1, 10));
        assert!(shelf.take(1).is_none(), "let go to make room");
        assert!(shelf.take(2).is_some() && shelf.take(3).is_some());
        shelf.keep(4, kept(1, SESSIONS_KEPT + 1));
        assert!(shelf.take(4).is_none(), "larger than all of it: not kept");
    }
}
