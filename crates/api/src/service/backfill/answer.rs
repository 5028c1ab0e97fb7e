//! The answer to an offer of freed chair time: accepted (the held time
//! goes and the move or booking it held is made, judged again by the
//! course's rules, in one transaction), declined, or run out (the worker).
//! A time not taken goes back in line for the next candidate.

use chairside_engine::backfill::{OfferKind, OfferStatus, WaitingStatus};
use chairside_engine::course::{still_held, Action, SessionId, Target};
use chairside_engine::ChairId;
use chairside_store::models as m;
use chairside_store::{repo, DbConnection};
use chrono::{DateTime, Utc};
use serde_json::json;

use crate::auth::Caller;
use crate::dto::backfill::OfferView;
use crate::error::ApiError;
use crate::problem_kind::ProblemKind;
use crate::service::backfill::{freed_of, view};
use crate::service::course::act;
use crate::service::{audit, emit};

/// The offer, if it is still open at `now`.
fn open(
    conn: &mut DbConnection,
    clinic_id: i64,
    id: i64,
    now: DateTime<Utc>,
) -> Result<m::Offer, ApiError> {
    let offer = repo::backfill::get_offer(conn, clinic_id, id)?;
    let closed = |detail: String| ApiError::Conflict {
        kind: ProblemKind::OfferClosed,
        detail,
    };
    if offer.status != OfferStatus::Open {
        return Err(closed(format!("offer {id} is {}", offer.status)));
    }
    still_held(offer.expires_at, now)
        .map_err(|_| closed(format!("offer {id} ran out at {}", offer.expires_at)))?;
    Ok(offer)
}

/// Accepts an open offer: its course takes the time.
pub fn accept(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    id: i64,
    now: DateTime<Utc>,
) -> Result<OfferView, ApiError> {
    let offer = open(conn, clinic_id, id, now)?;
    if let Some(held) = offer.held_session_id {
        repo::held_times::let_go(conn, clinic_id, held)?;
    }
    let (chair, start) = (ChairId(offer.chair_id), offer.starts_at);
    let action = match (offer.kind, offer.session_id) {
        (OfferKind::Rescue, moving) => Action::Rescue {
            chair,
            start,
            moving: moving.map(SessionId),
        },
        (OfferKind::Earlier, Some(session)) => Action::Reschedule {
            session: SessionId(session),
            to: Target::At {
                chair: Some(chair),
                start,
            },
            reason: "moved earlier into freed chair time (offer accepted)".into(),
            override_reason: None,
        },
        (OfferKind::FirstCourse, _) => Action::ConfirmHold,
        (OfferKind::Earlier, None) => {
            return Err(ApiError::Internal(format!("offer {id} moves no session")))
        }
    };
    act::act(
        conn,
        caller,
        clinic_id,
        offer.course_id,
        &action,
        now,
        |_, _, _, _| Ok(()),
    )?;
    if let Some(entry) = offer.waitlist_id {
        let course = Some(offer.course_id);
        now_waiting(conn, clinic_id, entry, WaitingStatus::Booked, course)?;
    }
    let accepted =
        repo::backfill::close_offer(conn, clinic_id, id, offer.version, OfferStatus::Accepted)?;
    announce(conn, caller, &accepted, "slot.offer_accepted")?;
    let zone = repo::clinics::get(conn, clinic_id)?.time_zone;
    Ok(view(zone, &accepted))
}

/// Declines an open offer: the time goes to the next in line.
pub fn decline(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    id: i64,
    now: DateTime<Utc>,
) -> Result<OfferView, ApiError> {
    let offer = open(conn, clinic_id, id, now)?;
    let declined = close(conn, caller, &offer, OfferStatus::Declined, now)?;
    let zone = repo::clinics::get(conn, clinic_id)?.time_zone;
    Ok(view(zone, &declined))
}

/// Closes an offer not taken (declined, or run out): its hold is let go,
/// a waiting patient waits again, and the freed time is queued for the
/// next in line.
pub fn close(
    conn: &mut DbConnection,
    caller: &Caller,
    offer: &m::Offer,
    status: OfferStatus,
    now: DateTime<Utc>,
) -> Result<m::Offer, ApiError> {
    let clinic_id = offer.clinic_id;
    let closed = repo::backfill::close_offer(conn, clinic_id, offer.id, offer.version, status)?;
    if let Some(held) = offer.held_session_id {
        repo::held_times::let_go(conn, clinic_id, held)?;
    }
    if let Some(entry) = offer.waitlist_id {
        // The course hold's own worker may have let it go already.
        if repo::courses::get(conn, clinic_id, offer.course_id)?
            .held_until
            .is_some()
        {
            let release = Action::ReleaseHold {
                expired: status == OfferStatus::Expired,
            };
            act::act(
                conn,
                caller,
                clinic_id,
                offer.course_id,
                &release,
                now,
                |_, _, _, _| Ok(()),
            )?;
        }
        now_waiting(conn, clinic_id, entry, WaitingStatus::Waiting, None)?;
    }
    repo::backfill::free(conn, clinic_id, &[freed_of(offer)])?;
    let event = match status {
        OfferStatus::Expired => "slot.offer_expired",
        _ => "slot.offer_declined",
    };
    announce(conn, caller, &closed, event)?;
    Ok(closed)
}

/// Moves a waiting-list entry on, as it stands now.
fn now_waiting(
    conn: &mut DbConnection,
    clinic_id: i64,
    entry: i64,
    status: WaitingStatus,
    course: Option<i64>,
) -> Result<(), ApiError> {
    let version = repo::backfill::get_waiting(conn, clinic_id, entry)?.version;
    repo::backfill::set_waiting(conn, clinic_id, entry, version, status, course)?;
    Ok(())
}

/// The event and audit row of an offer's answer: ids and times only.
fn announce(
    conn: &mut DbConnection,
    caller: &Caller,
    offer: &m::Offer,
    event: &str,
) -> Result<(), ApiError> {
    let payload = json!({ "offer_id": offer.id, "kind": offer.kind, "status": offer.status,
        "course_id": offer.course_id, "session_id": offer.session_id, "chair_id": offer.chair_id,
        "start": offer.starts_at, "end": offer.ends_at });
    emit(
        conn,
        offer.clinic_id,
        event,
        offer.course_id,
        payload.clone(),
    )?;
    audit(
        conn,
        caller,
        Some(offer.clinic_id),
        event,
        "offer",
        Some(offer.id),
        None,
        Some(payload),
    )
}
