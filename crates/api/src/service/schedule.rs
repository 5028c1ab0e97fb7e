//! The front desk's view of open time: availability. (The day sheet is
//! `day_sheet.rs`.)

use chairside_engine::{AvailabilityRequest, OpenStart};
use chairside_store::{repo, DbConnection};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::dto::session::LocalTimes;
use crate::error::ApiError;
use crate::service::{horizon, protocols};
use crate::views;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OpenStartView {
    pub chair_id: i64,
    /// Start of the chair interval, UTC.
    pub start: DateTime<Utc>,
    /// End of the chair interval, UTC.
    pub end: DateTime<Utc>,
    /// In clinic time.
    pub local: LocalTimes,
}

/// Open starts for a protocol's chair time.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AvailabilityView {
    /// The protocol whose chair time was used.
    pub protocol_id: i64,
    /// Minutes a session holds its chair.
    pub chair_minutes: i64,
    /// Every (chair, start) where a whole session fits, by time then chair order.
    pub starts: Vec<OpenStartView>,
}

/// Open starts per chair for local dates `from..=to`.
pub fn availability(
    conn: &mut DbConnection,
    clinic_id: i64,
    protocol_id: i64,
    (from, to): (NaiveDate, NaiveDate),
    chair_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<AvailabilityView, ApiError> {
    let (_, version) = protocols::latest(conn, clinic_id, protocol_id).map_err(|e| {
        ApiError::unknown_reference(
            e,
            "protocol_id",
            format!("protocol {protocol_id} is not in this clinic"),
        )
    })?;
    let protocol = version.definition;
    let days = (to - from).num_days();
    let zone = repo::clinics::get(conn, clinic_id)?.time_zone;
    let (start, end) = horizon(zone, from, days.max(0))?;
    let book = repo::calendar::snapshot(conn, clinic_id, start, end)?;
    let (calendar, occupancy) = (book.calendar(), book.occupancy_without(None, now));
    let open = chairside_engine::Planner::new(&calendar, &occupancy)?.availability(
        &AvailabilityRequest {
            modality: protocol.modality,
            chair_time: protocol.chair_time,
            from,
            to,
            staffing: protocol.staffing.clone(),
        },
    )?;
    let starts = open
        .iter()
        .filter(|o: &&OpenStart| chair_id.is_none_or(|c| o.chair.0 == c))
        .map(|o| OpenStartView {
            chair_id: o.chair.0,
            start: o.start,
            end: o.end,
            local: views::local_times(zone, o.start, o.end),
        })
        .collect();
    Ok(AvailabilityView {
        protocol_id,
        chair_minutes: protocol.chair_time.total().num_minutes(),
        starts,
    })
}
