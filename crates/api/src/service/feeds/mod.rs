//! Calendar feeds: a patient's sessions at a secret, revocable URL for a
//! phone calendar, and a clinic's chair board for staff.
//!
//! Both are iCalendar documents written by [`crate::ical`]. What goes into
//! an event follows the privacy rule for schedules: the UID names the clinic
//! and the session, the summary names a chair, and neither names the
//! patient. A patient's feed is found by its secret token ([`token`]).

mod token;

use std::collections::HashMap;

use chairside_engine::DayOfInstructions;
use chairside_store::models as m;
use chairside_store::repo::sessions::SessionFilter;
use chairside_store::{repo, sha256_hex, DbConnection};
use chrono::{DateTime, Duration, Utc};

use crate::error::ApiError;
use crate::ical::{Calendar, Event, EventStatus};
use token::token_clinic;
pub use token::{feed_path, issue_token, revoke_token, CalendarToken};

/// Past sessions a feed still shows.
const FEED_PAST_DAYS: i64 = 30;
/// Future sessions a feed shows.
const FEED_FUTURE_DAYS: i64 = 400;
/// The product id of every feed.
const PRODID: &str = "-//Chairside//Calendar feed 1.0//EN";

fn unknown_feed() -> ApiError {
    ApiError::NotFound("no such calendar feed; it may have been revoked".into())
}

/// The feed of the patient holding `token`: every session of theirs in the
/// clinic, from 30 days ago to 400 days ahead. Unknown or revoked: 404.
pub fn patient_feed(
    conn: &mut DbConnection,
    token: &str,
    now: DateTime<Utc>,
) -> Result<String, ApiError> {
    let clinic_id = token_clinic(token).ok_or_else(unknown_feed)?;
    let patient = repo::patients::find_by_calendar_token_hash(conn, clinic_id, &sha256_hex(token))?
        .ok_or_else(unknown_feed)?;
    let clinic = repo::clinics::get(conn, clinic_id)?;
    let sessions = sessions_in_window(conn, clinic_id, Some(patient.id), now)?;
    let mut facts = CourseFacts::new(conn, clinic_id)?;
    let mut calendar = Calendar::new(PRODID, "Treatment sessions");
    for session in &sessions {
        let (chair, course) = facts.of(conn, session)?;
        let cancelled = is_cancelled(session.status);
        let summary = format!(
            "{}Treatment session, {chair}",
            if cancelled { "Cancelled: " } else { "" }
        );
        let description = if cancelled {
            "This session is cancelled.".to_string()
        } else {
            format!("Before you come:\n{}", day_of(&course.instructions))
        };
        calendar.event(&event(&clinic, session, summary, description));
    }
    Ok(calendar.finish())
}

/// The clinic's chair board: every session, same window and UIDs as the
/// patients' feeds, titled by chair, never by patient.
pub fn clinic_feed(
    conn: &mut DbConnection,
    clinic_id: i64,
    now: DateTime<Utc>,
) -> Result<String, ApiError> {
    let clinic = repo::clinics::get(conn, clinic_id)?;
    let sessions = sessions_in_window(conn, clinic_id, None, now)?;
    let mut facts = CourseFacts::new(conn, clinic_id)?;
    let mut calendar = Calendar::new(PRODID, &format!("{}: chair board", clinic.name));
    for session in &sessions {
        let (chair, course) = facts.of(conn, session)?;
        let summary = format!(
            "{}{chair}: session",
            if is_cancelled(session.status) {
                "Cancelled: "
            } else {
                ""
            }
        );
        let phase = course
            .phases
            .get(session.phase_index as usize)
            .map_or("phase", String::as_str);
        let description = format!(
            "{}: {phase} session {}.\nCourse {}, session id {}.\nStatus: {}.\n\nDay-of instructions:\n{}",
            course.protocol,
            session.sequence,
            session.course_id,
            session.id,
            session.status.as_str().replace('_', " "),
            day_of(&course.instructions),
        );
        calendar.event(&event(&clinic, session, summary, description));
    }
    Ok(calendar.finish())
}

/// Cancelled, or should never have existed: either way, not happening.
fn is_cancelled(status: m::SessionStatus) -> bool {
    matches!(
        status,
        m::SessionStatus::Cancelled | m::SessionStatus::EnteredInError
    )
}

