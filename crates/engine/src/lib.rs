//! # chairside-engine
//!
//! The calendar engine of Chairside: it plans courses of ketamine and
//! esketamine treatment onto a clinic's chairs. It is pure: no I/O, no
//! database, no web framework. The store loads a snapshot (the
//! [`ClinicCalendar`] and the [`Occupancy`]), the engine decides, the store
//! writes.
//!
//! What lives where, by the clinic's words:
//! - [`calendar`]: zone, opening hours, closures, chairs, start grid, start cap.
//! - [`occupancy`]: chair intervals already taken (half-open, O(log n) lookups).
//! - [`protocol`] and [`presets`]: phases (series, boosters), chair time.
//! - [`plan`] + [`series`]: exact planning of a series (an induction).
//! - [`replan`]: defer one session, omit one, re-plan the rest, *at risk*.
//! - [`booster`]: the next boosters from the clinician's policy.
//! - [`availability`]: open starts per chair for the front desk.
//! - [`course`]: the course's life as a decider — statuses, counting,
//!   misses, phases, boosters, at risk, corrections — one rule per name.
//! - [`settings`]: the clinic's policy choices the rules read.
//! - [`staff`]: who is on the floor, what each segment of a session needs
//!   from them, and whether a new session would leave anyone uncovered.
//! - [`validate`]: every rule a given list of sessions breaks.
//! - [`local_time`]: wall-clock versus instants; nothing is ever guessed.
//! - [`dates`]: the dates Chairside works with (1900 to 2999); others are refused.
//!
//! ## Example: planning an induction
//!
//! ```
//! use chairside_engine::*;
//! use chrono::{NaiveDate, NaiveTime, Weekday::*};
//!
//! let hours = WeeklyHours::uniform(
//!     &[Mon, Tue, Wed, Thu, Fri],
//!     NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
//!     NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
//! );
//! let chairs = vec![Chair { id: ChairId(1), modalities: vec![Modality::Iv], active: true }];
//! let calendar = ClinicCalendar::new(chrono_tz::America::New_York, hours, chairs);
//! let occupancy = Occupancy::new();
//! let planner = Planner::new(&calendar, &occupancy)?;
//!
//! let protocol = presets::iv_ketamine_standard();
//! let preferences = PatientPreferences {
//!     preferred_start: NaiveTime::from_hms_opt(10, 0, 0),
//!     ..Default::default()
//! };
//! let plan = planner.plan_phase(&PhaseRequest {
//!     protocol: &protocol,
//!     phase: 0,
//!     preferences: &preferences,
//!     earliest: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(), // a Monday
//!     first_within_days: 28,
//!     patient_sessions: &[],
//!     previous_session: None,
//! })?;
//!
//! // Six infusions, Mon/Wed/Fri at 10:00 local, across the DST change of 8 March.
//! assert_eq!(plan.sessions.len(), 6);
//! assert!(plan.sessions.iter().all(|s| s.local_time == NaiveTime::from_hms_opt(10, 0, 0).unwrap()));
//! assert_eq!(plan.sessions[0].local_date, NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
//! assert_eq!(plan.sessions[5].local_date, NaiveDate::from_ymd_opt(2026, 3, 13).unwrap());
//! # Ok::<(), EngineError>(())
//! ```

pub mod availability;
pub mod backfill;
pub mod booster;
pub mod calendar;
pub mod closure;
pub mod course;
pub mod dates;
mod days;
pub mod error;
pub mod free_busy;
pub mod infeasible;
pub mod local_time;
pub mod monitoring;
mod names;
pub mod occupancy;
pub mod plan;
pub mod planner;
pub mod preferences;
pub mod presets;
pub mod protocol;
pub mod reminders;
pub mod replan;
pub mod role;
pub mod rules;
pub mod series;
pub mod settings;
pub mod staff;
pub mod suggestion;
pub mod validate;
pub mod wall_clock;

pub use availability::{AvailabilityRequest, OpenStart};
pub use booster::{booster_target, BoosterRequest};
pub use calendar::{
    Chair, ChairId, ClinicCalendar, Closure, ClosureScope, ClosureSpan, Modality, OpeningRange,
    WeeklyHours,
};
pub use error::{EngineError, ErrorKind};
pub use infeasible::Infeasibility;
pub use local_time::{resolve_local, Disambiguation, LocalTimeError};
pub use names::UnknownName;
pub use occupancy::{Booking, Interval, Occupancy};
pub use plan::{PhasePlan, PhaseRequest, PlannedSession};
pub use planner::{Planner, Slot};
pub use preferences::PatientPreferences;
pub use protocol::{
    BoosterPolicy, BoosterRules, ChairTime, DayOfInstructions, Phase, PhaseKind, Protocol,
    SeriesRules,
};
pub use replan::{omit_session, DeferRequest, Replan, ReplanRequest};
pub use role::Role;
pub use rules::{Rule, Violation};
pub use series::{dose_windows, series_violations, DoseWindow};
pub use settings::{ClinicSettings, SuggestionSettings};
pub use staff::{
    Load, Segment, ShiftException, ShiftExceptionKind, Shortfall, StaffId, StaffMember, StaffNeed,
    StaffRatios, StaffRole, Staffing,
};
pub use validate::{ProposedSession, ValidationRequest};
