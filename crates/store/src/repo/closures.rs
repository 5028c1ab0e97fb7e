//! Closures of a clinic or of one chair.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::backend::DbConnection;
use crate::columns::{instant, now, DbInstant};
use crate::error::StoreError;
use chairside_engine::ClosureSpan;

use crate::models::{Closure, NewClosure};
use crate::schema::closures::dsl as cl;

type Row = (
    i64,
    i64,
    Option<i64>,
    Option<NaiveDate>,
    Option<NaiveDate>,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    String,
    DbInstant,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    Option<String>,
);

const COLUMNS: (
    cl::id,
    cl::clinic_id,
    cl::chair_id,
    cl::first_day,
    cl::last_day,
    cl::local_start,
    cl::local_end,
    cl::reason,
    cl::created_at,
    cl::starts_at,
    cl::ends_at,
    cl::external_id,
) = (
    cl::id,
    cl::clinic_id,
    cl::chair_id,
    cl::first_day,
    cl::last_day,
    cl::local_start,
    cl::local_end,
    cl::reason,
    cl::created_at,
    cl::starts_at,
    cl::ends_at,
    cl::external_id,
);

fn closure(row: Row) -> Result<Closure, StoreError> {
    let (
        id,
        clinic_id,
        chair_id,
        first,
        last,
        start,
        end,
        reason,
        created_at,
        from,
        to,
        external_id,
    ) = row;
    let span = match ((first, last), (start, end), (from, to)) {
        ((Some(first), Some(last)), (None, None), (None, None)) => {
            ClosureSpan::Days { first, last }
        }
        ((None, None), (Some(start), Some(end)), (None, None)) => ClosureSpan::Range { start, end },
        ((None, None), (None, None), (Some(from), Some(to))) => ClosureSpan::Instants {
            start: from.and_utc(),
            end: to.and_utc(),
        },
        _ => {
            return Err(StoreError::Internal(format!(
                "closure {id} has no valid span"
            )))
        }
    };
    Ok(Closure {
        id,
        clinic_id,
        chair_id,
        span,
        reason,
        created_at: DateTime::<Utc>::from(created_at),
        external_id,
    })
}

/// Adds a closure.
pub fn add(
    conn: &mut DbConnection,
    clinic_id: i64,
    new: &NewClosure,
) -> Result<Closure, StoreError> {
    let ((first, last), (start, end), (from, to)) = match new.span {
        ClosureSpan::Days { first, last } => {
            ((Some(first), Some(last)), (None, None), (None, None))
        }
        ClosureSpan::Range { start, end } => ((None, None), (Some(start), Some(end)), (None, None)),
        ClosureSpan::Instants { start, end } => (
            (None, None),
            (None, None),
            (Some(instant(start)), Some(instant(end))),
        ),
    };
    let row = diesel::insert_into(cl::closures)
        .values((
            cl::clinic_id.eq(clinic_id),
            cl::chair_id.eq(new.chair_id),
            cl::first_day.eq(first),
            cl::last_day.eq(last),
            cl::local_start.eq(start),
            cl::local_end.eq(end),
            cl::reason.eq(&new.reason),
            cl::created_at.eq(now()),
            cl::starts_at.eq(from),
            cl::ends_at.eq(to),
            cl::external_id.eq(&new.external_id),
        ))
        .returning(COLUMNS)
        .get_result::<Row>(conn)?;
    closure(row)
}

/// The clinic's closures, by id.
pub fn list(conn: &mut DbConnection, clinic_id: i64) -> Result<Vec<Closure>, StoreError> {
    cl::closures
        .filter(cl::clinic_id.eq(clinic_id))
        .order(cl::id)
        .select(COLUMNS)
        .load::<Row>(conn)?
        .into_iter()
        .map(closure)
        .collect()
}

/// The closure another system knew by `external_id`, if imported.
pub fn find_by_external_id(
    conn: &mut DbConnection,
    clinic_id: i64,
    external_id: &str,
) -> Result<Option<Closure>, StoreError> {
    cl::closures
        .filter(
            cl::clinic_id
                .eq(clinic_id)
                .and(cl::external_id.eq(external_id)),
        )
        .select(COLUMNS)
        .first::<Row>(conn)
        .optional()?
        .map(closure)
        .transpose()
}

/// Removes a closure.
pub fn remove(conn: &mut DbConnection, clinic_id: i64, id: i64) -> Result<(), StoreError> {
    let n = diesel::delete(cl::closures.filter(cl::clinic_id.eq(clinic_id).and(cl::id.eq(id))))
        .execute(conn)?;
    if n == 0 {
        return Err(StoreError::not_found("closure"));
    }
    Ok(())
}