fn event(clinic: &m::Clinic, session: &m::Session, summary: String, description: String) -> Event {
    Event {
        // Ids only: the UID travels into every subscriber's calendar store.
        uid: format!("session-{}-{}@chairside", clinic.id, session.id),
        // The session's version grows on every change (move, status), which
        // is what SEQUENCE must do for a client to take the new version.
        sequence: session.version,
        stamp: session.updated_at,
        start: session.starts_at,
        end: session.ends_at,
        summary,
        description,
        location: clinic.name.clone(),
        status: if is_cancelled(session.status) {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        },
    }
}

/// Sessions overlapping `[now - 30 days, now + 400 days)`, every status, by
/// start then id (a stable order keeps the body, and so the ETag, stable).
fn sessions_in_window(
    conn: &mut DbConnection,
    clinic_id: i64,
    patient_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Vec<m::Session>, ApiError> {
    let filter = SessionFilter {
        range: Some((
            now - Duration::days(FEED_PAST_DAYS),
            now + Duration::days(FEED_FUTURE_DAYS),
        )),
        patient_id,
        ..SessionFilter::default()
    };
    Ok(repo::sessions::all(conn, clinic_id, &filter)?)
}

/// What a feed says about a course's protocol revision.
struct Course {
    protocol: String,
    phases: Vec<String>,
    instructions: DayOfInstructions,
}

/// Chair labels and course facts, each loaded once per feed.
struct CourseFacts {
    clinic_id: i64,
    chairs: HashMap<i64, String>,
    courses: HashMap<i64, Course>,
}

impl CourseFacts {
    fn new(conn: &mut DbConnection, clinic_id: i64) -> Result<Self, ApiError> {
        let chairs = repo::chairs::list(conn, clinic_id)?
            .into_iter()
            .map(|c| (c.id, c.label))
            .collect();
        Ok(CourseFacts {
            clinic_id,
            chairs,
            courses: HashMap::new(),
        })
    }

    /// The chair label and the course facts of a session.
    fn of(
        &mut self,
        conn: &mut DbConnection,
        session: &m::Session,
    ) -> Result<(String, &Course), ApiError> {
        let chair = self
            .chairs
            .get(&session.chair_id)
            .cloned()
            .unwrap_or_else(|| format!("chair {}", session.chair_id));
        if !self.courses.contains_key(&session.course_id) {
            let course = repo::courses::get(conn, self.clinic_id, session.course_id)?;
            let version =
                repo::protocols::get_version(conn, self.clinic_id, course.protocol_version_id)?;
            let protocol = version.definition;
            self.courses.insert(
                session.course_id,
                Course {
                    phases: protocol.phases.iter().map(|p| p.name.clone()).collect(),
                    protocol: protocol.name,
                    instructions: protocol.instructions,
                },
            );
        }
        Ok((chair, &self.courses[&session.course_id]))
    }
}

/// The day-of instructions in the patient's words, one per line.
pub fn day_of(i: &DayOfInstructions) -> String {
    let mut lines = Vec::new();
    if i.fasting_hours > 0 {
        lines.push(format!(
            "- No food for {} hour{} before your session.",
            i.fasting_hours,
            if i.fasting_hours == 1 { "" } else { "s" }
        ));
    }
    if i.arrive_early_minutes > 0 {
        lines.push(format!(
            "- Arrive {} minutes early for your vital signs check.",
            i.arrive_early_minutes
        ));
    }
    if i.driver_required {
        lines.push("- A responsible adult must drive you home.".to_string());
    }
    if i.no_driving_until_next_day {
        lines.push("- Do not drive until the next day.".to_string());
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_of_instructions_say_each_rule() {
        let text = day_of(&DayOfInstructions {
            fasting_hours: 6,
            arrive_early_minutes: 15,
            driver_required: true,
            no_driving_until_next_day: true,
        });
        assert_eq!(
            text,
            "- No food for 6 hours before your session.\n\
             - Arrive 15 minutes early for your vital signs check.\n\
             - A responsible adult must drive you home.\n\
             - Do not drive until the next day."
        );
    }
}
