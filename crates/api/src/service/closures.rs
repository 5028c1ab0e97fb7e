//! Closures of a clinic and blocks of one chair: added (whole local days, a
//! local range, or UTC instants), listed a page at a time and filtered by
//! the dates they touch and the chair they take, removed. Each change is
//! audited.

use chairside_engine::{self as engine, ClosureSpan};
use chairside_store::models::{NewClosure, PageRequest};
use chairside_store::{repo, DbConnection};
use chrono::NaiveDate;
use chrono_tz::Tz;
use serde_json::json;

use crate::auth::Caller;
use crate::dto::clinic::{ClosureView, CreateClosure};
use crate::dto::common::Page;
use crate::error::{local_time_error, ApiError};
use crate::pagination::encode;
use crate::service::audit;
use crate::service::clinics::non_blank;
use crate::views;

/// Which closures a list shows.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClosureFilter {
    /// Only those touching a local date on or after this one…
    pub from: Option<NaiveDate>,
    /// …and on or before this one.
    pub to: Option<NaiveDate>,
    /// Only those that take this chair: its blocks, and the clinic's own
    /// closures (which take every chair).
    pub chair_id: Option<i64>,
}

/// A page of the clinic's closures and chair blocks, by id.
pub fn list(
    conn: &mut DbConnection,
    clinic_id: i64,
    filter: ClosureFilter,
    page: PageRequest,
) -> Result<Page<ClosureView>, ApiError> {
    if let (Some(from), Some(to)) = (filter.from, filter.to) {
        if from > to {
            return Err(ApiError::invalid_field(
                "to",
                "the range ends before it starts",
            ));
        }
    }
    let zone = repo::clinics::get(conn, clinic_id)?.time_zone;
    let limit = usize::try_from(page.limit).unwrap_or(usize::MAX);
    let mut matching = repo::closures::list(conn, clinic_id)?
        .into_iter()
        .filter(|c| page.after_id.is_none_or(|after| c.id > after))
        .filter(|c| {
            filter
                .chair_id
                .is_none_or(|chair| c.chair_id.is_none_or(|own| own == chair))
        })
        .filter(|c| {
            let (first, last) = c.span.local_days(zone);
            filter.from.is_none_or(|from| last >= from) && filter.to.is_none_or(|to| first <= to)
        });
    let items: Vec<ClosureView> = matching
        .by_ref()
        .take(limit)
        .map(|c| views::closure(&c))
        .collect();
    let next_cursor = match (matching.next(), items.last()) {
        (Some(_), Some(last)) => Some(encode(last.id)),
        _ => None,
    };
    Ok(Page { items, next_cursor })
}

/// Adds a closure of the clinic or of one chair.
pub fn add_closure(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    new: &CreateClosure,
) -> Result<ClosureView, ApiError> {
    non_blank("reason", &new.reason, 500)?;
    let clinic = repo::clinics::get(conn, clinic_id)?;
    check_span(clinic.time_zone, &new.span)?;
    if let Some(chair_id) = new.chair_id {
        repo::chairs::get(conn, clinic_id, chair_id).map_err(|e| {
            ApiError::unknown_reference(
                e,
                "chair_id",
                format!("chair {chair_id} is not one of this clinic's"),
            )
        })?;
    }
    let closure = repo::closures::add(
        conn,
        clinic_id,
        &NewClosure {
            chair_id: new.chair_id,
            span: new.span,
            reason: new.reason.clone(),
            external_id: None,
        },
    )?;
    let view = views::closure(&closure);
    audit(
        conn,
        caller,
        Some(clinic_id),
        "closure.added",
        "closure",
        Some(closure.id),
        None,
        Some(json!(view)),
    )?;
    Ok(view)
}

/// A closure's span keeps Chairside's dates, runs forward, and names only
/// wall-clock times that exist in the clinic's zone: a local time the clocks
/// skip is refused, never guessed (domain rule 8).
pub(crate) fn check_span(zone: Tz, span: &ClosureSpan) -> Result<(), ApiError> {
    let date = |field: &str, d: chrono::NaiveDate| {
        engine::dates::check(field, d)
            .map(|_| ())
            .map_err(ApiError::from)
    };
    match *span {
        ClosureSpan::Days { first, last } => {
            date("span.first", first)?;
            date("span.last", last)?;
            if first > last {
                return Err(ApiError::invalid_field(
                    "span.last",
                    "the last day is before the first",
                ));
            }
        }
        ClosureSpan::Range { start, end } => {
            date("span.start", start.date())?;
            date("span.end", end.date())?;
            if start >= end {
                return Err(ApiError::invalid_field(
                    "span.end",
                    "the end is not after the start",
                ));
            }
            for (field, local) in [("span.start", start), ("span.end", end)] {
                if let Err(e @ engine::LocalTimeError::NonExistent { .. }) =
                    engine::resolve_local(zone, local, engine::Disambiguation::Earlier)
                {
                    return Err(local_time_error(field, e));
                }
            }
        }
        ClosureSpan::Instants { start, end } => {
            date("span.start", start.date_naive())?;
            date("span.end", end.date_naive())?;
            if start >= end {
                return Err(ApiError::invalid_field(
                    "span.end",
                    "the end is not after the start",
                ));
            }
        }
    }
    Ok(())
}

/// Removes a closure (its chair time opens again).
pub fn remove_closure(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    closure_id: i64,
) -> Result<(), ApiError> {
    let before = repo::closures::list(conn, clinic_id)?
        .into_iter()
        .find(|c| c.id == closure_id)
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "closure {closure_id} not found in clinic {clinic_id}"
            ))
        })?;
    repo::closures::remove(conn, clinic_id, closure_id)?;
    audit(
        conn,
        caller,
        Some(clinic_id),
        "closure.removed",
        "closure",
        Some(closure_id),
        Some(json!(views::closure(&before))),
        None,
    )?;
    Ok(())
}
