//! What was announced about a session, once each: the row is the claim.

use diesel::prelude::*;

use crate::backend::DbConnection;
use crate::columns::now;
use crate::error::StoreError;
use crate::schema::session_notices::dsl as n;

/// Something announced about a session at most once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// The patient arrived after the booked start.
    Late,
    /// The session holds its chair into the next booking on it.
    Overrun,
}

impl Notice {
    fn as_str(self) -> &'static str {
        match self {
            Notice::Late => "late",
            Notice::Overrun => "overrun",
        }
    }
}

/// Claims the right to announce `notice` for a session: `true` for the one
/// caller, on any replica, that claims it first.
pub fn claim(
    conn: &mut DbConnection,
    clinic_id: i64,
    session_id: i64,
    notice: Notice,
) -> Result<bool, StoreError> {
    // ON CONFLICT DO NOTHING: diesel's MultiBackend cannot render it, so the
    // statement runs on the native connection.
    let insert = diesel::insert_into(n::session_notices)
        .values((
            n::clinic_id.eq(clinic_id),
            n::session_id.eq(session_id),
            n::notice.eq(notice.as_str()),
            n::noticed_at.eq(now()),
        ))
        .on_conflict_do_nothing();
    let inserted = match conn {
        DbConnection::Postgresql(c) => insert.execute(c)?,
        DbConnection::Sqlite(c) => insert.execute(c)?,
    };
    Ok(inserted == 1)
}
