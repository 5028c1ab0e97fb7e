//! Courses through the engine's decider: the api loads, the engine decides,
//! the store persists. No rule of a course lives here — only where its
//! inputs come from and where its decision goes.

pub mod act;
pub mod book;
pub mod read;
pub mod record;
pub mod snapshot;

pub use act::{act, add_session, on_course, on_session, Acted};
pub use book::{book, preview, DEFAULT_FIRST_WITHIN_DAYS};
