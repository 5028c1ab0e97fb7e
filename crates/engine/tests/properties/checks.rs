//! What the properties check of the sessions the engine places, and the
//! oracle's view of the days a session could go on.

use std::collections::BTreeMap;

use chairside_engine::*;
use chrono::NaiveDate;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::support::gen::Case;
use crate::support::oracle::{self, Candidate, Clinic, Treatment};

pub fn fail(message: String) -> TestCaseError {
    TestCaseError::fail(message)
}

/// Checks one session the engine placed for the case's patient: every
/// calendar rule, the patient's constraints, and that it is the best slot
/// of its day (nearest the preferred start, then earliest; first free chair
/// in calendar order).
pub fn check_session(
    clinic: &Clinic,
    case: &Case,
    s: &PlannedSession,
) -> Result<(), TestCaseError> {
    let treatment = Treatment::of(&case.protocol);
    clinic
        .check_placement(
            &treatment,
            s.chair,
            (s.start, s.end),
            s.local_date,
            s.local_time,
        )
        .map_err(fail)?;
    let taken = clinic.patient_days(&case.patient_sessions);
    prop_assert!(
        clinic.patient_can_come(&case.preferences, &taken, s.local_date),
        "session {} on {} is on a day the patient cannot come",
        s.sequence,
        s.local_date
    );
    prop_assert!(
        oracle::in_window(&case.preferences, s.local_time),
        "session {} at {} is outside the patient's window",
        s.sequence,
        s.local_time
    );
    let best = clinic
        .best(s.local_date, &treatment, &case.preferences)
        .map(|c| (c.time, c.chair));
    prop_assert_eq!(
        best,
        Some((s.local_time, s.chair)),
        "session {} is not the best slot of {}",
        s.sequence,
        s.local_date
    );
    Ok(())
}

/// The candidates of every date in `from..=to` the patient can come.
pub fn candidate_days(
    clinic: &Clinic,
    case: &Case,
    from: NaiveDate,
    to: NaiveDate,
) -> BTreeMap<NaiveDate, Vec<Candidate>> {
    let taken = clinic.patient_days(&case.patient_sessions);
    let treatment = Treatment::of(&case.protocol);
    from.iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| clinic.patient_can_come(&case.preferences, &taken, *d))
        .map(|d| (d, clinic.candidates(d, &treatment, &case.preferences)))
        .filter(|(_, c)| !c.is_empty())
        .collect()
}

/// The engine's sessions are the brute force's, to the minute and chair.
pub fn same_sessions(
    engine: &[PlannedSession],
    reference: &[Candidate],
) -> Result<(), TestCaseError> {
    let ours: Vec<_> = engine
        .iter()
        .map(|s| (s.local_date, s.local_time, s.start, s.end, s.chair))
        .collect();
    let theirs: Vec<_> = reference
        .iter()
        .map(|c| (c.date, c.time, c.start, c.end, c.chair))
        .collect();
    prop_assert_eq!(ours, theirs, "engine plan vs brute force");
    Ok(())
}
