//! The front desk's views of the calendar: availability and the day sheet.

use chairside_engine::staff::CoverageSlot;
use chairside_engine::{AvailabilityRequest, OpenStart, Planner};
use chairside_store::{repo, DbConnection};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::dto::session::{LocalTimes, SessionView};
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

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ChairDay {
    pub chair_id: i64,
    pub label: String,
    /// Whether it is in service.
    pub active: bool,
    /// Its sessions that day (every status), by start.
    pub sessions: Vec<SessionView>,
}

/// Every chair's sessions for one local date.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DaySheet {
    /// The local date.
    pub date: NaiveDate,
    /// The clinic's zone.
    pub zone: String,
    /// The chairs in stable order.
    pub chairs: Vec<ChairDay>,
    /// Where the day is tight: per grid slot over the opening hours, each
    /// role's need at the busiest instant and cover at the thinnest (only
    /// when the clinic plans with staff).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub coverage: Vec<CoverageSlot>,
}

pub fn day_sheet(
    conn: &mut DbConnection,
    clinic_id: i64,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<DaySheet, ApiError> {
    let clinic = repo::clinics::get(conn, clinic_id)?;
    let zone = clinic.time_zone;
    let (from, to) = horizon(zone, date, 0)?;
    let chairs = repo::chairs::list(conn, clinic_id)?;
    let any_status = repo::sessions::SessionFilter {
        range: Some((from, to)),
        ..Default::default()
    };
    let sessions = repo::sessions::all(conn, clinic_id, &any_status)?;
    let chairs = chairs
        .iter()
        .map(|chair| ChairDay {
            chair_id: chair.id,
            label: chair.label.clone(),
            active: chair.active,
            sessions: sessions
                .iter()
                .filter(|s| {
                    s.chair_id == chair.id && s.starts_at.with_timezone(&zone).date_naive() == date
                })
                .map(|s| views::session(zone, s))
                .collect(),
        })
        .collect();
    Ok(DaySheet {
        date,
        zone: zone.name().to_string(),
        chairs,
        coverage: coverage_of(conn, &clinic, date, now)?,
    })
}

/// The day's staff coverage per slot, if the clinic plans with staff.
fn coverage_of(
    conn: &mut DbConnection,
    clinic: &chairside_store::models::Clinic,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<CoverageSlot>, ApiError> {
    if !clinic.settings.plan_with_staff {
        return Ok(Vec::new());
    }
    let (from, to) = horizon(clinic.time_zone, date, 0)?;
    let book = repo::calendar::snapshot(conn, clinic.id, from, to)?;
    let (calendar, occupancy) = (book.calendar(), book.occupancy_without(None, now));
    Ok(Planner::new(&calendar, &occupancy)?.coverage_profile(date))
}
