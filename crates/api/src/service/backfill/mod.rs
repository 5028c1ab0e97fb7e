//! Backfill: chair time that frees up is offered to the one who gains most
//! within their course's rules (the engine's [`chairside_engine::backfill`]
//! says what is freed and who comes first). A course's decision queues the
//! time it frees (`service::course::act`); the worker takes it, and here
//! each candidate in turn is asked through their course's own decider —
//! nothing written — until one gains; their time is then held for them
//! (a held time, or a held course for a patient on the waiting list) and
//! offered (`slot.offered`). Accepting applies the move or booking in one
//! call; declining or running out passes the time to the next in line.

pub mod answer;
mod candidates;
pub mod waitlist;

use chairside_engine::backfill::{first_start, offer_until, FreedTime, OfferStatus};
use chairside_engine::ChairId;
use chairside_store::models::{self as m, PageRequest};
use chairside_store::{repo, DbConnection};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::dto::backfill::OfferView;
use crate::dto::common::Page;
use crate::error::ApiError;
use crate::pagination::encode;
use crate::service::emit;
use crate::views;

/// At most this many candidates are asked about one freed time (each is a
/// decision of their course's rules).
const CANDIDATES_ASKED: usize = 12;

/// The offer as the API shows it.
pub fn view(zone: Tz, o: &m::Offer) -> OfferView {
    OfferView {
        id: o.id,
        kind: o.kind,
        status: o.status,
        chair_id: o.chair_id,
        start: o.starts_at,
        end: o.ends_at,
        local: views::local_times(zone, o.starts_at, o.ends_at),
        freed_start: o.freed_starts_at,
        freed_end: o.freed_ends_at,
        course_id: o.course_id,
        session_id: o.session_id,
        waitlist_id: o.waitlist_id,
        expires_at: o.expires_at,
        created_at: o.created_at,
        decided_at: o.decided_at,
    }
}

/// The clinic's offers (in one status, if given), a page at a time.
pub fn list(
    conn: &mut DbConnection,
    clinic_id: i64,
    status: Option<OfferStatus>,
    page: PageRequest,
) -> Result<Page<OfferView>, ApiError> {
    let zone = repo::clinics::get(conn, clinic_id)?.time_zone;
    let rows = repo::backfill::offers(conn, clinic_id, status, page)?;
    Ok(Page {
        items: rows.items.iter().map(|o| view(zone, o)).collect(),
        next_cursor: rows.next_after_id.map(encode),
    })
}

/// One offer.
pub fn get(conn: &mut DbConnection, clinic_id: i64, id: i64) -> Result<OfferView, ApiError> {
    let zone = repo::clinics::get(conn, clinic_id)?.time_zone;
    Ok(view(zone, &repo::backfill::get_offer(conn, clinic_id, id)?))
}

/// Offers `freed` chair time of `clinic` at `now` to the first candidate
/// who gains from it; the offer made, if any.
pub fn offer_freed(
    conn: &mut DbConnection,
    clinic: &m::Clinic,
    freed: &FreedTime,
    now: DateTime<Utc>,
) -> Result<Option<m::Offer>, ApiError> {
    let Some(minutes) = clinic.settings.backfill_offer_minutes else {
        return Ok(None);
    };
    let zone = clinic.time_zone;
    let Some(start) = first_start(freed, clinic.settings.start_grid_minutes, zone) else {
        return Ok(None);
    };
    let Some(until) = offer_until(now, minutes, start) else {
        return Ok(None);
    };
    let asked = repo::backfill::offers_of(conn, clinic.id, freed.chair.0, freed.start, freed.end)?;
    let offered = candidates::in_line(conn, clinic, freed, now, &asked)?
        .into_iter()
        .take(CANDIDATES_ASKED)
        .find_map(|who| {
            let tried = candidates::Offering {
                clinic,
                freed,
                start,
                until,
                now,
                minutes,
            };
            tried.to(conn, who).transpose()
        })
        .transpose()?;
    if let Some(offer) = &offered {
        let payload = serde_json::to_value(view(zone, offer)).expect("views serialise");
        emit(conn, clinic.id, "slot.offered", offer.course_id, payload)?;
    }
    Ok(offered)
}

/// The freed time an offer was made of, to pass on when it is declined
/// or runs out.
pub(crate) fn freed_of(offer: &m::Offer) -> FreedTime {
    FreedTime {
        chair: ChairId(offer.chair_id),
        start: offer.freed_starts_at,
        end: offer.freed_ends_at,
    }
}
