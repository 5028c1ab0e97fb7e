//! The store's one error type.
//!
//! Callers branch on [`StoreError::kind`]; the HTTP layer maps each
//! [`ErrorKind`] to a status in one place. Database errors are classified
//! here, by SQLSTATE and constraint name on PostgreSQL and by the stable
//! markers the SQLite triggers raise, so no caller ever parses a message.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// What went wrong, without the details.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The chair is already held by a live session overlapping this one.
    ChairTaken,
    /// The patient already has a live session overlapping this one.
    PatientDoubleBooked,
    /// The patient already has an active course of the same kind.
    CourseRunning,
    /// The row changed since it was read (optimistic concurrency).
    StaleVersion,
    /// No such row in this clinic.
    NotFound,
    /// A unique constraint refused the row (e.g. a patient's external ref).
    Duplicate,
    /// The database refused the data: a check, a missing reference, bad input.
    Invalid,
    /// A concurrent transaction won (serialisation failure, deadlock, lock
    /// wait exhausted); trying again may succeed.
    Contention,
    /// The database cannot be reached or no connection is free.
    Unavailable,
    /// Anything else: a bug or an unexpected database state.
    Internal,
}

/// Which overlap rule refused a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Overlap {
    /// `sessions_chair_no_overlap`: one live session per chair at a time.
    Chair,
    /// `sessions_patient_no_overlap`: a patient is in one chair at a time.
    Patient,
}

impl Overlap {
    /// The constraint's name: the PostgreSQL exclusion constraint, and the
    /// marker in the SQLite trigger's message.
    pub fn constraint(self) -> &'static str {
        match self {
            Overlap::Chair => "sessions_chair_no_overlap",
            Overlap::Patient => "sessions_patient_no_overlap",
        }
    }

    fn from_constraint(name: &str) -> Option<Overlap> {
        [Overlap::Chair, Overlap::Patient]
            .into_iter()
            .find(|o| name.contains(o.constraint()))
    }
}

/// An error from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A live session would overlap another on the same chair or patient.
    #[error("session overlaps a live session ({})", .0.constraint())]
    Conflict(Overlap),
    /// A second active course of one kind for one patient
    /// (`courses_one_running_per_kind`).
    #[error("the patient already has an active course of this kind")]
    CourseRunning,
    /// The row's version is not the one the caller read.
    #[error("{entity} {id} was changed by someone else (stale version)")]
    StaleVersion {
        /// The table, e.g. `sessions`.
        entity: &'static str,
        /// The row's id.
        id: i64,
    },
    /// No such row (in this clinic).
    #[error("{entity} not found")]
    NotFound {
        /// The table, e.g. `patients`.
        entity: &'static str,
    },
    /// A unique constraint refused the row.
    #[error("duplicate: {0}")]
    Duplicate(String),
    /// The database or the store refused the data.
    #[error("invalid: {0}")]
    Invalid(String),
    /// A concurrent transaction won; retrying may succeed.
    #[error("contention: {0}")]
    Contention(String),
    /// No connection could be had.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything else.
    #[error("internal store error: {0}")]
    Internal(String),
}

impl StoreError {
    /// The error's kind, for branching and for HTTP status mapping.
    pub fn kind(&self) -> ErrorKind {
        match self {
            StoreError::Conflict(Overlap::Chair) => ErrorKind::ChairTaken,
            StoreError::Conflict(Overlap::Patient) => ErrorKind::PatientDoubleBooked,
            StoreError::CourseRunning => ErrorKind::CourseRunning,
            StoreError::StaleVersion { .. } => ErrorKind::StaleVersion,
            StoreError::NotFound { .. } => ErrorKind::NotFound,
            StoreError::Duplicate(_) => ErrorKind::Duplicate,
            StoreError::Invalid(_) => ErrorKind::Invalid,
            StoreError::Contention(_) => ErrorKind::Contention,
            StoreError::Unavailable(_) => ErrorKind::Unavailable,
            StoreError::Internal(_) => ErrorKind::Internal,
        }
    }

