//! What Chairside's tests share, said once.
//!
//! - [`TestDb`]: a database of a test's own, with a scratch directory: a
//!   SQLite file, or a PostgreSQL database cloned from a template that has
//!   the migrations applied (built once, reused until the migrations
//!   change: [`postgres`]). Dropped at the end of the test, also on panic.
//! - [`TestStore`]: a [`TestDb`], migrated, with a
//!   [`Store`](chairside_store::Store) open on it: the store's and the api's
//!   tests.
//! - [`fixtures`]: a clinic with chairs, patients and protocols written
//!   through the store, and courses booked the way the service books them.
//! - [`queries`]: what a test reads straight from its database (overlapping
//!   live sessions, row counts, the outbox).
//! - [`e2e`]: the real `chairside` binary serving a [`TestDb`] over HTTP, the
//!   clinic's clock, an HTTP client and the fixtures a clinic needs.
//!
//! # PostgreSQL
//!
//! A test that needs PostgreSQL is declared with [`postgres_test!`] (or one
//! of the macros built on it: [`backend_test!`], [`on_every_backend!`],
//! [`race_on_every_backend!`]). It is ignored unless asked for, and fails
//! (never passes) when asked for without `TEST_DATABASE_URL`:
//!
//! ```text
//! cargo test                                   # SQLite; PostgreSQL tests listed as ignored
//! TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!     cargo test -- --include-ignored          # everything
//! ```

pub mod db;
pub mod e2e;
pub mod fixtures;
pub mod postgres;
pub mod queries;
pub mod store;
pub mod unique;

pub use db::TestDb;
pub use store::TestStore;

/// A test that needs PostgreSQL: `#[test]`, ignored by default with the
/// reason "needs PostgreSQL (TEST_DATABASE_URL)", and failing at once when
/// run without `TEST_DATABASE_URL` (see [`postgres::require`]).
///
/// ```text
/// chairside_testkit::postgres_test! {
///     /// What it shows.
///     fn the_name_of_the_test() {
///         let db = chairside_testkit::TestDb::postgres();
///         …
///     }
/// }
/// ```
///
/// Attributes given before `fn` are kept, except an `#[ignore]` of their
/// own (a bug pin): the test is ignored either way, and this reason is the
/// one that says how to run it.
#[macro_export]
macro_rules! postgres_test {
    (@attrs [$($kept:tt)*] #[ignore $($why:tt)*] $($rest:tt)*) => {
        $crate::postgres_test!(@attrs [$($kept)*] $($rest)*);
    };
    (@attrs [$($kept:tt)*] #[$($attr:tt)*] $($rest:tt)*) => {
        $crate::postgres_test!(@attrs [$($kept)* #[$($attr)*]] $($rest)*);
    };
    (@attrs [$($kept:tt)*] fn $name:ident() $body:block) => {
        $($kept)*
        #[test]
        #[ignore = "needs PostgreSQL (TEST_DATABASE_URL)"]
        fn $name() {
            $crate::postgres::require();
            $body
        }
    };
    ($($test:tt)*) => {
        $crate::postgres_test!(@attrs [] $($test)*);
    };
}

/// A store test on each backend: `fn $name($db) { … }` becomes the module
/// `$name` with the tests `sqlite` and `postgres` (a [`postgres_test!`]),
/// each running the body on a [`TestStore`] of its own. Attributes given
/// first apply to both.
#[macro_export]
macro_rules! backend_test {
    ($(#[$($attr:tt)*])* fn $name:ident($db:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn body($db: &$crate::TestStore) $body

            $(#[$($attr)*])*
            #[test]
            fn sqlite() {
                body(&$crate::TestStore::sqlite());
            }

            $crate::postgres_test! {
                $(#[$($attr)*])*
                fn postgres() {
                    body(&$crate::TestStore::postgres());
                }
            }
        }
    };
}

/// An end-to-end scenario `fn $name(app: &App)` on each backend, served by
/// `$binary` (an [`e2e::Binary`]): the module `$name` with the tests
/// `sqlite` and `postgres` (a [`postgres_test!`]). Attributes given after
/// the binary apply to both.
#[macro_export]
macro_rules! on_every_backend {
    ($binary:expr; $(#[$($attr:tt)*])* $name:ident) => {
        mod $name {
            $(#[$($attr)*])*
            #[test]
            fn sqlite() {
                $binary.on_sqlite(super::$name);
            }

            $crate::postgres_test! {
                $(#[$($attr)*])*
                fn postgres() {
                    $binary.on_postgres(super::$name);
                }
            }
        }
    };
}

/// Like [`on_every_backend!`] for the races: `sqlite_one_server`, and
/// `postgres_three_servers`, three server processes sharing one PostgreSQL
/// database.
#[macro_export]
macro_rules! race_on_every_backend {
    ($binary:expr; $(#[$($attr:tt)*])* $name:ident) => {
        mod $name {
            $(#[$($attr)*])*
            #[test]
            fn sqlite_one_server() {
                $binary.on_sqlite(super::$name);
            }

            $crate::postgres_test! {
                $(#[$($attr)*])*
                fn postgres_three_servers() {
                    super::$name(&$binary.replicated($crate::TestDb::postgres(), 3));
                }
            }
        }
    };
}
