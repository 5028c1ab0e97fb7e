//! Background work that runs inside every server process. Each worker
//! claims its rows through the database, so any number of replicas may run
//! side by side without doing the same work twice.

pub mod housekeeping;
pub mod no_show;
pub mod reminders;
pub mod rems_forms;
pub mod webhooks;

use std::time::Duration;

use crate::state::AppState;

/// Starts every worker on the current actix system.
pub fn start(state: AppState) {
    actix_web::rt::spawn(no_show::run(state.clone(), Duration::from_secs(60)));
    actix_web::rt::spawn(reminders::run(state.clone(), Duration::from_secs(30)));
    actix_web::rt::spawn(rems_forms::run(state.clone(), Duration::from_secs(600)));
    actix_web::rt::spawn(housekeeping::run(state.clone(), Duration::from_secs(3600)));
    actix_web::rt::spawn(webhooks::run(state));
}

/// Runs `f` for every clinic, page by page, and adds up what it returns.
pub fn for_each_clinic(
    store: &chairside_store::Store,
    mut f: impl FnMut(&chairside_store::models::Clinic) -> Result<usize, crate::error::ApiError>,
) -> Result<usize, crate::error::ApiError> {
    use chairside_store::models::PageRequest;
    let mut total = 0;
    let mut page = PageRequest {
        after_id: None,
        limit: 100,
    };
    loop {
        let clinics = store.read(|conn| chairside_store::repo::clinics::list(conn, page))?;
        for clinic in &clinics.items {
            total += f(clinic)?;
        }
        match clinics.next_after_id {
            Some(after) => page.after_id = Some(after),
            None => return Ok(total),
        }
    }
}
