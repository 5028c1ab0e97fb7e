//! Reminders that fall due soon, for integrations that poll.

use std::collections::HashMap;

use chairside_engine::reminders::reminder_due;
use chairside_engine::DayOfInstructions;
use chairside_store::models::SessionStatus;
use chairside_store::repo::{self, sessions::SessionFilter};
use chairside_store::DbConnection;
use chrono::{DateTime, Duration, Utc};

use crate::dto::reminder::ReminderView;
use crate::error::ApiError;
use crate::views;

/// The longest look-ahead a poll may ask for.
pub const MAX_WITHIN: Duration = Duration::days(14);

/// Reminders due in `(now, now + within]` for booked sessions of a clinic,
/// by due time, each with its protocol's day-of instructions.
pub fn upcoming(
    conn: &mut DbConnection,
    clinic_id: i64,
    within: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<ReminderView>, ApiError> {
    let clinic = repo::clinics::get(conn, clinic_id)?;
    let zone = clinic.time_zone;
    let settings = &clinic.settings;
    let longest = settings
        .reminder_lead_times_minutes
        .iter()
        .copied()
        .max()
        .unwrap_or(0);
    let until = now + within;
    let filter = SessionFilter {
        range: Some((
            now,
            until + Duration::minutes(i64::from(longest)) + Duration::days(1),
        )),
        statuses: Some(vec![SessionStatus::Booked]),
        course_id: None,
        patient_id: None,
        chair_id: None,
    };
    let sessions = repo::sessions::all(conn, clinic_id, &filter)?;
    // A held course's sessions are not the patient's yet: no reminder.
    let held = repo::courses::held(conn, clinic_id)?;
    let mut instructions: HashMap<i64, DayOfInstructions> = HashMap::new();
    let mut due = Vec::new();
    for session in sessions
        .iter()
        .filter(|s| s.starts_at > now && !held.contains(&s.course_id))
    {
        for &lead in &settings.reminder_lead_times_minutes {
            let at = reminder_due(zone, session.starts_at, lead);
            if at <= now || at > until {
                continue;
            }
            let protocol = match instructions.entry(session.course_id) {
                std::collections::hash_map::Entry::Occupied(found) => found.into_mut(),
                std::collections::hash_map::Entry::Vacant(slot) => {
                    let course = repo::courses::get(conn, clinic_id, session.course_id)?;
                    let version =
                        repo::protocols::get_version(conn, clinic_id, course.protocol_version_id)?;
                    slot.insert(version.definition.instructions)
                }
            };
            due.push(ReminderView {
                due_at: at,
                lead_minutes: lead,
                session: views::session(zone, session),
                instructions: protocol.clone(),
            });
        }
    }
    due.sort_by_key(|r| (r.due_at, r.session.id));
    Ok(due)
}

/// Parses `48h`, `90m`, `2d` into a duration of at most [`MAX_WITHIN`].
pub fn parse_within(text: &str) -> Result<Duration, ApiError> {
    let bad = || ApiError::invalid_field("within", "a duration like 90m, 48h or 2d, at most 14d");
    let Some(split) = text
        .len()
        .checked_sub(1)
        .filter(|&i| text.is_char_boundary(i))
    else {
        return Err(bad());
    };
    let (number, unit) = text.split_at(split);
    let n: i64 = number.parse().map_err(|_| bad())?;
    // Checked: a number of hours beyond any clock is refused, not a panic.
    let d = match unit {
        "m" => Duration::try_minutes(n),
        "h" => Duration::try_hours(n),
        "d" => Duration::try_days(n),
        _ => return Err(bad()),
    };
    match d {
        Some(d) if n > 0 && d <= MAX_WITHIN => Ok(d),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_accepts_minutes_hours_days_up_to_two_weeks() {
        assert_eq!(parse_within("48h").unwrap(), Duration::hours(48));
        assert_eq!(parse_within("90m").unwrap(), Duration::minutes(90));
        assert_eq!(parse_within("14d").unwrap(), Duration::days(14));
        for bad in [
            "",
            "h",
            "15d",
            "0h",
            "-1h",
            "3w",
            "1.5h",
            "9999999999999999h",
            "999999999999999m",
            "999999999999999d",
            "-9223372036854775808h",
            "99999999999999999999d",
            "2é",
        ] {
            assert!(parse_within(bad).is_err(), "{bad}");
        }
    }
}
