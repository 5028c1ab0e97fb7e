//! Booking: atomic courses, the database's overlap guard, one running
//! course per patient and kind, applying an engine decision whole,
//! optimistic concurrency.

mod atomic;
mod courses;
mod decisions;
