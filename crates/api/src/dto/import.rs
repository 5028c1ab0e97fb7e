//! Moving a clinic in: the rows an import takes, and what it did.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::dto::patient::CreatePatient;

/// A chair block (or, without a chair, a clinic closure) the old system
/// knew by `external_id`. `start`/`end`: RFC 3339 instants with an offset,
/// clinic-local date-times (`2026-03-09T12:00`), or dates for whole days
/// (`end` the last day closed).
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChairBlockRow {
    pub external_id: String,
    /// The chair's label (or give `chair_id`); neither: the whole clinic.
    #[serde(default)]
    pub chair: Option<String>,
    #[serde(default)]
    pub chair_id: Option<i64>,
    pub start: String,
    pub end: String,
    pub reason: String,
}

/// An appointment the old system had booked, known by `external_id`: the
/// patient (their `external_ref`), the protocol (its `code`), the chair
/// (label or `chair_id`) and the start (an instant with an offset, or a
/// clinic-local date-time). A patient's appointments on one protocol make
/// a new course whose remaining sessions Chairside plans after them; with
/// a course of that kind already running, they are added to it.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppointmentRow {
    pub external_id: String,
    pub patient: String,
    pub protocol: String,
    #[serde(default)]
    pub chair: Option<String>,
    #[serde(default)]
    pub chair_id: Option<i64>,
    pub start: String,
}

/// One row of an import (NDJSON: one object per line with its `kind`; CSV:
/// a `kind` column and the fields as columns).
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ImportRow {
    /// The fields of `POST …/patients`, keyed by `external_ref`.
    Patient(CreatePatient),
    ChairBlock(ChairBlockRow),
    Appointment(AppointmentRow),
}

/// What an import did with rows of one kind.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct ImportCounts {
    pub created: usize,
    pub updated: usize,
    /// Already there, as the row says: an import run twice changes nothing.
    pub unchanged: usize,
}

/// A row that cannot be imported, and why.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ImportProblem {
    /// The row's number: the line of an NDJSON file, the record of a CSV
    /// file (the header is row 0).
    pub row: usize,
    /// The field at fault (`kind` for a row that is not one).
    pub field: String,
    pub reason: String,
}

/// What an import did — or, for a dry run, would do.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ImportReport {
    /// `true`: nothing was written.
    pub dry_run: bool,
    /// How many rows were read.
    pub rows: usize,
    pub patients: ImportCounts,
    pub chair_blocks: ImportCounts,
    pub appointments: ImportCounts,
    /// Every row's problem. An import with any writes nothing (422).
    pub problems: Vec<ImportProblem>,
}
