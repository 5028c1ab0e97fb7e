//! Automatic no-show marking (domain rule 8): a booked session not checked
//! in `no_show_after_minutes` after its start, in clinic time, becomes a
//! no-show, and the miss is re-planned like any other.

use std::time::Duration;

use chairside_store::models::SessionStatus;
use chairside_store::repo::{self, sessions::SessionFilter};
use chrono::Utc;

use crate::auth::Caller;
use crate::dto::clinic::ClinicSettings;
use crate::error::ApiError;
use crate::service::sessions::mark_no_show_automatically;
use crate::state::AppState;
use crate::views::stored;

/// How far back a forgotten session is still marked (older ones are left
/// for staff to correct by hand).
const LOOKBACK_HOURS: i64 = 48;

/// Runs forever, one sweep per `every`.
pub async fn run(state: AppState, every: Duration) {
    let mut ticker = actix_web::rt::time::interval(every);
    loop {
        ticker.tick().await;
        let store = state.store.clone();
        let swept = actix_web::web::block(move || sweep(&store)).await;
        match swept {
            Ok(Ok(0)) => {}
            Ok(Ok(marked)) => tracing::info!(sessions.marked = marked, "automatic no-shows"),
            Ok(Err(error)) => tracing::warn!(%error, "no-show sweep failed"),
            Err(_) => return,
        }
    }
}

/// One sweep over every clinic; returns how many sessions were marked.
pub fn sweep(store: &chairside_store::Store) -> Result<usize, ApiError> {
    super::for_each_clinic(store, |clinic| sweep_clinic(store, clinic))
}

fn sweep_clinic(
    store: &chairside_store::Store,
    clinic: &chairside_store::models::Clinic,
) -> Result<usize, ApiError> {
    let settings: ClinicSettings = stored(&clinic.settings, "settings")?;
    let cutoff = Utc::now() - chrono::Duration::minutes(i64::from(settings.no_show_after_minutes));
    let filter = SessionFilter {
        range: Some((cutoff - chrono::Duration::hours(LOOKBACK_HOURS), cutoff)),
        statuses: Some(vec![SessionStatus::Booked]),
        course_id: None,
        patient_id: None,
    };
    let overdue = store.read(|conn| repo::sessions::all(conn, clinic.id, &filter))?;
    let caller = Caller::system("no-show-sweep");
    let mut marked = 0;
    for session in overdue.iter().filter(|s| s.starts_at <= cutoff) {
        // One transaction per session: a failure re-planning one course does
        // not hold back the others.
        match store.write(|conn| mark_no_show_automatically(conn, &caller, session)) {
            Ok(true) => marked += 1,
            Ok(false) => {}
            Err(error) => tracing::warn!(session.id = session.id, %error, "could not mark no-show"),
        }
    }
    Ok(marked)
}
