//! Booking a new course: its row and the sessions the engine placed for
//! it, then the rest of the decision ([`after_bookings`]).
//!
//! On PostgreSQL the course and its sessions are one statement: the
//! sessions take the course's id inside it, from a `WITH` that inserts the
//! course, and come as arrays unnested in the order planned — one round
//! trip fewer on every booking, and one prepared statement whatever the
//! number of sessions. SQLite, in process, inserts one after the other.

use chairside_engine::course::{Decision, NewSession};
use chairside_engine::Protocol;
use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Integer, Text, Timestamp};

use super::apply::{after_bookings, Applied, Touch};
use super::{as_created, course_row, create, NewCourse};
use crate::backend::DbConnection;
use crate::columns::{instant, now};
use crate::error::StoreError;
use crate::models::{Actor, Course, Session, SessionStatus};
use crate::repo::{require_transaction, sessions};
use crate::schema::courses::dsl as co;

/// Creates a course with the state the engine decided (`new.state`; the
/// decision's own is not written again) and applies the rest of its
/// booking `decision` (its sessions, the REMS forms that fall due), in the
/// caller's transaction. The database refuses a second active
/// course of the same kind for the patient
/// ([`ErrorKind::CourseRunning`](crate::ErrorKind::CourseRunning)) and any
/// overlap of a session ([`ErrorKind::ChairTaken`](crate::ErrorKind::ChairTaken),
/// [`ErrorKind::PatientDoubleBooked`](crate::ErrorKind::PatientDoubleBooked)).
/// The sessions booked are all it changed of the calendar, so the calendar
/// this server keeps follows them (see [`turn`](crate::turn)).
pub fn book(
    conn: &mut DbConnection,
    new: &NewCourse<'_>,
    protocol: &Protocol,
    decision: &Decision,
    actor: Actor,
) -> Result<Applied, StoreError> {
    require_transaction(conn)?;
    if !decision.updates.is_empty() {
        return Err(StoreError::Internal(
            "a new course has no sessions to change".into(),
        ));
    }
    if !decision.chairs_placed().is_empty() {
        crate::turn::hold(conn, new.clinic_id)?;
    }
    let (course, booked) = with_sessions(conn, new, &decision.bookings)?;
    // The course row was written with its state (`new.state`).
    let applied = after_bookings(
        conn,
        (&course, None),
        decision,
        actor,
        Touch::JustCreated,
        (Vec::new(), booked),
    )?;
    crate::turn::booked(new.clinic_id, &applied.booked, protocol);
    Ok(applied)
}

/// The course row and its sessions `planned`, as stored.
fn with_sessions(
    conn: &mut DbConnection,
    new: &NewCourse<'_>,
    planned: &[NewSession],
) -> Result<(Course, Vec<Session>), StoreError> {
    match conn {
        DbConnection::Postgresql(c) => {
            let at = now();
            let (id, ids): (i64, Vec<i64>) =
                CourseWithSessions::of(new, planned, at).get_result(c)?;
            let course = as_created(id, new, at);
            let whose = (course.clinic_id, course.id, course.patient_id);
            let booked = sessions::as_stored(ids, whose, planned, at);
            Ok((course, booked))
        }
        conn => {
            let course = create(conn, new)?;
            let booked = sessions::insert(
                conn,
                course.clinic_id,
                course.id,
                course.patient_id,
                planned,
            )?;
            Ok((course, booked))
        }
    }
}

/// `WITH new_course AS (INSERT INTO courses … RETURNING id), new_sessions
/// AS (INSERT INTO sessions … SELECT … FROM new_course, unnest(…) WITH
/// ORDINALITY … ORDER BY ordinality RETURNING id) SELECT` the course's id
/// and its sessions' ids, ascending — which is the order planned, as each
/// row takes the next id in the order it is inserted.
#[derive(QueryId)]
struct CourseWithSessions<C> {
    course: C,
    clinic_id: i64,
    patient_id: i64,
    status: &'static str,
    at: NaiveDateTime,
    phases: Vec<i32>,
    sequences: Vec<i32>,
    chairs: Vec<i64>,
    starts: Vec<NaiveDateTime>,
    ends: Vec<NaiveDateTime>,
}

