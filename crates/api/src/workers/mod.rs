//! Background work that runs inside every server process. Each worker
//! claims its rows through the database, so any number of replicas may run
//! side by side without doing the same work twice.

pub mod backfill;
pub mod holds;
pub mod housekeeping;
pub mod no_show;
pub mod overruns;
pub mod reminders;
pub mod rems_forms;
pub mod webhooks;

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::state::AppState;

/// Starts every worker on the current actix system.
pub fn start(state: AppState) {
    let minute = Duration::from_secs(60);
    let sweeps: [(Duration, &'static str, Sweep); 6] = [
        (Duration::from_secs(15), "holds released", holds::sweep),
        (
            Duration::from_secs(15),
            "freed chair time offered",
            backfill::sweep,
        ),
        (minute, "automatic no-shows", no_show::sweep),
        (Duration::from_secs(30), "reminders due", reminders::sweep),
        (minute, "sessions running over", overruns::sweep),
        (10 * minute, "REMS form reminders", rems_forms::sweep),
    ];
    for (every, what, sweep) in sweeps {
        actix_web::rt::spawn(sweeping(state.clone(), every, what, sweep));
    }
    actix_web::rt::spawn(housekeeping::run(state.clone(), Duration::from_secs(3600)));
    actix_web::rt::spawn(webhooks::run(state));
}

/// One sweep over every clinic at a time; how many things it did.
type Sweep = fn(&chairside_store::Store, DateTime<Utc>) -> Result<usize, crate::error::ApiError>;

/// Runs `sweep` forever, once per `every`, at the clinic clock's now; says
/// what it did under `what`.
async fn sweeping(state: AppState, every: Duration, what: &'static str, sweep: Sweep) {
    let mut ticker = actix_web::rt::time::interval(every);
    loop {
        ticker.tick().await;
        let store = state.store.clone();
        let now = state.clock.now();
        match actix_web::web::block(move || sweep(&store, now)).await {
            Ok(Ok(0)) => {}
            Ok(Ok(done)) => tracing::info!(done, "{what}"),
            Ok(Err(error)) => tracing::warn!(%error, "{what}: sweep failed"),
            Err(_) => return,
        }
    }
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
