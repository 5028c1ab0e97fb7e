//! The api crate's tests, one binary: its services and HTTP stack in
//! process, each test on a SQLite database of its own
//! (`chairside_testkit::TestStore`).

mod fixtures;

mod chairs;
mod no_show;
mod openapi;
mod rate_limit;
mod reminders;
mod rems_forms;
mod webhooks;
