//! The store's tests, one binary. Each test runs on SQLite and, when
//! `TEST_DATABASE_URL` is set, on PostgreSQL, each on a database of its own.

mod support;

mod audit;
mod booking;
mod migrations;
mod races;
mod records;
mod webhooks;
