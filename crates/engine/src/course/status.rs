//! Session and course statuses, and which may follow which.
//!
//! Statuses move forward (domain rule 11): booked → checked in → completed
//! or not dosed; booked → cancelled or no-show. Nothing else moves a status
//! except a clinician's correction (see [`crate::course::Correction`]),
//! which is kept in the audit trail.

use crate::names::named_enum;

named_enum! {
    /// Where a session is in its life. The words map to FHIR
    /// `Appointment.status`: `booked`, `checked-in`, `fulfilled` (completed;
    /// not dosed is `fulfilled` with a reason), `cancelled`, `noshow`,
    /// `entered-in-error`.
    pub enum SessionStatus as "session status" {
        /// Holds a chair and a place in the course.
        Booked => "booked",
        /// The patient arrived and passed the checks at the desk.
        CheckedIn => "checked_in",
        /// Dosed and monitored: counts toward the series.
        Completed => "completed",
        /// Arrived but not treated (e.g. blood pressure above 140/90): a miss.
        NotDosed => "not_dosed",
        /// Cancelled: frees the chair; a miss unless the dose was omitted.
        Cancelled => "cancelled",
        /// Did not come: frees the chair; a miss.
        NoShow => "no_show",
        /// Should never have existed: frees the chair, counts for nothing.
        EnteredInError => "entered_in_error",
    }
}

impl SessionStatus {
    /// Whether a session in this status may move to `next` in the normal
    /// course of a day. Corrections are not transitions: they go through
    /// [`crate::course::Action::Correct`].
    pub fn may_become(self, next: SessionStatus) -> bool {
        use SessionStatus::*;
        matches!(
            (self, next),
            (Booked, CheckedIn)
                | (Booked, Cancelled)
                | (Booked, NoShow)
                | (CheckedIn, Completed)
                | (CheckedIn, NotDosed)
        )
    }

    /// Live sessions hold their chair and their patient: no other live
    /// session may overlap them (the database enforces it too).
    pub fn is_live(self) -> bool {
        matches!(
            self,
            SessionStatus::Booked
                | SessionStatus::CheckedIn
                | SessionStatus::Completed
                | SessionStatus::NotDosed
        )
    }

    /// Every live status, for the store's overlap guards.
    pub const LIVE: [SessionStatus; 4] = [
        SessionStatus::Booked,
        SessionStatus::CheckedIn,
        SessionStatus::Completed,
        SessionStatus::NotDosed,
    ];

    /// A dose given, being given, or planned: what a series counts toward
    /// its number (domain: counting). Misses and records in error are not.
    pub fn is_dose(self) -> bool {
        matches!(
            self,
            SessionStatus::Booked | SessionStatus::CheckedIn | SessionStatus::Completed
        )
    }

    /// A session that did not give its dose: it is still owed (unless a
    /// clinician omits it).
    pub fn is_miss(self) -> bool {
        matches!(
            self,
            SessionStatus::NotDosed | SessionStatus::Cancelled | SessionStatus::NoShow
        )
    }

    /// Whether the patient came (checked in, completed or not dosed).
    pub fn attended(self) -> bool {
        matches!(
            self,
            SessionStatus::CheckedIn | SessionStatus::Completed | SessionStatus::NotDosed
        )
    }
}

named_enum! {
    /// Where a course stands.
    pub enum CourseStatus as "course status" {
        /// Sessions are being booked and given.
        Active => "active",
        /// On hold: no sessions booked; a clinician resumes or ends it.
        Paused => "paused",
        /// Every phase done as planned.
        Completed => "completed",
        /// Ended early by a clinician.
        Ceased => "ceased",
    }
}

impl CourseStatus {
    /// Whether the course still runs (an active course blocks a second
    /// course of the same kind for the patient; a paused one does not).
    pub fn is_running(self) -> bool {
        self == CourseStatus::Active
    }

    /// Whether the course is over for good.
    pub fn is_over(self) -> bool {
        matches!(self, CourseStatus::Completed | CourseStatus::Ceased)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole matrix, written out: a change here is a change of the
    /// clinic's rules, so it must be a change of this table too.
    #[test]
    fn statuses_only_move_forward() {
        use SessionStatus::*;
        let allowed = [
            (Booked, CheckedIn),
            (Booked, Cancelled),
            (Booked, NoShow),
            (CheckedIn, Completed),
            (CheckedIn, NotDosed),
        ];
        for from in SessionStatus::ALL {
            for to in SessionStatus::ALL {
                assert_eq!(
                    from.may_become(*to),
                    allowed.contains(&(*from, *to)),
                    "{from} → {to}"
                );
            }
        }
        for done in [Completed, NotDosed, Cancelled, NoShow, EnteredInError] {
            assert!(SessionStatus::ALL.iter().all(|to| !done.may_become(*to)));
        }
    }

    #[test]
    fn words_round_trip() {
        for status in SessionStatus::ALL {
            assert_eq!(status.as_str().parse::<SessionStatus>(), Ok(*status));
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                serde_json::Value::String(status.as_str().into())
            );
        }
        assert!("arrived".parse::<SessionStatus>().is_err());
    }
}
