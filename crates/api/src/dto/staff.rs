//! Staff members: who works the floor, in which roles, on which shifts.

use chairside_engine::{ShiftException, StaffRole, WeeklyHours};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A new staff member. The label is what the board shows (an initial, a
/// staff code); never put a patient's name here.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"label": "RN Alvarez", "roles": ["nurse"], "shifts": {"mon": [{"opens": "08:00", "closes": "16:30"}], "wed": [{"opens": "08:00", "closes": "16:30"}]}, "exceptions": [{"kind": "leave", "span": {"kind": "days", "first": "2026-12-24", "last": "2026-12-26"}}]}))]
pub struct CreateStaffMember {
    /// Unique in the clinic.
    #[schema(min_length = 1, max_length = 100)]
    pub label: String,
    /// What they may do on the floor (at least one).
    pub roles: Vec<StaffRole>,
    /// Weekly shifts, wall-clock in the clinic's zone.
    #[serde(default)]
    pub shifts: WeeklyHours,
    /// Leave (whole days or a range) and extra shifts (a range).
    #[serde(default)]
    pub exceptions: Vec<ShiftException>,
    /// Counted on the floor (default true).
    #[serde(default = "active_by_default")]
    pub active: bool,
}

fn active_by_default() -> bool {
    true
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct StaffView {
    /// Id.
    pub id: i64,
    pub label: String,
    pub roles: Vec<StaffRole>,
    /// Weekly shifts, wall-clock in the clinic's zone.
    pub shifts: WeeklyHours,
    pub exceptions: Vec<ShiftException>,
    /// Counted on the floor.
    pub active: bool,
}

/// A change of a staff member that moves the sessions it would leave
/// without the staff they need, instead of being refused.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"change": {"exceptions": [{"kind": "leave", "span": {"kind": "days", "first": "2026-12-14", "last": "2026-12-14"}}]}, "confirm": false}))]
pub struct StaffReplanRequest {
    /// The change, as `PATCH …/staff/{staff_id}` takes it (a JSON Merge
    /// Patch of the member).
    #[schema(value_type = Object)]
    pub change: serde_json::Value,
    /// `false` (the default): a dry run that answers what would move where
    /// and writes nothing. `true`: make the change and the moves, all or
    /// nothing.
    #[serde(default)]
    pub confirm: bool,
}

/// What a staff change with re-planning did, or would do.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct StaffReplanView {
    /// The member as changed.
    pub staff: StaffView,
    /// Each session the change left uncovered, and where it moved to keep
    /// its course's rules with the new roster, in the order they moved.
    pub moved: Vec<SessionMove>,
    /// Whether anything was written (`false` for a dry run).
    pub applied: bool,
}

/// One session moved by a staff change.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SessionMove {
    pub course_id: i64,
    /// Where it was: its chair and start.
    pub from_chair_id: i64,
    pub from_start: chrono::DateTime<chrono::Utc>,
    /// The session where it is now (or would be).
    pub to: crate::dto::session::SessionView,
}
