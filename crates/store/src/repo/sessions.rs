//! Sessions: insertion of planned sessions, status changes with history,
//! rescheduling, and listing.

use std::collections::HashMap;

use chairside_engine::course::{NewSession, SessionUpdate};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::backend::DbConnection;
use crate::batch::with_sized_rows;
use crate::columns::{instant, now, stored_instant};
use crate::error::StoreError;
use crate::models::{columns, Actor, Page, PageRequest, Session, SessionStatus, StatusChange};
use crate::native::inserted_ids;
use crate::repo::{require_transaction, version_miss};
use crate::schema::session_status_history::dsl as h;
use crate::schema::sessions::dsl as s;

/// The longest chair interval the schema accepts; it bounds how far back a
/// range query must look for sessions still running at its start.
pub const MAX_SESSION_HOURS: i64 = 12;

/// Inserts the sessions a decision books for one course, as `booked`, in
/// one statement. The database refuses any overlap of a live session on the
/// same chair or patient:
/// [`ErrorKind::ChairTaken`](crate::ErrorKind::ChairTaken) or
/// [`ErrorKind::PatientDoubleBooked`](crate::ErrorKind::PatientDoubleBooked).
pub fn insert(
    conn: &mut DbConnection,
    clinic_id: i64,
    course_id: i64,
    patient_id: i64,
    planned: &[NewSession],
) -> Result<Vec<Session>, StoreError> {
    if planned.is_empty() {
        return Ok(Vec::new());
    }
    let at = now();
    let rows: Vec<_> = planned
        .iter()
        .map(|p| {
            (
                s::clinic_id.eq(clinic_id),
                s::course_id.eq(course_id),
                s::patient_id.eq(patient_id),
                s::phase_index.eq(p.phase as i32),
                s::sequence.eq(p.sequence as i32),
                s::chair_id.eq(p.placement.chair.0),
                s::starts_at.eq(instant(p.placement.start)),
                s::ends_at.eq(instant(p.placement.end)),
                s::status.eq(SessionStatus::Booked.as_str()),
                s::created_at.eq(at),
                s::updated_at.eq(at),
            )
        })
        .collect();
    // One multi-row INSERT, prepared once per size, on the native
    // connection (MultiBackend cannot render a batch insert).
    let ids: Vec<i64> = with_sized_rows!(rows => {
        inserted_ids!(&mut *conn, diesel::insert_into(s::sessions).values(rows), s::id)
    });
    let whose = (clinic_id, course_id, patient_id);
    Ok(as_stored(ids, whose, planned, at))
}

/// `planned` as inserted at `at` with `ids` (ascending, in plan order).
pub(crate) fn as_stored(
    ids: Vec<i64>,
    (clinic_id, course_id, patient_id): (i64, i64, i64),
    planned: &[NewSession],
    at: NaiveDateTime,
) -> Vec<Session> {
    let at = at.and_utc();
    ids.into_iter()
        .zip(planned)
        .map(|(id, p)| Session {
            id,
            clinic_id,
            course_id,
            patient_id,
            ..as_booked(p, at)
        })
        .collect()
}

/// The row a new booking is, as the database stores it.
fn as_booked(p: &NewSession, at: DateTime<Utc>) -> Session {
    Session {
        id: 0,
        clinic_id: 0,
        course_id: 0,
        patient_id: 0,
        phase_index: p.phase as i32,
        sequence: p.sequence as i32,
        chair_id: p.placement.chair.0,
        starts_at: stored_instant(p.placement.start),
        ends_at: stored_instant(p.placement.end),
        status: SessionStatus::Booked,
        reason: None,
        version: 1,
        created_at: at,
        updated_at: at,
        omitted: false,
        late_cancellation: false,
        confirmed_at: None,
        external_id: None,
        held_until: None,
        holds_move_of: None,
    }
}

/// One session.
pub fn get(conn: &mut DbConnection, clinic_id: i64, id: i64) -> Result<Session, StoreError> {
    s::sessions
        .filter(s::clinic_id.eq(clinic_id).and(s::id.eq(id)))
        .filter(s::held_until.is_null())
        .select(columns::<Session>())
        .first::<Session>(conn)
        .optional()?
        .ok_or(StoreError::not_found("session"))
}

/// These sessions of the clinic, whole (held times too), by id.
pub fn by_ids(
    conn: &mut DbConnection,
    clinic_id: i64,
    ids: &[i64],
) -> Result<Vec<Session>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(s::sessions
        .filter(s::clinic_id.eq(clinic_id).and(s::id.eq_any(ids)))
        .order(s::id)
        .select(columns::<Session>())
        .load::<Session>(conn)?)
}

