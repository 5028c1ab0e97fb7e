//! Sessions running over and the bookings they reach. The engine says how
//! long a checked-in session holds its chair ([`chair_held`]) and which
//! moves could clear the way ([`fixes`]); the course's own rules pick the
//! first that they allow, so the fix offered is the one that applying it
//! will do. Ids and times only: nothing recorded at the chair is shown.
//!
//! [`chair_held`]: chairside_engine::monitoring::chair_held

use chairside_engine::course::{Action, SessionId, SessionStatus, Target};
use chairside_engine::monitoring::overrun::{fixes, Fix};
use chairside_engine::monitoring::{ChairHold, FixKind};
use chairside_engine::{
    AvailabilityRequest, ChairId, Interval, OpenStart, Planner, Protocol, Role,
};
use chairside_store::models as m;
use chairside_store::repo::calendar::CalendarSnapshot;
use chairside_store::repo::notices::Notice;
use chairside_store::{repo, DbConnection};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde_json::json;

use crate::dto::monitoring::{ApplyCall, OverrunFix, OverrunView, ReachedBooking};
use crate::error::ApiError;
use crate::etag::etag_of;
use crate::service::course::act::Asking;
use crate::service::{emit, session_payload};
use crate::views;

/// The reason a fix gives when it moves a booking.
pub const FIX_REASON: &str = "the previous session on its chair is running over";

/// A session holding its chair past its booked end, and the live bookings
/// on that chair the hold reaches.
pub struct RunningOver {
    pub session: m::Session,
    pub hold: ChairHold,
    pub reaches: Vec<m::Session>,
}

