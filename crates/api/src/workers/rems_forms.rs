//! REMS form reminders: a form not yet submitted is announced once as
//! `rems_form.due_soon` two days before its due date and once as
//! `rems_form.overdue` the day after it, in clinic time. The claim is a
//! row update, so replicas never announce a form twice.

use chairside_engine::monitoring::rems_form::{Urgency, DUE_SOON_DAYS};
use chairside_store::repo::{self, rems_forms::Announcement};
use chrono::{DateTime, Utc};

use crate::error::ApiError;
use crate::service::{rems_forms, today};

/// One sweep over every clinic at `now`; returns how many announcements
/// were made.
pub fn sweep(store: &chairside_store::Store, now: DateTime<Utc>) -> Result<usize, ApiError> {
    super::for_each_clinic(store, |clinic| {
        let today = today(clinic.time_zone, now);
        let horizon = today + chrono::Duration::days(DUE_SOON_DAYS);
        let open =
            store.read(|conn| repo::rems_forms::list(conn, clinic.id, true, Some(horizon)))?;
        let mut sent = 0;
        for form in open {
            let (which, event) = match form.form().urgency(today) {
                Some(Urgency::Overdue) => (Announcement::Overdue, "rems_form.overdue"),
                Some(Urgency::DueSoon) => (Announcement::DueSoon, "rems_form.due_soon"),
                _ => continue,
            };
            let announced = store.write(|conn| -> Result<bool, ApiError> {
                if !repo::rems_forms::claim(conn, clinic.id, form.id, which)? {
                    return Ok(false);
                }
                rems_forms::announce(conn, &form, event)?;
                Ok(true)
            })?;
            sent += usize::from(announced);
        }
        Ok(sent)
    })
}