    /// True when running the transaction again, on fresh data, may succeed
    /// (or give the engine's clearer answer): an overlap or a running course
    /// raised by a concurrent writer, or contention.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::ChairTaken
                | ErrorKind::PatientDoubleBooked
                | ErrorKind::CourseRunning
                | ErrorKind::Contention
        )
    }

    pub(crate) fn not_found(entity: &'static str) -> StoreError {
        StoreError::NotFound { entity }
    }

    pub(crate) fn from_connection(e: diesel::ConnectionError) -> StoreError {
        StoreError::Unavailable(e.to_string())
    }

    /// Classifies a diesel error; `NotFound` here has no entity name, so
    /// repositories map it themselves where they know the table.
    fn classify(e: DieselError) -> StoreError {
        match e {
            DieselError::DatabaseError(kind, info) => {
                let message = info.message();
                let constraint = info.constraint_name().unwrap_or("");
                // SQLite triggers and PostgreSQL exclusion constraints both
                // name the rule; the name decides the conflict kind.
                if let Some(overlap) = Overlap::from_constraint(constraint)
                    .or_else(|| Overlap::from_constraint(message))
                {
                    return StoreError::Conflict(overlap);
                }
                // PostgreSQL names the index; SQLite lists its columns.
                if constraint == "courses_one_running_per_kind"
                    || message.contains("courses.clinic_id, courses.patient_id, courses.modality")
                {
                    return StoreError::CourseRunning;
                }
                let what = if constraint.is_empty() {
                    message.to_owned()
                } else {
                    constraint.to_owned()
                };
                by_kind(kind, message, what)
            }
            DieselError::NotFound => StoreError::NotFound { entity: "row" },
            DieselError::BrokenTransactionManager => {
                StoreError::Unavailable("broken transaction manager".into())
            }
            other => StoreError::Internal(other.to_string()),
        }
    }
}

impl From<DieselError> for StoreError {
    fn from(e: DieselError) -> StoreError {
        StoreError::classify(e)
    }
}

impl From<diesel::r2d2::PoolError> for StoreError {
    fn from(e: diesel::r2d2::PoolError) -> StoreError {
        StoreError::Unavailable(e.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> StoreError {
        StoreError::Internal(format!("JSON column: {e}"))
    }
}

/// Every other refusal, by its kind and, where the kind is too coarse, its
/// message (`what` names the constraint, or repeats the message).
fn by_kind(kind: DatabaseErrorKind, message: &str, what: String) -> StoreError {
    match kind {
        DatabaseErrorKind::UniqueViolation => StoreError::Duplicate(what),
        DatabaseErrorKind::ForeignKeyViolation
        | DatabaseErrorKind::NotNullViolation
        | DatabaseErrorKind::CheckViolation
        | DatabaseErrorKind::RestrictViolation => StoreError::Invalid(what),
        DatabaseErrorKind::SerializationFailure => StoreError::Contention(what),
        DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand => {
            StoreError::Unavailable(what)
        }
        _ if message.contains("chairside_append_only") => StoreError::Invalid(what),
        _ if message.contains("database is locked") || message.contains("deadlock detected") => {
            StoreError::Contention(what)
        }
        _ if message.contains("invalid input syntax for type json") => StoreError::Invalid(what),
        // PostgreSQL refuses what it cannot represent: text
        // holding a NUL (character_not_in_repertoire, "invalid
        // byte sequence for encoding"), a date or timestamp
        // outside its range (datetime_field_overflow). The
        // service refuses both first; this keeps them 422.
        _ if message.contains("invalid byte sequence for encoding")
            || message.contains("date out of range")
            || message.contains("timestamp out of range") =>
        {
            StoreError::Invalid(what)
        }
        _ => StoreError::Internal(what),
    }
}