/// The clinic's sessions running over at `now` (read around now: a hold
/// lasts hours, not days).
pub fn running_over(
    conn: &mut DbConnection,
    clinic_id: i64,
    now: DateTime<Utc>,
) -> Result<(CalendarSnapshot, Vec<RunningOver>), ApiError> {
    let book = repo::calendar::snapshot(
        conn,
        clinic_id,
        now - Duration::days(1),
        now + Duration::days(1),
    )?;
    // The snapshot holds chair time only; the few sessions running over,
    // and the bookings they reach, are read whole.
    let found: Vec<(i64, ChairHold, Vec<i64>)> = book
        .sessions
        .iter()
        .filter_map(|session| {
            let hold = book.hold(session, now)?;
            let beyond = hold.beyond(Interval::new(session.starts_at, session.ends_at))?;
            let reaches = book
                .sessions
                .iter()
                .filter(|s| {
                    s.id != session.id
                        && s.chair_id == session.chair_id
                        && s.status == SessionStatus::Booked
                        && Interval::new(s.starts_at, s.ends_at).overlaps(&beyond)
                })
                .map(|s| s.id)
                .collect();
            Some((session.id, hold, reaches))
        })
        .collect();
    let ids: Vec<i64> = found
        .iter()
        .flat_map(|(id, _, reaches)| std::iter::once(*id).chain(reaches.iter().copied()))
        .collect();
    let whole = repo::sessions::by_ids(conn, clinic_id, &ids)?;
    let session = |id: i64| {
        whole.iter().find(|s| s.id == id).cloned().ok_or_else(|| {
            ApiError::Internal(format!("session {id} vanished inside its transaction"))
        })
    };
    let over = found
        .into_iter()
        .map(|(id, hold, reaches)| {
            Ok(RunningOver {
                session: session(id)?,
                hold,
                reaches: reaches
                    .into_iter()
                    .map(&session)
                    .collect::<Result<_, ApiError>>()?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok((book, over))
}

/// The clinic's sessions running over at `now`, each booking they reach
/// with the best fix `role` may apply.
pub fn list(
    conn: &mut DbConnection,
    clinic_id: i64,
    role: Role,
    now: DateTime<Utc>,
) -> Result<Vec<OverrunView>, ApiError> {
    let (book, over) = running_over(conn, clinic_id, now)?;
    let zone = book.clinic.time_zone;
    let mut views = Vec::with_capacity(over.len());
    for o in over {
        let mut reaches = Vec::with_capacity(o.reaches.len());
        for next in &o.reaches {
            reaches.push(ReachedBooking {
                session_id: next.id,
                chair_id: next.chair_id,
                start: next.starts_at,
                fix: best_fix(conn, &book, next, role, now)?.map(|fix| offer(zone, next, fix)),
            });
        }
        views.push(OverrunView {
            session_id: o.session.id,
            chair_id: o.session.chair_id,
            booked_end: o.session.ends_at,
            held_until: o.hold.until,
            late_by_minutes: o.hold.late_by_minutes,
            cause: o.hold.cause.expect("a hold beyond the booking has a cause"),
            reaches,
        });
    }
    Ok(views)
}

/// The best fix for `next` that the course's rules allow now: the engine's
/// fixes of its day in order, then the course's next best day.
fn best_fix(
    conn: &mut DbConnection,
    book: &CalendarSnapshot,
    next: &m::Session,
    role: Role,
    now: DateTime<Utc>,
) -> Result<Option<Fix>, ApiError> {
    let session = SessionId(next.id);
    let move_to = |to: Target| Action::Reschedule {
        session,
        to,
        reason: FIX_REASON.to_string(),
        override_reason: None,
    };
    let next_best = move_to(Target::NextBest { not_before: None });
    let asking = Asking::load(
        conn,
        book.clinic.id,
        next.course_id,
        &next_best,
        now,
        |_, _, _, _| Ok(()),
    )?;
    let open = open_starts(book, next, asking.protocol(), now)?;
    let booked = Interval::new(next.starts_at, next.ends_at);
    for fix in fixes(&open, ChairId(next.chair_id), booked, now) {
        let to = Target::At {
            chair: Some(fix.chair),
            start: fix.start,
        };
        if asking.answer(&move_to(to), role, now)?.is_ok() {
            return Ok(Some(fix));
        }
    }
    let Ok(decision) = asking.answer(&next_best, role, now)? else {
        return Ok(None);
    };
    Ok(decision
        .updates
        .iter()
        .find(|u| u.session == session)
        .and_then(|u| u.placement)
        .map(|p| Fix {
            kind: FixKind::AnotherDay,
            chair: p.chair,
            start: p.start,
        }))
}

/// The open starts of `next`'s day with every hold counted and `next`'s
/// course left out (it may move within its own chairs' time).
fn open_starts(
    book: &CalendarSnapshot,
    next: &m::Session,
    protocol: &Protocol,
    now: DateTime<Utc>,
) -> Result<Vec<OpenStart>, ApiError> {
    let day = next
        .starts_at
        .with_timezone(&book.clinic.time_zone)
        .date_naive();
    let calendar = book.calendar();
    let occupancy = book.occupancy_without(Some(next.course_id), now);
    Ok(
        Planner::new(&calendar, &occupancy)?.availability(&AvailabilityRequest {
            modality: protocol.modality,
            chair_time: protocol.chair_time,
            from: day,
            to: day,
            staffing: protocol.staffing.clone(),
        })?,
    )
}

/// A fix as the desk applies it: the reschedule request, ready to send.
fn offer(zone: Tz, next: &m::Session, fix: Fix) -> OverrunFix {
    let to = match fix.kind {
        FixKind::AnotherDay => json!({ "next_best": {} }),
        FixKind::AnotherChair | FixKind::LaterStart => json!({
            "to": { "start": fix.start.with_timezone(&zone).fixed_offset() },
            "chair_id": fix.chair.0,
        }),
    };
    let mut body = to;
    body["reason"] = json!(FIX_REASON);
    let end = fix.start + (next.ends_at - next.starts_at);
    OverrunFix {
        kind: fix.kind,
        chair_id: fix.chair.0,
        start: fix.start,
        local: views::local_times(zone, fix.start, end),
        apply: ApplyCall {
            method: "POST".to_string(),
            href: format!(
                "/v1/clinics/{}/sessions/{}/reschedule",
                next.clinic_id, next.id
            ),
            if_match: etag_of(&views::session(zone, next)),
            body,
        },
    }
}

/// Announces, once each, a late arrival (`session.late`) and a hold that
/// reaches the next booking (`session.overrun`) for the clinic's sessions
/// running over at `now`; returns how many events were written. Ids,
/// times and the cause only.
pub fn announce(
    conn: &mut DbConnection,
    clinic_id: i64,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let (book, over) = running_over(conn, clinic_id, now)?;
    let zone = book.clinic.time_zone;
    let mut sent = 0;
    for o in over {
        let s = &o.session;
        let late = o.hold.late_by_minutes > 0;
        if late && repo::notices::claim(conn, clinic_id, s.id, Notice::Late)? {
            let payload = json!({ "session": session_payload(zone, s),
                "late_by_minutes": o.hold.late_by_minutes, "held_until": o.hold.until });
            emit(conn, clinic_id, "session.late", s.course_id, payload)?;
            sent += 1;
        }
        if !o.reaches.is_empty() && repo::notices::claim(conn, clinic_id, s.id, Notice::Overrun)? {
            let reaches: Vec<i64> = o.reaches.iter().map(|r| r.id).collect();
            let payload = json!({ "session": session_payload(zone, s), "cause": o.hold.cause,
                "held_until": o.hold.until, "reaches": reaches,
                "fixes": format!("/v1/clinics/{clinic_id}/overruns") });
            emit(conn, clinic_id, "session.overrun", s.course_id, payload)?;
            sent += 1;
        }
    }
    Ok(sent)
}
