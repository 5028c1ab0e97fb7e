//! A clinic's turn: the one writer at a time that may place sessions in a
//! clinic, and the count of changes that tells it whether the calendar this
//! server kept from an earlier turn is still the database's.
//!
//! The turn is a row of `clinic_turns`: taking it counts one change and
//! holds the row until the transaction ends, so the clinic's other writers
//! wait (on PostgreSQL, on any server; SQLite writers already go one at a
//! time). Every row changed in a table planning reads counts one more, by
//! trigger, whoever writes it. A kept calendar stands for one count; it is
//! used only when the database's count is that count, and it follows the
//! turn's own writes only where they are recorded here
//! ([`booked`]) — any other write moves the count past it, and the calendar
//! is read again.
//!
//! While [`Store::write_retrying`](crate::Store::write_retrying) runs its
//! closure, the turn it took is this thread's (the transaction runs on it):
//! [`repo::calendar::to_place`](crate::repo::calendar::to_place)
//! asks it for the kept calendar, and writers that record their rows tell it.

use std::cell::RefCell;
use std::sync::Arc;

use chairside_engine::Protocol;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::BigInt;
use diesel::sqlite::Sqlite;

use crate::backend::DbConnection;
use crate::error::StoreError;
use crate::kept::{CalendarUses, Kept};
use crate::models::CalendarSnapshot;
use crate::models::{Clinic, ProtocolVersion, Session, TakenTime};
use crate::schema::clinic_turns::dsl as t;

/// The turn this thread holds, with the calendar kept for its clinic.
pub(crate) struct Turn {
    clinic: i64,
    /// The calendar as of [`Kept::changes`], if this server has one that
    /// may still be current.
    kept: Option<Kept>,
    /// The count once the turn was taken (nothing of the calendar changed
    /// by taking it), once known: at once on SQLite; on PostgreSQL the
    /// turn is taken with `BEGIN`, unread, and the first read of the count
    /// tells it when it can ([`Turn::learn`]).
    taken_at: Option<i64>,
    /// How the turn's calendars came: kept, or read from the database.
    pub(crate) uses: CalendarUses,
}

thread_local! {
    static CURRENT: RefCell<Option<Turn>> = const { RefCell::new(None) };
}

/// Takes `clinic`'s turn in the caller's transaction and answers the count
/// of changes with it; waits while another writer holds it.
pub(crate) fn take(conn: &mut DbConnection, clinic: i64) -> Result<i64, StoreError> {
    Ok(match conn {
        // A function call, which diesel prepares once (the upsert inside
        // is in the migration).
        DbConnection::Postgresql(c) => diesel::select(chairside_take_turn(clinic)).get_result(c)?,
        // The count is read after the upsert rather than returned by it:
        // SQLite's `RETURNING` builds a temporary table every time.
        DbConnection::Sqlite(c) => {
            TakeTurn { clinic }.execute(c)?;
            t::clinic_turns
                .filter(t::clinic_id.eq(clinic))
                .select(t::changes)
                .get_result(c)?
        }
    })
}

/// Taking the turn on SQLite: the upsert, written out so that diesel
/// prepares it once (it never caches an upsert its query builder makes,
/// and parsing it was 2 % of a booking on SQLite).
#[derive(QueryId)]
struct TakeTurn {
    clinic: i64,
}

impl QueryFragment<Sqlite> for TakeTurn {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        out.push_sql("INSERT INTO clinic_turns (clinic_id, changes) VALUES (");
        out.push_bind_param::<BigInt, _>(&self.clinic)?;
        out.push_sql(", 1) ON CONFLICT (clinic_id) DO UPDATE SET changes = changes + 1");
        Ok(())
    }
}

impl RunQueryDsl<SqliteConnection> for TakeTurn {}

diesel::define_sql_function! {
    /// Takes a clinic's turn and answers its count of changes (PostgreSQL).
    fn chairside_take_turn(clinic: diesel::sql_types::BigInt) -> diesel::sql_types::BigInt;
}

