//! Background work that runs inside every server process. Each worker
//! claims its rows through the database, so any number of replicas may run
//! side by side without doing the same work twice.

pub mod housekeeping;
pub mod no_show;
pub mod reminders;
pub mod webhooks;

use std::time::Duration;

use crate::state::AppState;

/// Starts every worker on the current actix system.
pub fn start(state: AppState) {
    actix_web::rt::spawn(no_show::run(state.clone(), Duration::from_secs(60)));
    actix_web::rt::spawn(reminders::run(state.clone(), Duration::from_secs(30)));
    actix_web::rt::spawn(housekeeping::run(state.clone(), Duration::from_secs(3600)));
    actix_web::rt::spawn(webhooks::run(state));
}
