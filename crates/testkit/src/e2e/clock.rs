//! The clinic's clock in a test: every server of an app reads *now* from
//! one file (`CHAIRSIDE_CLOCK_FILE`) in the database's scratch directory,
//! which starts at the real now. A test that must act on a session when it
//! happens moves the clock there, so the rules that depend on the time of
//! day (check-in on the day, no-show after the grace period) are exercised
//! as a clinic lives them.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use super::{instant, App, Clinic};
use crate::TestDb;

/// Writes `now` into a clock file.
pub fn write(file: &Path, now: DateTime<Utc>) {
    std::fs::write(file, now.to_rfc3339()).expect("write the clock file");
}

/// The clock file of the servers of `db`; the first to ask for it starts
/// it at the real now.
pub fn file(db: &TestDb) -> PathBuf {
    let file = db.scratch.join("clock");
    // Only if it is not there yet: a test may have moved the clock.
    if let Ok(mut new) = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&file)
    {
        new.write_all(Utc::now().to_rfc3339().as_bytes())
            .expect("start the clock file");
    }
    file
}

impl App {
    /// The clinic's now.
    pub fn now(&self) -> DateTime<Utc> {
        let text = std::fs::read_to_string(file(&self.db)).expect("read the clock file");
        DateTime::parse_from_rfc3339(text.trim())
            .expect("an RFC 3339 instant")
            .with_timezone(&Utc)
    }

    /// Sets the clinic's now.
    pub fn set_now(&self, now: DateTime<Utc>) {
        write(&file(&self.db), now);
    }

    /// Moves the clock to `offset` after a session's start.
    pub fn at_start_of(&self, session: &Value, offset: Duration) {
        self.set_now(instant(session, "start") + offset);
    }

    /// Moves the clock to `minutes` after the start of the clinic's session
    /// `id` (negative: before it).
    pub fn when(&self, clinic: &Clinic, id: i64, minutes: i64) {
        let (session, _) = self.session(clinic, id);
        self.at_start_of(&session, Duration::minutes(minutes));
    }
}
