//! The day sheet: every chair's sessions on one clinic-local date, with
//! what a picture of the day needs — the opening hours and closures as
//! instants (so a 23- or 25-hour day is drawn as long as it is), each
//! session's treatment and segments (pre-dose check, treatment,
//! monitoring), the patient's display name (an authenticated read, as the
//! patient's own record is), a session running over, and the staff
//! coverage when the clinic plans with staff.

use std::collections::HashMap;

use chairside_engine::staff::CoverageSlot;
use chairside_engine::{Interval, Modality, Planner};
use chairside_store::models as m;
use chairside_store::{repo, DbConnection};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::dto::session::SessionView;
use crate::error::ApiError;
use crate::service::{horizon, overruns, today};
use crate::views;

/// A span of time, UTC.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, ToSchema)]
pub struct Span {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// A closure or a chair block, as it touches the day.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ClosedSpan {
    /// The chair blocked; absent when the whole clinic is closed.
    pub chair_id: Option<i64>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Where the chair interval's parts begin: the pre-dose check runs from
/// the start, then treatment, then monitoring to the end.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, ToSchema)]
pub struct Segments {
    pub treatment_start: DateTime<Utc>,
    pub monitoring_start: DateTime<Utc>,
}

/// A checked-in session holding its chair past what was booked.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, ToSchema)]
pub struct RunningOverView {
    /// The chair is held until then.
    pub until: DateTime<Utc>,
    /// Minutes late the patient arrived.
    pub late_by_minutes: i64,
    /// The hold reaches the chair's next booking.
    pub reaches_next: bool,
}

/// A session on the sheet.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SheetSession {
    #[serde(flatten)]
    pub session: SessionView,
    pub modality: Modality,
    pub segments: Segments,
    /// The patient's display name (this read is authenticated; it is never
    /// in an event, a log or a URL).
    pub patient_name: String,
    /// Set while it runs over (today only).
    pub running_over: Option<RunningOverView>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ChairDay {
    pub chair_id: i64,
    pub label: String,
    /// Whether it is in service.
    pub active: bool,
    /// Its sessions that day (every status), by start.
    pub sessions: Vec<SheetSession>,
}

/// Every chair's sessions for one local date.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DaySheet {
    /// The local date.
    pub date: NaiveDate,
    /// The clinic's zone.
    pub zone: String,
    /// The clinic's clock when read (not part of the ETag).
    pub now: DateTime<Utc>,
    /// Sessions start on this grid (minutes from local midnight).
    pub grid_minutes: u32,
    /// The opening hours that day, as instants.
    pub opening: Vec<Span>,
    /// Closures and chair blocks touching the day, clipped to it.
    pub closures: Vec<ClosedSpan>,
    /// The chairs in stable order.
    pub chairs: Vec<ChairDay>,
    /// Where the day is tight: per grid slot over the opening hours, each
    /// role's need at the busiest instant and cover at the thinnest (only
    /// when the clinic plans with staff).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub coverage: Vec<CoverageSlot>,
}

impl DaySheet {
    /// What the sheet's ETag is made of: everything but the clock.
    pub fn version(&self) -> impl Serialize + '_ {
        (
            &self.date,
            &self.opening,
            &self.closures,
            &self.chairs,
            &self.coverage,
        )
    }
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
    let any_status = repo::sessions::SessionFilter {
        range: Some((from, to)),
        ..Default::default()
    };
    let sessions: Vec<m::Session> = repo::sessions::all(conn, clinic_id, &any_status)?
        .into_iter()
        .filter(|s| s.starts_at.with_timezone(&zone).date_naive() == date)
        .collect();
    let on_sheet = SheetSessions::load(conn, &clinic, &sessions, date == today(zone, now), now)?;
    let chairs = repo::chairs::list(conn, clinic_id)?
        .iter()
        .map(|chair| ChairDay {
            chair_id: chair.id,
            label: chair.label.clone(),
            active: chair.active,
            sessions: sessions
                .iter()
                .filter(|s| s.chair_id == chair.id)
                .map(|s| on_sheet.show(zone, s))
                .collect(),
        })
        .collect();
    Ok(DaySheet {
        date,
        zone: zone.name().to_string(),
        now,
        grid_minutes: clinic.settings.start_grid_minutes,
        opening: opening(&clinic, date),
        closures: closed(conn, &clinic, Interval::new(from, to))?,
        chairs,
        coverage: coverage_of(conn, &clinic, date, now)?,
    })
}

