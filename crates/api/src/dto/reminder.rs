//! Reminders integrations send (Chairside says when; they send the SMS).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use chairside_engine::DayOfInstructions;

use super::session::SessionView;

/// A reminder due soon.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReminderView {
    /// When it is due (the lead time before the start, on the clinic's clock).
    pub due_at: DateTime<Utc>,
    /// The lead time, minutes.
    pub lead_minutes: u32,
    pub session: SessionView,
    /// What the patient must know on the day.
    pub instructions: DayOfInstructions,
}
