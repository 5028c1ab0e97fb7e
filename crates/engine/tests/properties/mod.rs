//! Property tests of the calendar engine against an independent model.
//!
//! The generators (`support/gen/`) build small clinics in four zones (two
//! with daylight saving, one with a +05:45 offset), their occupancy,
//! closures, staff (in two cases of five, and in every `STAFFED` one) and
//! what booked sessions ask of them, series protocols and patients. The
//! oracle (`support/oracle/`) knows the rules from domain.md and the issue,
//! converts wall-clock times with chrono-tz itself, checks chairs against
//! the raw booking list, never against the engine's `Occupancy`, and staff
//! coverage by trying every assignment of people to roles.
//!
//! - [`soundness`]: every plan keeps every calendar, patient and spacing rule;
//! - [`optimality`]: on small instances the plan equals a brute-force
//!   enumeration, and "infeasible" means the brute force finds nothing;
//! - [`replanning`], [`boosters`] and [`availability`] against the same
//!   oracle;
//! - [`staffing`]: validation names staff coverage exactly when the oracle
//!   finds the staff short;
//! - [`fuzzing`]: nonsense protocols and calendars never panic.
//!
//! Engine bugs found by these properties are pinned in [`regressions`] as
//! `regression_*` tests, named after the bug. A failing seed is saved beside
//! its property's file and replayed first (see
//! [`proptest_config`](crate::support::proptest_config)).

mod availability;
mod boosters;
mod checks;
mod fuzzing;
mod optimality;
mod regressions;
mod replanning;
mod soundness;
mod staffing;
