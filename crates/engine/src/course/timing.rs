//! When an action that records what happened can have happened (domain:
//! "Counting, omitting and time"), in clinic time: check-in on the
//! session's local day from shortly before its start; no-show only after
//! the start plus a grace period. The clock is the caller's `now`.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use crate::course::model::CourseSession;
use crate::local_time::{local_date, start_of_local_day};
use crate::settings::ClinicSettings;

/// When the desk may check the patient in: from the lead before the start
/// (never before the session's local day begins) until the session ends.
pub fn check_in_window(
    zone: Tz,
    session: &CourseSession,
    settings: &ClinicSettings,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let lead = Duration::minutes(i64::from(settings.check_in_opens_minutes_before));
    let day_starts = start_of_local_day(zone, local_date(zone, session.start));
    ((session.start - lead).max(day_starts), session.end)
}

/// From when a patient who has not come may be marked no-show.
pub fn no_show_from(session: &CourseSession, settings: &ClinicSettings) -> DateTime<Utc> {
    session.start + Duration::minutes(i64::from(settings.no_show_grace_minutes))
}

/// From when Chairside marks a patient who has not come no-show on its own.
pub fn automatic_no_show_from(session: &CourseSession, settings: &ClinicSettings) -> DateTime<Utc> {
    session.start
        + Duration::minutes(i64::from(
            settings
                .no_show_after_minutes
                .max(settings.no_show_grace_minutes),
        ))
}
