//! The store's tests, one binary. Each test runs on a database of its own
//! (`chairside-testkit`): on SQLite, and in its `postgres` variant on
//! PostgreSQL — ignored unless asked for with `-- --include-ignored`, and
//! failing then without `TEST_DATABASE_URL`.

mod audit;
mod booking;
mod kept_calendar;
mod kept_calendar_in_line;
mod migrations;
mod races;
mod records;
mod reminders;
mod shared_commits;
mod webhooks;
