//! Backfill's rows: chair time a change freed (a queue the worker takes
//! from), the waiting list, and offers of freed time. Rows are claimed by
//! deleting or by a versioned update, so of several replicas one acts.

use chairside_engine::backfill::{FreedTime, OfferStatus, WaitingStatus};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::backend::DbConnection;
use crate::columns::{instant, now};
use crate::error::StoreError;
use crate::models::{
    columns, Course, CourseStatus, Freed, NewOffer, Offer, Page, PageRequest, Waiting,
};
use crate::repo::version_miss;
use crate::schema::courses::dsl as co;
use crate::schema::freed_chair_time::dsl as f;
use crate::schema::slot_offers::dsl as o;
use crate::schema::waitlist::dsl as w;

/// Queues chair time a change freed, for the backfill worker.
pub fn free(
    conn: &mut DbConnection,
    clinic_id: i64,
    freed: &[FreedTime],
) -> Result<(), StoreError> {
    let at = now();
    for time in freed {
        diesel::insert_into(f::freed_chair_time)
            .values((
                f::clinic_id.eq(clinic_id),
                f::chair_id.eq(time.chair.0),
                f::starts_at.eq(instant(time.start)),
                f::ends_at.eq(instant(time.end)),
                f::freed_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Takes up to `limit` freed times, oldest first: each is removed from the
/// queue, and only the replica whose delete removed it gets it.
pub fn take_freed(
    conn: &mut DbConnection,
    clinic_id: i64,
    limit: i64,
) -> Result<Vec<Freed>, StoreError> {
    let queued = f::freed_chair_time
        .filter(f::clinic_id.eq(clinic_id))
        .order(f::id)
        .limit(limit)
        .select(columns::<Freed>())
        .load::<Freed>(conn)?;
    let mut taken = Vec::new();
    for row in queued {
        let gone = diesel::delete(
            f::freed_chair_time.filter(f::clinic_id.eq(clinic_id).and(f::id.eq(row.id))),
        )
        .execute(conn)?;
        if gone == 1 {
            taken.push(row);
        }
    }
    Ok(taken)
}

/// The clinic's active courses at risk, oldest first (at most `limit`).
pub fn at_risk_courses(
    conn: &mut DbConnection,
    clinic_id: i64,
    limit: i64,
) -> Result<Vec<Course>, StoreError> {
    Ok(co::courses
        .filter(co::clinic_id.eq(clinic_id))
        .filter(co::status.eq(CourseStatus::Active.as_str()))
        .filter(co::at_risk_reason.is_not_null())
        .filter(co::held_until.is_null())
        .order(co::id)
        .limit(limit)
        .select(columns::<Course>())
        .load::<Course>(conn)?)
}

/// Records an offer (open).
pub fn offer(conn: &mut DbConnection, clinic_id: i64, new: &NewOffer) -> Result<Offer, StoreError> {
    Ok(diesel::insert_into(o::slot_offers)
        .values((
            o::clinic_id.eq(clinic_id),
            o::kind.eq(new.kind.as_str()),
            o::chair_id.eq(new.chair_id),
            o::starts_at.eq(instant(new.starts_at)),
            o::ends_at.eq(instant(new.ends_at)),
            o::freed_starts_at.eq(instant(new.freed_starts_at)),
            o::freed_ends_at.eq(instant(new.freed_ends_at)),
            o::course_id.eq(new.course_id),
            o::session_id.eq(new.session_id),
            o::held_session_id.eq(new.held_session_id),
            o::waitlist_id.eq(new.waitlist_id),
            o::expires_at.eq(instant(new.expires_at)),
            o::status.eq(OfferStatus::Open.as_str()),
            o::created_at.eq(now()),
        ))
        .returning(columns::<Offer>())
        .get_result::<Offer>(conn)?)
}

/// An offer of this clinic's (another clinic's is not found).
pub fn get_offer(conn: &mut DbConnection, clinic_id: i64, id: i64) -> Result<Offer, StoreError> {
    o::slot_offers
        .filter(o::clinic_id.eq(clinic_id).and(o::id.eq(id)))
        .select(columns::<Offer>())
        .first::<Offer>(conn)
        .optional()?
        .ok_or(StoreError::not_found("offer"))
}

/// The clinic's offers (in one status, if given), by id, a page at a time.
pub fn offers(
    conn: &mut DbConnection,
    clinic_id: i64,
    status: Option<OfferStatus>,
    page: PageRequest,
) -> Result<Page<Offer>, StoreError> {
    let mut query = o::slot_offers
        .filter(o::clinic_id.eq(clinic_id))
        .filter(o::id.gt(page.after_id.unwrap_or(0)))
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(o::status.eq(status.as_str()));
    }
    let rows = query
        .order(o::id)
        .limit(page.clamped_limit() + 1)
        .select(columns::<Offer>())
        .load::<Offer>(conn)?;
    Ok(page.page(rows, |r| r.id))
}

/// Offers already made of freed time overlapping `[start, end)` on
/// `chair`: whoever turned it down (or let it run out) is not asked again.
pub fn offers_of(
    conn: &mut DbConnection,
    clinic_id: i64,
    chair_id: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<Offer>, StoreError> {
    Ok(o::slot_offers
        .filter(o::clinic_id.eq(clinic_id).and(o::chair_id.eq(chair_id)))
        .filter(o::freed_starts_at.lt(instant(end)))
        .filter(o::freed_ends_at.gt(instant(start)))
        .select(columns::<Offer>())
        .load::<Offer>(conn)?)
}

/// Open offers that ran out by `now`.
pub fn offers_run_out(
    conn: &mut DbConnection,
    clinic_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<Offer>, StoreError> {
    Ok(o::slot_offers
        .filter(o::clinic_id.eq(clinic_id))
        .filter(o::status.eq(OfferStatus::Open.as_str()))
        .filter(o::expires_at.le(instant(now)))
        .order(o::id)
        .select(columns::<Offer>())
        .load::<Offer>(conn)?)
}

/// Closes an offer read at `version` with its answer (or its expiry).
pub fn close_offer(
    conn: &mut DbConnection,
    clinic_id: i64,
    id: i64,
    version: i64,
    status: OfferStatus,
) -> Result<Offer, StoreError> {
    let updated = diesel::update(
        o::slot_offers.filter(
            o::clinic_id
                .eq(clinic_id)
                .and(o::id.eq(id))
                .and(o::version.eq(version)),
        ),
    )
    .set((
        o::status.eq(status.as_str()),
        o::decided_at.eq(Some(now())),
        o::version.eq(o::version + 1),
    ))
    .execute(conn)?;
    if updated == 0 {
        return Err(version_miss(true, "offer", id));
    }
    get_offer(conn, clinic_id, id)
}

/// Puts a patient on the waiting list for `protocol_id`.
pub fn wait(
    conn: &mut DbConnection,
    clinic_id: i64,
    patient_id: i64,
    protocol_id: i64,
    since: DateTime<Utc>,
) -> Result<Waiting, StoreError> {
    Ok(diesel::insert_into(w::waitlist)
        .values((
            w::clinic_id.eq(clinic_id),
            w::patient_id.eq(patient_id),
            w::protocol_id.eq(protocol_id),
            w::since.eq(instant(since)),
            w::status.eq(WaitingStatus::Waiting.as_str()),
        ))
        .returning(columns::<Waiting>())
        .get_result::<Waiting>(conn)?)
}

/// One waiting-list entry.
pub fn get_waiting(
    conn: &mut DbConnection,
    clinic_id: i64,
    id: i64,
) -> Result<Waiting, StoreError> {
    w::waitlist
        .filter(w::clinic_id.eq(clinic_id).and(w::id.eq(id)))
        .select(columns::<Waiting>())
        .first::<Waiting>(conn)
        .optional()?
        .ok_or(StoreError::not_found("waiting-list entry"))
}

/// The waiting list (in one status, if given), by id, a page at a time.
pub fn waiting_list(
    conn: &mut DbConnection,
    clinic_id: i64,
    status: Option<WaitingStatus>,
    page: PageRequest,
) -> Result<Page<Waiting>, StoreError> {
    let mut query = w::waitlist
        .filter(w::clinic_id.eq(clinic_id))
        .filter(w::id.gt(page.after_id.unwrap_or(0)))
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(w::status.eq(status.as_str()));
    }
    let rows = query
        .order(w::id)
        .limit(page.clamped_limit() + 1)
        .select(columns::<Waiting>())
        .load::<Waiting>(conn)?;
    Ok(page.page(rows, |r| r.id))
}

/// Patients still waiting, longest waiting first (at most `limit`).
pub fn still_waiting(
    conn: &mut DbConnection,
    clinic_id: i64,
    limit: i64,
) -> Result<Vec<Waiting>, StoreError> {
    Ok(w::waitlist
        .filter(w::clinic_id.eq(clinic_id))
        .filter(w::status.eq(WaitingStatus::Waiting.as_str()))
        .order((w::since, w::id))
        .limit(limit)
        .select(columns::<Waiting>())
        .load::<Waiting>(conn)?)
}

/// Moves a waiting-list entry read at `version` on.
pub fn set_waiting(
    conn: &mut DbConnection,
    clinic_id: i64,
    id: i64,
    version: i64,
    status: WaitingStatus,
    course_id: Option<i64>,
) -> Result<Waiting, StoreError> {
    let updated = diesel::update(
        w::waitlist.filter(
            w::clinic_id
                .eq(clinic_id)
                .and(w::id.eq(id))
                .and(w::version.eq(version)),
        ),
    )
    .set((
        w::status.eq(status.as_str()),
        w::course_id.eq(course_id),
        w::version.eq(w::version + 1),
    ))
    .execute(conn)?;
    if updated == 0 {
        return Err(version_miss(true, "waiting-list entry", id));
    }
    get_waiting(conn, clinic_id, id)
}
