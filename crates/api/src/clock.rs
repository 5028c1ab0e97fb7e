//! The clock the clinic's rules read: check-in windows, no-show grace,
//! "tomorrow" for a re-plan, reminders due, REMS forms overdue.
//!
//! In service it is the system clock. A test (or a demonstration of a
//! clinic day) may set `CHAIRSIDE_CLOCK_FILE`: the file holds one RFC 3339
//! instant, read on every question, so a test moves time by rewriting it.
//! Infrastructure timing (idempotency expiry, webhook retries, rate limits)
//! always uses the system clock.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};

/// Where *now* comes from.
#[derive(Clone, Debug, Default)]
pub enum Clock {
    /// The system clock.
    #[default]
    System,
    /// The instant written in this file.
    File(Arc<PathBuf>),
}

impl Clock {
    /// Now, for the clinic's rules.
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::File(path) => match read(path) {
                Some(now) => now,
                None => {
                    tracing::error!(clock.file = %path.display(), "the clock file holds no RFC 3339 instant; using the system clock");
                    Utc::now()
                }
            },
        }
    }
}

fn read(path: &PathBuf) -> Option<DateTime<Utc>> {
    let text = std::fs::read_to_string(path).ok()?;
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}
