use chairside_engine::{ShiftException, StaffId, StaffRole, WeeklyHours};
use chrono::{DateTime, Utc};
use diesel::{Queryable, Selectable};

use crate::columns::{DbInstant, DbList};
use crate::schema::staff_members;

/// A person on the clinic's floor: a label for the board (never a
/// patient's), roles, weekly shifts and dated exceptions.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = staff_members)]
pub struct StaffMember {
    /// Id.
    pub id: i64,
    pub clinic_id: i64,
    /// Label, unique in the clinic ("Nurse A", an initial, a staff code).
    pub label: String,
    #[diesel(deserialize_as = DbList<StaffRole>)]
    pub roles: Vec<StaffRole>,
    /// Weekly shifts, wall-clock in the clinic's zone.
    pub shifts: WeeklyHours,
    /// Leave and extra shifts.
    #[diesel(deserialize_as = DbList<ShiftException>)]
    pub exceptions: Vec<ShiftException>,
    /// Inactive members are never counted on the floor.
    pub active: bool,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// When created.
    #[diesel(deserialize_as = DbInstant)]
    pub created_at: DateTime<Utc>,
    /// When last changed.
    #[diesel(deserialize_as = DbInstant)]
    pub updated_at: DateTime<Utc>,
}

impl StaffMember {
    /// The member as the planner sees them.
    pub fn on_the_floor(&self) -> chairside_engine::StaffMember {
        chairside_engine::StaffMember {
            id: StaffId(self.id),
            roles: self.roles.clone(),
            shifts: self.shifts.clone(),
            exceptions: self.exceptions.clone(),
        }
    }
}

/// What a new or changed staff member holds.
#[derive(Debug, Clone, PartialEq)]
pub struct NewStaffMember {
    pub label: String,
    pub roles: Vec<StaffRole>,
    pub shifts: WeeklyHours,
    pub exceptions: Vec<ShiftException>,
    pub active: bool,
}
