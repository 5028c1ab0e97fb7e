//! The people a session needs besides its chair.
//!
//! A clinic lists its staff (by id and role; names stay in the store) with
//! weekly shifts and dated exceptions ([`roster`]). Each protocol says what
//! each segment of a session needs — a nurse 1:1 while an esketamine patient
//! doses, one nurse per four in recovery, a prescriber on site while anyone
//! is dosed ([`needs`]). The planner offers a start only if, at every minute
//! of the session, the staff on shift can cover every patient in every
//! segment ([`coverage`]); the day sheet shows the day's staffing per
//! quarter hour ([`profile`]). A clinic that lists no staff plans on chairs
//! alone.

pub mod coverage;
pub mod needs;
pub mod on_floor;
pub mod profile;
pub mod roster;

pub use coverage::{Coverage, Shortfall};
pub use needs::{Load, Segment, StaffNeed, StaffRatios};
pub use on_floor::{uncovered, BookedCare};
pub use profile::{CoverageSlot, RoleCover};
pub use roster::{ShiftException, ShiftExceptionKind, StaffId, StaffMember, Staffing};

use crate::names::named_enum;

named_enum! {
    /// What a staff member may do on the floor.
    pub enum StaffRole as "staff role" {
        /// May order and supervise dosing (physician, nurse practitioner).
        Prescriber => "prescriber",
        /// Takes vitals, starts infusions, observes dosing and recovery.
        Nurse => "nurse",
        /// Takes vitals and watches recovery under a nurse's supervision.
        MedicalAssistant => "medical_assistant",
    }
}