/// Applies one session's part of an engine decision, if the session is
/// still at `version` (the one the decision read): its status (kept in the
/// status history), chair and time, number, omission and reason. Must run
/// inside [`Store::write`](crate::Store::write); the overlap guards apply as
/// for a booking.
pub fn apply_update(
    conn: &mut DbConnection,
    clinic_id: i64,
    update: &SessionUpdate,
    version: i64,
    actor: Actor,
) -> Result<Session, StoreError> {
    require_transaction(conn)?;
    let id = update.session.0;
    let current = get(conn, clinic_id, id)?;
    if current.version != version {
        return Err(StoreError::StaleVersion {
            entity: "session",
            id,
        });
    }
    let status = update.status.map_or(current.status, |(_, to)| to);
    let placement = update.placement;
    let at = now();
    let updated = diesel::update(
        s::sessions.filter(
            s::clinic_id
                .eq(clinic_id)
                .and(s::id.eq(id))
                .and(s::version.eq(version)),
        ),
    )
    .set((
        s::status.eq(status.as_str()),
        s::chair_id.eq(placement.map_or(current.chair_id, |p| p.chair.0)),
        s::starts_at.eq(instant(placement.map_or(current.starts_at, |p| p.start))),
        s::ends_at.eq(instant(placement.map_or(current.ends_at, |p| p.end))),
        s::sequence.eq(update.sequence.map_or(current.sequence, |n| n as i32)),
        s::omitted.eq(update.omitted.unwrap_or(current.omitted)),
        s::late_cancellation.eq(update
            .late_cancellation
            .unwrap_or(current.late_cancellation)),
        s::confirmed_at.eq(update
            .confirmed_at
            .unwrap_or(current.confirmed_at)
            .map(instant)),
        // A new status or place says why, or clears the old why; a new
        // number or omission alone keeps it.
        s::reason.eq(if update.status.is_some() || update.placement.is_some() {
            update.reason.as_deref()
        } else {
            update.reason.as_deref().or(current.reason.as_deref())
        }),
        s::version.eq(s::version + 1),
        s::updated_at.eq(at),
    ))
    .returning(columns::<Session>())
    .get_result::<Session>(conn)
    .optional()?
    .ok_or_else(|| version_miss(true, "session", id))?;
    if let Some(change) = update.status {
        keep_status_change(conn, &updated, change, update.reason.as_deref(), actor, at)?;
    }
    Ok(updated)
}

/// The status history keeps who moved a session's status, when and why —
/// what a correction undoes and an auditor reads.
fn keep_status_change(
    conn: &mut DbConnection,
    session: &Session,
    (from, to): (SessionStatus, SessionStatus),
    reason: Option<&str>,
    actor: Actor,
    at: chrono::NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(h::session_status_history)
        .values((
            h::clinic_id.eq(session.clinic_id),
            h::session_id.eq(session.id),
            h::from_status.eq(from.as_str()),
            h::to_status.eq(to.as_str()),
            h::reason.eq(reason),
            h::key_id.eq(actor.key_id),
            h::role.eq(actor.role.as_str()),
            h::at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// For each session, the status it had before its last change (from the
/// status history), for a correction that undoes it.
pub fn previous_statuses(
    conn: &mut DbConnection,
    clinic_id: i64,
    sessions: &[Session],
) -> Result<HashMap<i64, SessionStatus>, StoreError> {
    let ids: Vec<i64> = sessions.iter().map(|s| s.id).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let changes = h::session_status_history
        .filter(h::clinic_id.eq(clinic_id).and(h::session_id.eq_any(ids)))
        .order(h::id)
        .select(columns::<StatusChange>())
        .load::<StatusChange>(conn)?;
    // The latest change of each session wins.
    Ok(changes
        .into_iter()
        .filter_map(|c| c.from_status.map(|from| (c.session_id, from)))
        .collect())
}

/// Which sessions [`list`] returns; every field narrows the result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionFilter {
    /// Only sessions whose chair interval overlaps `[from, to)`.
    pub range: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Only these statuses.
    pub statuses: Option<Vec<SessionStatus>>,
    /// Only this course.
    pub course_id: Option<i64>,
    /// Only this patient.
    pub patient_id: Option<i64>,
    /// Only this chair.
    pub chair_id: Option<i64>,
}

/// The clinic's sessions matching `filter`, as a query still to be ordered.
fn matching<'a>(
    clinic_id: i64,
    filter: &SessionFilter,
) -> crate::schema::sessions::BoxedQuery<'a, <DbConnection as Connection>::Backend> {
    // A held time is not a session of its course until confirmed.
    let mut query = s::sessions
        .filter(s::clinic_id.eq(clinic_id).and(s::held_until.is_null()))
        .into_boxed();
    if let Some((from, to)) = filter.range {
        let (lookback, from, to) = range_bounds(from, to);
        query = query.filter(
            s::starts_at
                .gt(lookback)
                .and(s::starts_at.lt(to))
                .and(s::ends_at.gt(from)),
        );
    }
    if let Some(statuses) = &filter.statuses {
        query = query
            .filter(s::status.eq_any(statuses.iter().map(|st| st.as_str()).collect::<Vec<_>>()));
    }
    if let Some(course_id) = filter.course_id {
        query = query.filter(s::course_id.eq(course_id));
    }
    if let Some(patient_id) = filter.patient_id {
        query = query.filter(s::patient_id.eq(patient_id));
    }
    if let Some(chair_id) = filter.chair_id {
        query = query.filter(s::chair_id.eq(chair_id));
    }
    query
}