/// Makes sure the caller's transaction holds `clinic`'s turn before it
/// places sessions, taking it if this thread does not hold it already
/// (a writer outside [`Store::write_retrying`](crate::Store::write_retrying)).
/// Two transactions inserting overlapping sessions on one chair would
/// otherwise each find the other's row while checking the exclusion
/// constraint and wait for each other — PostgreSQL breaks that only after
/// its deadlock timeout (1 s), with pools full meanwhile. With the turn,
/// the second writer waits for the first to commit and is then refused at
/// once (and re-plans). SQLite writers already go one at a time.
pub(crate) fn hold(conn: &mut DbConnection, clinic: i64) -> Result<(), StoreError> {
    let holds = with_turn(clinic, |_| ()).is_some();
    if holds || !matches!(conn, DbConnection::Postgresql(_)) {
        return Ok(());
    }
    take(conn, clinic).map(drop)
}

/// The clinic's count of changes now.
pub(crate) fn count(conn: &mut DbConnection, clinic: i64) -> Result<i64, StoreError> {
    Ok(t::clinic_turns
        .find(clinic)
        .select(t::changes)
        .first(conn)?)
}

impl Turn {
    /// `clinic`'s turn, taken at `count` if known, with what this server
    /// kept of its calendar (current only if it stands for the count
    /// before).
    pub(crate) fn new(clinic: i64, count: Option<i64>, kept: Option<Kept>) -> Turn {
        let mut turn = Turn {
            clinic,
            kept,
            taken_at: None,
            uses: CalendarUses::default(),
        };
        if let Some(count) = count {
            turn.taken_at(count);
        }
        turn
    }

    /// The turn was taken at `count`: the kept calendar is current only if
    /// it stands for the count just before.
    fn taken_at(&mut self, count: i64) {
        self.taken_at = Some(count);
        self.kept = self
            .kept
            .take()
            .filter(|k| k.changes == count - 1)
            .map(|k| Kept {
                changes: count,
                ..k
            });
    }

    /// The first read of the count in a turn taken unread: `now`. A kept
    /// calendar stands for a count no later than the one before the turn
    /// (counts only grow; a rolled-back turn keeps the one before it), and
    /// taking the turn counted one: so if it stands for `now - 1`, nothing
    /// else changed since, and the turn was taken at `now`. Otherwise the
    /// turn's own writes may have counted too, and when it was taken stays
    /// unknown: the kept calendar is dropped.
    fn learn(&mut self, now: i64) {
        if self.taken_at.is_some() {
            return;
        }
        match self.kept.as_ref().is_some_and(|k| k.changes == now - 1) {
            true => self.taken_at(now),
            false => self.kept = None,
        }
    }

    /// What to keep once the transaction committed: the calendar as the
    /// turn left it.
    pub(crate) fn committed(self) -> Option<Kept> {
        self.kept
    }

    /// What to keep once the transaction rolled back: the calendar, if the
    /// turn read it and changed nothing recorded since (the database is
    /// back at the count before the turn).
    pub(crate) fn rolled_back(self) -> Option<Kept> {
        let taken_at = self.taken_at?;
        self.kept.filter(|k| k.changes == taken_at).map(|k| Kept {
            changes: taken_at - 1,
            ..k
        })
    }

    /// Runs `f` with this turn as the thread's; answers what it answered
    /// and the turn as it left it.
    pub(crate) fn during<T>(self, f: impl FnOnce() -> T) -> (T, Turn) {
        /// Clears the thread's turn however `f` ends, panics included.
        struct Leave;
        impl Drop for Leave {
            fn drop(&mut self) {
                CURRENT.with(|c| c.borrow_mut().take());
            }
        }
        CURRENT.with(|c| *c.borrow_mut() = Some(self));
        let leave = Leave;
        let value = f();
        let turn = CURRENT.with(|c| c.borrow_mut().take());
        drop(leave);
        match turn {
            Some(turn) => (value, turn),
            None => unreachable!("the thread's turn is cleared only on leaving it"),
        }
    }
}

/// Runs `f` on the thread's turn if it is `clinic`'s.
fn with_turn<R>(clinic: i64, f: impl FnOnce(&mut Turn) -> R) -> Option<R> {
    CURRENT.with(|c| {
        c.borrow_mut()
            .as_mut()
            .filter(|turn| turn.clinic == clinic)
            .map(f)
    })
}

/// Whether this thread holds `clinic`'s turn.
pub(crate) fn holds(clinic: i64) -> bool {
    with_turn(clinic, |_| ()).is_some()
}

/// The clinic as kept with its calendar, if that is current at `now` (the
/// count read in this turn).
pub(crate) fn kept_clinic(clinic: i64, now: i64) -> Option<Clinic> {
    with_turn(clinic, |turn| {
        turn.learn(now);
        let kept = turn.kept.as_ref().filter(|k| k.changes == now)?;
        Some(kept.calendar.clinic.clone())
    })
    .flatten()
}