/// What the sheet shows of its sessions beyond the session itself.
struct SheetSessions {
    protocols: HashMap<i64, chairside_engine::Protocol>,
    names: HashMap<i64, String>,
    over: HashMap<i64, RunningOverView>,
}

impl SheetSessions {
    fn load(
        conn: &mut DbConnection,
        clinic: &m::Clinic,
        sessions: &[m::Session],
        today: bool,
        now: DateTime<Utc>,
    ) -> Result<SheetSessions, ApiError> {
        let protocols =
            repo::floor::protocols_of(conn, clinic.id, sessions.iter().map(|s| s.course_id))?;
        let mut patients: Vec<i64> = sessions.iter().map(|s| s.patient_id).collect();
        patients.sort_unstable();
        patients.dedup();
        let names = repo::patients::display_names(conn, clinic.id, &patients)?;
        let mut over = HashMap::new();
        if today {
            for o in overruns::running_over(conn, clinic.id, now)?.1 {
                over.insert(
                    o.session.id,
                    RunningOverView {
                        until: o.hold.until,
                        late_by_minutes: o.hold.late_by_minutes,
                        reaches_next: !o.reaches.is_empty(),
                    },
                );
            }
        }
        Ok(SheetSessions {
            protocols,
            names,
            over,
        })
    }

    fn show(&self, zone: chrono_tz::Tz, s: &m::Session) -> SheetSession {
        let protocol = self.protocols.get(&s.course_id);
        let chair_time = protocol.map(|p| p.chair_time);
        let treatment_start = s.starts_at
            + Duration::minutes(chair_time.map_or(0, |c| i64::from(c.pre_dose_check_minutes)));
        let monitoring_start = treatment_start
            + Duration::minutes(chair_time.map_or(0, |c| i64::from(c.treatment_minutes)));
        SheetSession {
            session: views::session(zone, s),
            modality: protocol.map_or(Modality::Iv, |p| p.modality),
            segments: Segments {
                treatment_start,
                monitoring_start: monitoring_start.min(s.ends_at),
            },
            patient_name: self.names.get(&s.patient_id).cloned().unwrap_or_default(),
            running_over: self.over.get(&s.id).copied(),
        }
    }
}

/// The clinic's opening ranges on `date`, as instants.
fn opening(clinic: &m::Clinic, date: NaiveDate) -> Vec<Span> {
    use chrono::Datelike;
    clinic
        .opening_hours
        .on(date.weekday())
        .iter()
        .map(|r| Span {
            start: r.opens_at(clinic.time_zone, date),
            end: r.closes_at(clinic.time_zone, date),
        })
        .filter(|s| s.start < s.end)
        .collect()
}

/// Closures and chair blocks touching `day`, clipped to it.
fn closed(
    conn: &mut DbConnection,
    clinic: &m::Clinic,
    day: Interval,
) -> Result<Vec<ClosedSpan>, ApiError> {
    Ok(repo::closures::list(conn, clinic.id)?
        .into_iter()
        .filter_map(|c| {
            let span = c.span.instants(clinic.time_zone)?;
            let (start, end) = (span.start.max(day.start), span.end.min(day.end));
            (start < end).then_some(ClosedSpan {
                chair_id: c.chair_id,
                start,
                end,
            })
        })
        .collect())
}

/// The day's staff coverage per slot, if the clinic plans with staff.
fn coverage_of(
    conn: &mut DbConnection,
    clinic: &m::Clinic,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<CoverageSlot>, ApiError> {
    if !clinic.settings.plan_with_staff {
        return Ok(Vec::new());
    }
    let (from, to) = horizon(clinic.time_zone, date, 0)?;
    let book = repo::calendar::snapshot_of(conn, clinic.clone(), from, to)?;
    let (calendar, occupancy) = (book.calendar(), book.occupancy_without(None, now));
    Ok(Planner::new(&calendar, &occupancy)?.coverage_profile(date))
}
