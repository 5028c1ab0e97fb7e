//! Who acts: the role of an API key, or Chairside's own workers.
//!
//! Some course rules depend on who asks (domain rule 12: "notice rules bind
//! patients, not clinicians"; omitting a dose or correcting a record is a
//! clinician's decision), so the engine knows the roles by name.

use crate::names::named_enum;

named_enum! {
    /// The role an action is taken in.
    pub enum Role as "role" {
        /// Manages clinics and keys; may act for every clinic.
        Admin => "admin",
        /// Chooses protocols, adjusts boosters, records scores, corrects.
        Clinician => "clinician",
        /// Books, moves, cancels, checks in.
        FrontDesk => "front_desk",
        /// Reminder and calendar integrations.
        Integration => "integration",
        /// Chairside's own workers (automatic no-show, reminders); never a key.
        System => "system",
    }
}

impl Role {
    /// Whether this role may take clinical decisions: omit a dose, correct a
    /// record, change booster spacing, override a protocol rule, pause,
    /// resume or end a course.
    pub fn is_clinical(self) -> bool {
        matches!(self, Role::Admin | Role::Clinician)
    }
}