impl CourseWithSessions<()> {
    fn of(
        new: &NewCourse<'_>,
        planned: &[NewSession],
        at: NaiveDateTime,
    ) -> CourseWithSessions<impl QueryFragment<Pg> + QueryId> {
        CourseWithSessions {
            course: diesel::insert_into(co::courses)
                .values(course_row(new, at))
                .returning(co::id),
            clinic_id: new.clinic_id,
            patient_id: new.patient_id,
            status: SessionStatus::Booked.as_str(),
            at,
            phases: planned.iter().map(|p| p.phase as i32).collect(),
            sequences: planned.iter().map(|p| p.sequence as i32).collect(),
            chairs: planned.iter().map(|p| p.placement.chair.0).collect(),
            starts: planned.iter().map(|p| instant(p.placement.start)).collect(),
            ends: planned.iter().map(|p| instant(p.placement.end)).collect(),
        }
    }
}

impl<C: QueryFragment<Pg>> QueryFragment<Pg> for CourseWithSessions<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("WITH new_course AS (");
        self.course.walk_ast(out.reborrow())?;
        out.push_sql(
            "), new_sessions AS (INSERT INTO sessions (clinic_id, course_id, patient_id, \
             phase_index, sequence, chair_id, starts_at, ends_at, status, created_at, \
             updated_at) SELECT ",
        );
        out.push_bind_param::<BigInt, _>(&self.clinic_id)?;
        out.push_sql(", new_course.id, ");
        out.push_bind_param::<BigInt, _>(&self.patient_id)?;
        out.push_sql(", p.phase_index, p.sequence, p.chair_id, p.starts_at, p.ends_at, ");
        out.push_bind_param::<Text, _>(&self.status)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        out.push_sql(" FROM new_course, unnest(");
        out.push_bind_param::<Array<Integer>, _>(&self.phases)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Integer>, _>(&self.sequences)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<BigInt>, _>(&self.chairs)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Timestamp>, _>(&self.starts)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Timestamp>, _>(&self.ends)?;
        out.push_sql(
            ") WITH ORDINALITY AS p(phase_index, sequence, chair_id, starts_at, ends_at, n) \
             ORDER BY p.n RETURNING id) \
             SELECT new_course.id, ARRAY(SELECT id FROM new_sessions ORDER BY id) FROM new_course",
        );
        Ok(())
    }
}

impl<C> Query for CourseWithSessions<C> {
    type SqlType = (BigInt, Array<BigInt>);
}

impl<C> RunQueryDsl<PgConnection> for CourseWithSessions<C> {}

#[cfg(test)]
mod tests {
    use chairside_engine::course::CourseState;
    use chairside_engine::Modality;
    use diesel::pg::Pg;
    use diesel::query_builder::{QueryFragment, QueryId};

    use super::{CourseWithSessions, NewCourse};
    use crate::columns::now;

    fn prepared_once<T: QueryId + QueryFragment<Pg>>(statement: &T) -> bool {
        T::HAS_STATIC_QUERY_ID && statement.is_safe_to_cache_prepared(&Pg).unwrap()
    }

    /// One statement for any number of sessions, which diesel keeps
    /// prepared: its type says all of its SQL.
    #[test]
    fn a_course_with_its_sessions_is_prepared_once() {
        let state: CourseState = serde_json::from_str(
            r#"{"status": "active", "phase": 0, "series_started_at": null, "booster_policy": null, "at_risk": null, "extension_accepted": false}"#,
        )
        .unwrap();
        let new = NewCourse {
            clinic_id: 1,
            patient_id: 2,
            protocol_version_id: 3,
            modality: Modality::Iv,
            state: &state,
        };
        assert!(prepared_once(&CourseWithSessions::of(&new, &[], now())));
    }
}