/// A clinic's sessions matching `filter`, by id, one page at a time.
pub fn list(
    conn: &mut DbConnection,
    clinic_id: i64,
    filter: &SessionFilter,
    page: PageRequest,
) -> Result<Page<Session>, StoreError> {
    let rows = matching(clinic_id, filter)
        .filter(s::id.gt(page.after_id.unwrap_or(0)))
        .order(s::id)
        .limit(page.clamped_limit() + 1)
        .select(columns::<Session>())
        .load::<Session>(conn)?;
    Ok(page.page(rows, |r| r.id))
}

/// Every session of the clinic matching `filter`, by start then id.
///
/// With a time range (a day sheet, a feed window, a sweep) it is one query
/// ordered by start, so it walks the `(clinic_id, starts_at)` index over
/// that range only. Paging by id instead let SQLite pick the `(clinic_id,
/// id)` key and read the clinic's whole history: a day sheet took 81 ms
/// with a million sessions stored. Without a range it reads page by page.
pub fn all(
    conn: &mut DbConnection,
    clinic_id: i64,
    filter: &SessionFilter,
) -> Result<Vec<Session>, StoreError> {
    if filter.range.is_some() {
        return Ok(matching(clinic_id, filter)
            .order((s::starts_at, s::id))
            .select(columns::<Session>())
            .load::<Session>(conn)?);
    }
    let mut sessions = Vec::new();
    let mut page = PageRequest {
        after_id: None,
        limit: 500,
    };
    loop {
        let rows = list(conn, clinic_id, filter, page)?;
        sessions.extend(rows.items);
        match rows.next_after_id {
            Some(after) => page.after_id = Some(after),
            None => break,
        }
    }
    sessions.sort_by_key(|s| (s.starts_at, s.id));
    Ok(sessions)
}

/// A course's sessions in plan order (phase, sequence, id).
pub fn for_course(
    conn: &mut DbConnection,
    clinic_id: i64,
    course_id: i64,
) -> Result<Vec<Session>, StoreError> {
    Ok(s::sessions
        .filter(s::clinic_id.eq(clinic_id).and(s::course_id.eq(course_id)))
        .filter(s::held_until.is_null())
        .order((s::phase_index, s::sequence, s::id))
        .select(columns::<Session>())
        .load::<Session>(conn)?)
}

/// A session's status history, oldest first.
pub fn history(
    conn: &mut DbConnection,
    clinic_id: i64,
    session_id: i64,
) -> Result<Vec<StatusChange>, StoreError> {
    Ok(h::session_status_history
        .filter(h::clinic_id.eq(clinic_id).and(h::session_id.eq(session_id)))
        .order(h::id)
        .select(columns::<StatusChange>())
        .load::<StatusChange>(conn)?)
}

/// Column bounds for "overlaps [from, to)": a session that overlaps started
/// before `to` and, lasting at most [`MAX_SESSION_HOURS`], after
/// `from - MAX_SESSION_HOURS`; that keeps the query on an index range.
pub(crate) fn range_bounds(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> (
    chrono::NaiveDateTime,
    chrono::NaiveDateTime,
    chrono::NaiveDateTime,
) {
    // At the start of chrono's calendar there is nothing before: saturate.
    let lookback = instant(from)
        .checked_sub_signed(Duration::hours(MAX_SESSION_HOURS) + Duration::seconds(1))
        .unwrap_or(chrono::NaiveDateTime::MIN);
    (lookback, instant(from), instant(to))
}
