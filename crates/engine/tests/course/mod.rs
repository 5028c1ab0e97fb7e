//! The course decider: every rule of a course's life, by name, on a small
//! clinic (`world`), and a model-based test of random action sequences.

mod world;

mod attendance;
mod confirmation;
mod counting;
mod holds;
mod import;
mod lifecycle;
mod model;
mod monitoring;
mod overrun;
mod phases;
mod rems_form;
mod rescue;
