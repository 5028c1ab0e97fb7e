//! The waiting list: patients waiting for a first course, offered freed
//! chair time after at-risk courses and earlier moves, longest waiting
//! first. Their preferences are the patient's own.

use chairside_engine::backfill::WaitingStatus;
use chairside_store::models::{self as m, PageRequest};
use chairside_store::{repo, DbConnection};
use chrono::{DateTime, Utc};

use crate::auth::Caller;
use crate::dto::backfill::{JoinWaitlist, WaitingView};
use crate::dto::common::Page;
use crate::error::ApiError;
use crate::pagination::encode;
use crate::problem_kind::ProblemKind;
use crate::service::{audit, protocols, taken};

/// The entry as the API shows it.
pub fn view(w: &m::Waiting) -> WaitingView {
    WaitingView {
        id: w.id,
        patient_id: w.patient_id,
        protocol_id: w.protocol_id,
        since: w.since,
        status: w.status,
        course_id: w.course_id,
    }
}

/// Puts a patient on the waiting list (once per protocol while waiting).
pub fn join(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    request: &JoinWaitlist,
    now: DateTime<Utc>,
) -> Result<WaitingView, ApiError> {
    repo::patients::get(conn, clinic_id, request.patient_id).map_err(|e| {
        let detail = format!("patient {} is not in this clinic", request.patient_id);
        ApiError::unknown_reference(e, "patient_id", detail)
    })?;
    protocols::latest(conn, clinic_id, request.protocol_id).map_err(|e| {
        let detail = format!("protocol {} is not in this clinic", request.protocol_id);
        ApiError::unknown_reference(e, "protocol_id", detail)
    })?;
    let duplicate = "the patient is already waiting for this protocol".to_string();
    let entry = repo::backfill::wait(
        conn,
        clinic_id,
        request.patient_id,
        request.protocol_id,
        now,
    )
    .map_err(taken(ProblemKind::Duplicate, duplicate))?;
    let shown = view(&entry);
    let after = serde_json::to_value(&shown).expect("views serialise");
    audit(
        conn,
        caller,
        Some(clinic_id),
        "waitlist.joined",
        "waitlist",
        Some(entry.id),
        None,
        Some(after),
    )?;
    Ok(shown)
}

/// The waiting list, a page at a time.
pub fn list(
    conn: &mut DbConnection,
    clinic_id: i64,
    status: Option<WaitingStatus>,
    page: PageRequest,
) -> Result<Page<WaitingView>, ApiError> {
    repo::clinics::get(conn, clinic_id)?;
    let rows = repo::backfill::waiting_list(conn, clinic_id, status, page)?;
    Ok(Page {
        items: rows.items.iter().map(view).collect(),
        next_cursor: rows.next_after_id.map(encode),
    })
}

/// Takes a waiting patient off the list (an entry offered time waits for
/// its offer's answer; a booked one is done).
pub fn withdraw(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    id: i64,
) -> Result<WaitingView, ApiError> {
    let entry = repo::backfill::get_waiting(conn, clinic_id, id)?;
    if entry.status != WaitingStatus::Waiting {
        return Err(ApiError::Conflict {
            kind: ProblemKind::OfferClosed,
            detail: format!(
                "the entry is {}: only a waiting patient is taken off the list",
                entry.status
            ),
        });
    }
    let gone = repo::backfill::set_waiting(
        conn,
        clinic_id,
        id,
        entry.version,
        WaitingStatus::Withdrawn,
        None,
    )?;
    let after = serde_json::to_value(view(&gone)).expect("views serialise");
    audit(
        conn,
        caller,
        Some(clinic_id),
        "waitlist.withdrawn",
        "waitlist",
        Some(id),
        None,
        Some(after),
    )?;
    Ok(view(&gone))
}
