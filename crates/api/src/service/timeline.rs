//! A course across weeks, as a picture of it needs it: its doses by day,
//! each phase's band, the series' windows (the engine's `dose_windows`:
//! where each dose may fall by the rules, and whether it does), the
//! patient's scores with the baseline and the response and remission
//! lines (the clinic's thresholds), and the clinician's booster spacing
//! changes. Days count from the course's first session's local date.

use chairside_engine::course::SessionStatus;
use chairside_engine::suggestion::Instrument;
use chairside_engine::{dose_windows, PhaseKind};
use chairside_store::{repo, DbConnection};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::dto::course::CourseView;
use crate::error::ApiError;
use crate::service::clinical::{list_measures, policy_history};
use crate::service::today;
use crate::views;

/// The days a phase's sessions span.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PhaseBand {
    pub index: usize,
    pub name: String,
    pub from_day: i64,
    pub to_day: i64,
}

/// One dose (a session that is, was or will be a dose, or a miss).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DoseMark {
    pub session_id: i64,
    pub phase: i32,
    pub sequence: i32,
    pub day: i64,
    pub date: NaiveDate,
    pub status: SessionStatus,
}

/// A series window, by day.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct WindowBand {
    pub phase: usize,
    /// The dose it is for (1-based); 0 for the series' span.
    pub dose: u32,
    pub from_day: i64,
    pub to_day: i64,
    /// The dose there keeps it (absent: not yet dated).
    pub kept: Option<bool>,
}

/// A score and when it was taken.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ScorePoint {
    pub measured_at: DateTime<Utc>,
    pub score: i32,
}

/// The scores of the clinic's instrument, with the lines they are read by.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ScoreChart {
    pub instrument: Instrument,
    pub baseline: Option<i32>,
    /// At or below: a response (from the baseline).
    pub response_at_most: Option<i32>,
    /// At or below: remission.
    pub remission_at_most: i32,
    pub points: Vec<ScorePoint>,
}

/// A clinician's change of booster spacing.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SpacingChange {
    pub at: DateTime<Utc>,
    pub old_interval_days: Option<i32>,
    pub new_interval_days: i32,
}

/// The protocol, by name.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ProtocolName {
    pub id: i64,
    pub revision: i32,
    pub name: String,
}

/// A course across weeks.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CourseTimeline {
    pub course: CourseView,
    pub protocol: ProtocolName,
    /// Day 0.
    pub from: NaiveDate,
    pub from_day: i64,
    pub to_day: i64,
    /// The date each week drawn starts on.
    pub week_labels: Vec<NaiveDate>,
    pub phases: Vec<PhaseBand>,
    pub doses: Vec<DoseMark>,
    pub windows: Vec<WindowBand>,
    pub scores: ScoreChart,
    pub spacing_history: Vec<SpacingChange>,
}

pub fn timeline(
    conn: &mut DbConnection,
    clinic_id: i64,
    course_id: i64,
    now: DateTime<Utc>,
) -> Result<CourseTimeline, ApiError> {
    let row = repo::courses::get(conn, clinic_id, course_id)?;
    let version = repo::protocols::get_version(conn, clinic_id, row.protocol_version_id)?;
    let clinic = repo::clinics::get(conn, clinic_id)?;
    let sessions = repo::sessions::for_course(conn, clinic_id, course_id)?;
    let (id, revision) = (version.protocol_id, version.revision);
    let course = views::course(clinic.time_zone, &row, id, revision, &sessions);
    let from = course
        .sessions
        .iter()
        .map(|s| s.local.date)
        .min()
        .unwrap_or_else(|| today(clinic.time_zone, now));
    let day = |d: NaiveDate| (d - from).num_days();
    let doses: Vec<DoseMark> = course
        .sessions
        .iter()
        .filter(|s| s.status != SessionStatus::EnteredInError)
        .map(|s| DoseMark {
            session_id: s.id,
            phase: s.phase,
            sequence: s.sequence,
            day: day(s.local.date),
            date: s.local.date,
            status: s.status,
        })
        .collect();
    let to_day = doses.iter().map(|d| d.day).max().unwrap_or(0).max(27);
    let protocol = &version.definition;
    let (phases, windows) = bands_and_windows(protocol, &doses, from);
    Ok(CourseTimeline {
        protocol: ProtocolName {
            id: version.protocol_id,
            revision: version.revision,
            name: protocol.name.clone(),
        },
        week_labels: (0..=to_day / 7)
            .map(|w| from + Duration::days(7 * w))
            .collect(),
        from,
        from_day: 0,
        to_day,
        phases,
        doses,
        windows,
        scores: scores(conn, &clinic, course_id)?,
        spacing_history: spacing(conn, clinic_id, course_id)?,
        course,
    })
}

/// Each phase's band, and each series' windows (the engine's rule).
fn bands_and_windows(
    protocol: &chairside_engine::Protocol,
    doses: &[DoseMark],
    from: NaiveDate,
) -> (Vec<PhaseBand>, Vec<WindowBand>) {
    let day = |d: NaiveDate| (d - from).num_days();
    let mut phases = Vec::new();
    let mut windows = Vec::new();
    for (index, phase) in protocol.phases.iter().enumerate() {
        let days: Vec<i64> = doses
            .iter()
            .filter(|d| d.phase as usize == index)
            .map(|d| d.day)
            .collect();
        let (Some(first), Some(last)) = (days.iter().min(), days.iter().max()) else {
            continue;
        };
        phases.push(PhaseBand {
            index,
            name: phase.name.clone(),
            from_day: *first,
            to_day: *last,
        });
        if let PhaseKind::Series(rules) = &phase.kind {
            let dated: Vec<NaiveDate> = doses
                .iter()
                .filter(|d| d.phase as usize == index && d.status.is_dose())
                .map(|d| d.date)
                .collect();
            windows.extend(dose_windows(rules, &dated).into_iter().map(|w| WindowBand {
                phase: index,
                dose: w.dose,
                from_day: day(w.from),
                to_day: day(w.to),
                kept: w.kept,
            }));
        }
    }
    (phases, windows)
}

/// The clinician's booster spacing changes, oldest first.
fn spacing(
    conn: &mut DbConnection,
    clinic_id: i64,
    course_id: i64,
) -> Result<Vec<SpacingChange>, ApiError> {
    Ok(policy_history(conn, clinic_id, course_id)?
        .into_iter()
        .map(|c| SpacingChange {
            at: c.changed_at,
            old_interval_days: c.old_policy.map(|p| p.interval_days),
            new_interval_days: c.new_policy.interval_days,
        })
        .collect())
}

/// The course's scores on the clinic's instrument, and its lines.
fn scores(
    conn: &mut DbConnection,
    clinic: &chairside_store::models::Clinic,
    course_id: i64,
) -> Result<ScoreChart, ApiError> {
    let rules = clinic.settings.suggestion_rules();
    let measures: Vec<_> = list_measures(conn, clinic.id, course_id)?
        .into_iter()
        .filter(|m| m.instrument == rules.instrument)
        .collect();
    let baseline = measures.iter().find(|m| m.baseline).map(|m| m.score);
    Ok(ScoreChart {
        instrument: rules.instrument,
        baseline,
        response_at_most: baseline.and_then(|b| rules.thresholds.response_at_most(b)),
        remission_at_most: rules.thresholds.remission_at_most,
        points: measures
            .iter()
            .map(|m| ScorePoint {
                measured_at: m.measured_at,
                score: m.score,
            })
            .collect(),
    })
}