/// The kept calendar, if it is current at `now` and covers `[from, to)`.
pub(crate) fn kept_calendar(
    clinic: i64,
    now: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Option<Arc<CalendarSnapshot>> {
    with_turn(clinic, |turn| {
        let kept = turn.kept.as_mut().filter(|k| k.changes == now)?;
        let covers = kept.from <= from && to <= kept.to;
        let calendar = covers.then(|| kept.starting(from))?;
        turn.uses.kept += 1;
        Some(calendar)
    })
    .flatten()
}

/// Keeps `calendar`, read over `[from, to)` at `now`, for the rest of the
/// turn and after it.
pub(crate) fn keep(
    clinic: i64,
    now: i64,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    calendar: Arc<CalendarSnapshot>,
) {
    with_turn(clinic, |turn| {
        turn.uses.read += 1;
        // Revisions read at this count stay true with the new calendar.
        let revisions = turn
            .kept
            .take()
            .filter(|k| k.changes == now)
            .map(|k| k.revisions)
            .unwrap_or_default();
        turn.kept = Some(Kept {
            changes: now,
            from,
            to,
            calendar,
            revisions,
        })
    });
}

/// The latest revision of `protocol` kept with the calendar, if that is
/// current at `now` (the count read in this turn).
pub(crate) fn kept_revision(clinic: i64, now: i64, protocol: i64) -> Option<ProtocolVersion> {
    with_turn(clinic, |turn| {
        turn.learn(now);
        let kept = turn.kept.as_ref().filter(|k| k.changes == now)?;
        let revision = kept.revisions.get(&protocol).cloned()?;
        turn.uses.revisions_kept += 1;
        Some(revision)
    })
    .flatten()
}

/// Keeps `version`, read at `now` as its protocol's latest, with the
/// calendar if that is current at `now` (without one there is nothing it
/// could be trusted with).
pub(crate) fn keep_revision(clinic: i64, now: i64, version: &ProtocolVersion) {
    with_turn(clinic, |turn| {
        if let Some(kept) = turn.kept.as_mut().filter(|k| k.changes == now) {
            kept.revisions.insert(version.protocol_id, version.clone());
        }
    });
}

/// Records sessions this thread's turn booked for a new course of
/// `protocol` (one counted change each), so the kept calendar follows.
pub(crate) fn booked(clinic: i64, sessions: &[Session], protocol: &Protocol) {
    with_turn(clinic, |turn| {
        let Some(kept) = turn.kept.as_mut() else {
            return;
        };
        let calendar = Arc::make_mut(&mut kept.calendar);
        for session in sessions {
            let taken = TakenTime::from(session);
            let at = calendar
                .sessions
                .partition_point(|s| (s.starts_at, s.id) < (taken.starts_at, taken.id));
            calendar.sessions.insert(at, taken);
            // As the calendar is read: a booked session's protocol only
            // where staff is counted by it.
            if !calendar.staff.is_empty() {
                calendar
                    .protocols
                    .entry(session.course_id)
                    .or_insert_with(|| protocol.clone());
            }
        }
        kept.changes += sessions.len() as i64;
    });
}

#[cfg(test)]
mod tests {
    use diesel::query_builder::{QueryFragment, QueryId};
    use diesel::sqlite::Sqlite;

    use super::TakeTurn;

    /// diesel keeps a prepared statement only when its query id is static
    /// and every part of it says it may be cached: the written-out upsert
    /// is, the query builder's is not (which is why it is written out).
    #[test]
    fn taking_the_turn_on_sqlite_is_prepared_once() {
        const { assert!(<TakeTurn as QueryId>::HAS_STATIC_QUERY_ID) };
        assert!(TakeTurn { clinic: 1 }
            .is_safe_to_cache_prepared(&Sqlite)
            .unwrap());
        let built = {
            use super::t;
            use diesel::prelude::*;
            diesel::insert_into(t::clinic_turns)
                .values((t::clinic_id.eq(1_i64), t::changes.eq(1_i64)))
                .on_conflict(t::clinic_id)
                .do_update()
                .set(t::changes.eq(t::changes + 1_i64))
                .returning(t::changes)
        };
        assert!(!built.is_safe_to_cache_prepared(&Sqlite).unwrap());
    }
}
