//! The clinic's clock in a test: every server of an app reads *now* from
//! one file (`CHAIRSIDE_CLOCK_FILE`), which starts at the real now. A test
//! that must act on a session when it happens moves the clock there, so the
//! rules that depend on the time of day (check-in on the day, no-show after
//! the grace period) are exercised as a clinic lives them.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use super::{instant, App};

/// Writes `now` into a clock file.
pub fn write(file: &Path, now: DateTime<Utc>) {
    std::fs::write(file, now.to_rfc3339()).expect("write the clock file");
}

impl App {
    /// The clinic's now.
    pub fn now(&self) -> DateTime<Utc> {
        let text = std::fs::read_to_string(self.db.clock_file()).expect("read the clock file");
        DateTime::parse_from_rfc3339(text.trim())
            .expect("an RFC 3339 instant")
            .with_timezone(&Utc)
    }

    /// Sets the clinic's now.
    pub fn set_now(&self, now: DateTime<Utc>) {
        write(&self.db.clock_file(), now);
    }

    /// Moves the clock to `offset` after a session's start.
    pub fn at_start_of(&self, session: &Value, offset: Duration) {
        self.set_now(instant(session, "start") + offset);
    }

    /// Moves the clock to `minutes` after the start of the clinic's session
    /// `id` (negative: before it).
    pub fn when(&self, clinic: &super::Clinic, id: i64, minutes: i64) {
        let (session, _) = self.session(clinic, id);
        self.at_start_of(&session, Duration::minutes(minutes));
    }
}
