//! The calendars this server kept: for each clinic it placed sessions in
//! lately, the calendar it planned on and the clinic's count of changes it
//! stands for (see [`turn`](crate::turn)). A booking in a clinic whose
//! count has not moved since plans on it instead of reading its window
//! again: hundreds of sessions and the clinic's chairs, closures and
//! staff, the largest part of a booking's database work.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use crate::repo::calendar::CalendarSnapshot;
use crate::turn::CalendarUses;

/// How many clinics' calendars a server keeps; the least recently used
/// goes first. A busy clinic's calendar is a few hundred kilobytes.
const CLINICS_KEPT: usize = 64;

/// A clinic's calendar over `[from, to)`, as it stood at `changes`.
#[derive(Clone)]
pub(crate) struct Kept {
    pub changes: i64,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub calendar: Arc<CalendarSnapshot>,
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
        if clinics.by_clinic.len() >= CLINICS_KEPT && !clinics.by_clinic.contains_key(&clinic) {
            let oldest = clinics
                .by_clinic
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(id, _)| *id);
            if let Some(oldest) = oldest {
                clinics.by_clinic.remove(&oldest);
            }
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
