//! Calendar feeds: a patient's sessions at a secret, revocable URL for a
//! phone calendar, and a clinic's chair board for staff.
//!
//! Both are iCalendar documents written by [`crate::ical`]. What goes into
//! an event follows the privacy rule for schedules: the UID names the clinic
//! and the session, the summary names a chair, and neither names the
//! patient. The patient's token is stored only as its SHA-256, and it
//! carries its clinic's id (`<clinic_id>.<43 base64url characters>`), so a
//! feed is found by an indexed lookup of the hash, never by comparing
//! tokens.

use std::collections::HashMap;

use base64::Engine;
use chairside_engine::DayOfInstructions;
use chairside_store::models::{self as m, PatientUpdate};
use chairside_store::repo::sessions::SessionFilter;
use chairside_store::{repo, sha256_hex, DbConnection};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::ical::{Calendar, Event, EventStatus};
use crate::service::audit;

/// Random bytes in a feed token.
const TOKEN_BYTES: usize = 32;
/// Characters of their unpadded base64url form.
const TOKEN_SECRET_CHARS: usize = 43;
/// Past sessions a feed still shows.
const FEED_PAST_DAYS: i64 = 30;
/// Future sessions a feed shows.
const FEED_FUTURE_DAYS: i64 = 400;
/// The product id of every feed.
const PRODID: &str = "-//Chairside//Calendar feed 1.0//EN";

/// A patient's feed token, shown once when issued.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CalendarToken {
    /// The secret. Only its hash is stored: it cannot be shown again.
    pub token: String,
    /// The feed's path on this server, to paste into a calendar app
    /// (`/calendar/<token>.ics`, no API key needed).
    pub url: String,
}

/// The feed path of a token.
pub fn feed_path(token: &str) -> String {
    format!("/calendar/{token}.ics")
}

/// Issues a patient's feed token, replacing (and so revoking) any earlier
/// one. The patient's row changes, so its ETag does too.
pub fn issue_token(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    patient_id: i64,
) -> Result<CalendarToken, ApiError> {
    let patient = repo::patients::get(conn, clinic_id, patient_id)?;
    let token = new_token(clinic_id)?;
    repo::patients::update(
        conn,
        clinic_id,
        patient_id,
        patient.version,
        &PatientUpdate {
            calendar_token_hash: Some(Some(sha256_hex(&token))),
            ..PatientUpdate::default()
        },
    )?;
    // Never the token itself: the audit trail is read by more people than
    // the patient's calendar should be.
    audit(
        conn,
        caller,
        Some(clinic_id),
        "patient.calendar_token_issued",
        "patient",
        Some(patient_id),
        None,
        Some(json!({ "replaced": patient.calendar_token_hash.is_some() })),
    )?;
    let url = feed_path(&token);
    Ok(CalendarToken { token, url })
}

/// Revokes a patient's feed token; its URL answers 404 from now on.
/// Revoking when there is none changes nothing but is still recorded.
pub fn revoke_token(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    patient_id: i64,
) -> Result<(), ApiError> {
    let patient = repo::patients::get(conn, clinic_id, patient_id)?;
    let had_token = patient.calendar_token_hash.is_some();
    if had_token {
        repo::patients::update(
            conn,
            clinic_id,
            patient_id,
            patient.version,
            &PatientUpdate {
                calendar_token_hash: Some(None),
                ..PatientUpdate::default()
            },
        )?;
    }
    audit(
        conn,
        caller,
        Some(clinic_id),
        "patient.calendar_token_revoked",
        "patient",
        Some(patient_id),
        None,
        Some(json!({ "had_token": had_token })),
    )
}

fn new_token(clinic_id: i64) -> Result<String, ApiError> {
    let mut secret = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut secret)
        .map_err(|e| ApiError::Internal(format!("no randomness from the OS: {e}")))?;
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
    Ok(format!("{clinic_id}.{secret}"))
}

/// The clinic a token names, if it has the shape of one Chairside issued.
/// Anything else is unknown without a database read.
fn token_clinic(token: &str) -> Option<i64> {
    let (clinic, secret) = token.split_once('.')?;
    let canonical_id = !clinic.is_empty()
        && !clinic.starts_with('0')
        && clinic.bytes().all(|b| b.is_ascii_digit());
    let well_formed = secret.len() == TOKEN_SECRET_CHARS
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if canonical_id && well_formed {
        clinic.parse().ok()
    } else {
        None
    }
}

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
    fn tokens_name_their_clinic_and_are_long_and_random() {
        let a = new_token(7).unwrap();
        let b = new_token(7).unwrap();
        assert_ne!(a, b);
        assert_eq!(token_clinic(&a), Some(7));
        assert_eq!(a.len(), "7.".len() + TOKEN_SECRET_CHARS);
    }

    #[test]
    fn malformed_tokens_name_no_clinic() {
        let secret = "A".repeat(TOKEN_SECRET_CHARS);
        for token in [
            String::new(),
            "7".to_string(),
            secret.clone(),
            format!("x.{secret}"),
            format!("-7.{secret}"),
            format!("+7.{secret}"),
            format!("07.{secret}"),
            format!("0.{secret}"),
            format!("7.{}", &secret[1..]),
            format!("7.{secret}A"),
            format!("7.{}!", &secret[1..]),
            format!("7.{}.", &secret[1..]),
        ] {
            assert_eq!(token_clinic(&token), None, "{token:?}");
        }
        assert_eq!(token_clinic(&format!("7.{secret}")), Some(7));
    }

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
