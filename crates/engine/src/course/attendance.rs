//! What happened at the session: the patient checked in, was dosed, was not
//! dosed, or did not come. Each is possible only when it can have happened
//! (domain: counting and time), and a miss leaves the dose owed.

use chrono::{DateTime, Duration, Utc};

use crate::course::decision::{CourseEvent, Discharge, RemsFormDue};
use crate::course::draft::Draft;
use crate::course::guards::{self, dose_gates, given, in_status};
use crate::course::model::SessionId;
use crate::course::refusal::{CourseRule, Refusal};
use crate::course::settle::settle;
use crate::course::status::SessionStatus;
use crate::course::timing::{automatic_no_show_from, check_in_window, no_show_from};
use crate::error::EngineError;
use crate::local_time::{local_date, to_local};
use crate::monitoring::discharge::may_discharge;
use crate::monitoring::MonitoringRecord;

/// How long after an esketamine session its REMS monitoring form is due.
pub const REMS_FORM_DUE_DAYS: i64 = 7;

fn clinic_time(draft: &Draft, at: DateTime<Utc>) -> String {
    to_local(draft.at.zone(), at)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

pub(crate) fn check_in(
    draft: &mut Draft,
    id: SessionId,
    note: Option<&str>,
    escort_override: Option<&str>,
) -> Result<(), EngineError> {
    let session = draft.session(id)?.clone();
    guards::active(draft)?;
    in_status(
        &session,
        SessionStatus::Booked,
        "only a booked session checks in",
    )?;
    let (opens, closes) = check_in_window(draft.at.zone(), &session, draft.at.settings);
    let now = draft.now();
    if now < opens {
        return Err(Refusal::new(
            CourseRule::CheckInWindow,
            format!(
                "check-in for the session at {} opens at {} (clinic time)",
                clinic_time(draft, session.start),
                clinic_time(draft, opens)
            ),
        )
        .from(opens)
        .into());
    }
    if now >= closes {
        return Err(Refusal::new(
            CourseRule::CheckInWindow,
            format!(
                "the session at {} ended at {}: mark it no-show, or a clinician corrects the record",
                clinic_time(draft, session.start),
                clinic_time(draft, closes)
            ),
        )
        .into());
    }
    let protocol = &draft.course.protocol;
    dose_gates(draft.at.patient, protocol, draft.at.settings)?;
    let escort_override = given(escort_override);
    if protocol.instructions.driver_required && !draft.at.patient.escort_confirmed {
        match escort_override {
            None => {
                return Err(Refusal::new(
                    CourseRule::EscortConfirmed,
                    "no responsible adult to drive the patient home is confirmed",
                )
                .into())
            }
            Some(_) => guards::clinical(draft.at.actor, "checking in without a confirmed escort")?,
        }
    }
    draft.set_status(id, SessionStatus::CheckedIn, escort_override.or(note));
    draft.event(CourseEvent::SessionCheckedIn(id));
    Ok(())
}

/// The patient is discharged at `discharged_at` (default now): monitoring
/// ends, and an esketamine patient leaves no earlier than the REMS allows.
pub(crate) fn complete(
    draft: &mut Draft,
    id: SessionId,
    note: Option<&str>,
    discharged_at: Option<DateTime<Utc>>,
) -> Result<(), EngineError> {
    let session = draft.session(id)?.clone();
    in_status(
        &session,
        SessionStatus::CheckedIn,
        "a session is completed only after check-in",
    )?;
    let at = discharged_at.unwrap_or(draft.now());
    let unrecorded = MonitoringRecord::default();
    let record = draft.at.monitoring.unwrap_or(&unrecorded);
    may_discharge(
        draft.at.zone(),
        &draft.course.protocol,
        record,
        at,
        draft.now(),
    )?;
    draft.discharge(Discharge { session: id, at });
    draft.set_status(id, SessionStatus::Completed, note);
    draft.event(CourseEvent::SessionCompleted(id));
    if draft.course.protocol.rems {
        let day = local_date(draft.at.zone(), session.start);
        draft.rems_form_due(RemsFormDue {
            session: id,
            due_on: day + Duration::days(REMS_FORM_DUE_DAYS),
        });
    }
    settle(draft, draft.at.tomorrow())
}

pub(crate) fn not_dosed(draft: &mut Draft, id: SessionId, reason: &str) -> Result<(), EngineError> {
    let reason = guards::reason("reason", reason)?;
    let session = draft.session(id)?.clone();
    in_status(
        &session,
        SessionStatus::CheckedIn,
        "a patient is found not fit to dose only after check-in",
    )?;
    draft.set_status(id, SessionStatus::NotDosed, Some(reason));
    draft.event(CourseEvent::SessionNotDosed(id));
    settle(draft, draft.at.tomorrow())
}

pub(crate) fn no_show(
    draft: &mut Draft,
    id: SessionId,
    note: Option<&str>,
    automatic: bool,
) -> Result<(), EngineError> {
    let session = draft.session(id)?.clone();
    in_status(
        &session,
        SessionStatus::Booked,
        "only a booked session can be a no-show",
    )?;
    let settings = draft.at.settings;
    let from = if automatic {
        automatic_no_show_from(&session, settings)
    } else {
        no_show_from(&session, settings)
    };
    if draft.now() < from {
        return Err(Refusal::new(
            CourseRule::NoShowGrace,
            format!(
                "the session starts at {}; a no-show can be marked from {} (clinic time)",
                clinic_time(draft, session.start),
                clinic_time(draft, from)
            ),
        )
        .from(from)
        .into());
    }
    let reason = if automatic {
        Some("not checked in: marked no-show automatically")
    } else {
        note
    };
    draft.set_status(id, SessionStatus::NoShow, reason);
    draft.event(CourseEvent::SessionNoShow(id));
    settle(draft, draft.at.tomorrow())
}
