//! Moving a clinic in: patients and chair blocks from the old system, as
//! one NDJSON or CSV file ([`parse`]). Every row is checked as the REST
//! API checks it and keyed by the old system's id (`external_ref`,
//! `external_id`): a row already there as given is unchanged, one there
//! otherwise is updated, a new one created — so importing a file twice
//! changes nothing. A dry run answers every row's problem and writes
//! nothing (the import is made and undone); an import with any problem
//! writes nothing (422 listing them); one without is one transaction. One
//! audit row per import, with the counts.

pub mod appointments;
pub mod parse;

use std::collections::{HashMap, HashSet};

use chairside_engine::ClosureSpan;
use chairside_store::models::{Chair, NewClosure, Patient, PatientUpdate};
use chairside_store::{repo, DbConnection};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde_json::json;

use crate::auth::Caller;
use crate::dto::import::{ChairBlockRow, ImportCounts, ImportProblem, ImportReport, ImportRow};
use crate::dto::patient::CreatePatient;
use crate::error::ApiError;
use crate::problem::FieldError;
use crate::service::{audit, closures, patients};
use parse::{Parsed, MAX_ROWS};

/// What happened to one row.
enum Outcome {
    Created,
    Updated,
    Unchanged,
}

fn count(counts: &mut ImportCounts, outcome: Outcome) {
    match outcome {
        Outcome::Created => counts.created += 1,
        Outcome::Updated => counts.updated += 1,
        Outcome::Unchanged => counts.unchanged += 1,
    }
}

/// Imports `parsed` into the clinic (`dry_run`: answers and undoes).
pub fn run(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    parsed: Parsed,
    (dry_run, now): (bool, DateTime<Utc>),
) -> Result<ImportReport, ApiError> {
    let (rows, problems) = parsed;
    if rows.len() + problems.len() > MAX_ROWS {
        return Err(ApiError::TooLarge(format!(
            "at most {MAX_ROWS} rows per import"
        )));
    }
    if rows.is_empty() {
        // Not a file of rows with some wrong, but no import at all: refused,
        // dry run or not.
        return Err(refusal(&problems, "the file holds no row that can be read"));
    }
    let apply = |conn: &mut DbConnection| apply(conn, caller, (clinic_id, now), rows, problems);
    if dry_run {
        let mut report = chairside_store::rolled_back(conn, apply)?;
        report.dry_run = true;
        return Ok(report);
    }
    let report = apply(conn)?;
    if report.problems.is_empty() {
        return Ok(report);
    }
    // The caller's transaction undoes every row written.
    let detail = format!(
        "{} row(s) cannot be imported; nothing was",
        report.problems.len()
    );
    Err(refusal(&report.problems, &detail))
}

/// A 422 naming each problem row's field as `rows[N].field`.
fn refusal(problems: &[ImportProblem], detail: &str) -> ApiError {
    let mut errors: Vec<FieldError> = problems
        .iter()
        .map(|p| FieldError {
            field: format!("rows[{}].{}", p.row, p.field),
            message: p.reason.clone(),
        })
        .collect();
    if errors.is_empty() {
        errors.push(FieldError {
            field: "body".into(),
            message: detail.into(),
        });
    }
    ApiError::Invalid {
        detail: detail.to_string(),
        errors,
    }
}

fn apply(
    conn: &mut DbConnection,
    caller: &Caller,
    (clinic_id, now): (i64, DateTime<Utc>),
    rows: Vec<(usize, ImportRow)>,
    mut problems: Vec<ImportProblem>,
) -> Result<ImportReport, ApiError> {
    let clinic = repo::clinics::get(conn, clinic_id)?;
    let chairs = repo::chairs::list(conn, clinic_id)?;
    let mut known = Known {
        patients: existing_patients(conn, clinic_id)?,
        seen: HashSet::new(),
    };
    let mut report = ImportReport {
        dry_run: false,
        rows: rows.len() + problems.len(),
        patients: ImportCounts::default(),
        chair_blocks: ImportCounts::default(),
        appointments: ImportCounts::default(),
        problems: Vec::new(),
    };
    // Appointments last: they name patients the file may create.
    let mut appointments = Vec::new();
    for (number, row) in rows {
        let done = match row {
            ImportRow::Patient(p) => {
                patient(conn, clinic_id, &mut known, &p).map(|o| count(&mut report.patients, o))
            }
            ImportRow::ChairBlock(b) => {
                chair_block(conn, (clinic_id, clinic.time_zone), &chairs, &mut known, &b)
                    .map(|o| count(&mut report.chair_blocks, o))
            }
            ImportRow::Appointment(a) => {
                appointments.push((number, a));
                Ok(())
            }
        };
        if let Err(error) = done {
            problems.push(problem(number, error)?);
        }
    }
    problems.extend(appointments::import(
        conn,
        caller,
        (clinic_id, clinic.time_zone),
        (&chairs, &known.patients),
        &appointments,
        (&mut report.appointments, now),
    )?);
    problems.sort_by_key(|p| p.row);
    report.problems = problems;
    audit_import(conn, caller, clinic_id, &report)?;
    Ok(report)
}

/// One audit row per import: the counts, never a row's content.
fn audit_import(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    report: &ImportReport,
) -> Result<(), ApiError> {
    let counts = json!({ "rows": report.rows, "patients": report.patients,
        "chair_blocks": report.chair_blocks, "appointments": report.appointments });
    let at = Some(clinic_id);
    audit(
        conn,
        caller,
        at,
        "import.applied",
        "clinic",
        at,
        None,
        Some(counts),
    )
}

/// A row's refusal as its problem; any other failure stops the import.
fn problem(row: usize, error: ApiError) -> Result<ImportProblem, ApiError> {
    let (field, reason) = match error {
        ApiError::Invalid { errors, detail } | ApiError::BadRequest { errors, detail } => {
            let first = errors.into_iter().next();
            (
                first
                    .as_ref()
                    .map_or_else(|| "kind".into(), |e| e.field.clone()),
                first.map_or(detail, |e| e.message),
            )
        }
        // The course's rules refuse an appointment's time: name them.
        ApiError::Violations(violations) => (
            "start".into(),
            violations
                .iter()
                .map(|v| format!("{}: {}", v.rule, v.detail))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        ApiError::Refused(refusal) => ("patient".into(), refusal.detail),
        ApiError::Gate { gate, detail } => (gate.into(), detail),
        e @ ApiError::Infeasible(_) => ("start".into(), e.to_string()),
        other => return Err(other),
    };
    Ok(ImportProblem { row, field, reason })
}

/// The ids already in the clinic, and those this file named so far.
struct Known {
    patients: HashMap<String, Patient>,
    seen: HashSet<(char, String)>,
}

impl Known {
    /// Refuses an id the file gave before.
    fn first_time(&mut self, kind: char, id: &str, field: &str) -> Result<(), ApiError> {
        if self.seen.insert((kind, id.to_string())) {
            Ok(())
        } else {
            Err(ApiError::invalid_field(
                field,
                format!("{id:?} appears twice in this file"),
            ))
        }
    }
}

fn existing_patients(
    conn: &mut DbConnection,
    clinic_id: i64,
) -> Result<HashMap<String, Patient>, ApiError> {
    let mut all = HashMap::new();
    let mut page = chairside_store::models::PageRequest {
        after_id: None,
        limit: 1000,
    };
    loop {
        let rows = repo::patients::list(conn, clinic_id, page)?;
        all.extend(rows.items.into_iter().map(|p| (p.external_ref.clone(), p)));
        match rows.next_after_id {
            Some(after) => page.after_id = Some(after),
            None => return Ok(all),
        }
    }
}

fn patient(
    conn: &mut DbConnection,
    clinic_id: i64,
    known: &mut Known,
    row: &CreatePatient,
) -> Result<Outcome, ApiError> {
    patients::check(&row.external_ref, &row.display_name, &row.preferences)?;
    known.first_time('p', &row.external_ref, "external_ref")?;
    let Some(current) = known.patients.get(&row.external_ref) else {
        let created = repo::patients::create(conn, clinic_id, &patients::new_patient(row))?;
        known.patients.insert(created.external_ref.clone(), created);
        return Ok(Outcome::Created);
    };
    let same = current.display_name == row.display_name
        && current.preferences == row.preferences
        && current.intake_assessed_on == row.intake_assessed_on
        && current.consent_on_file == row.consent_on_file
        && current.rems_enrolled_on == row.rems_enrolled_on
        && current.escort_confirmed == row.escort_confirmed;
    if same {
        return Ok(Outcome::Unchanged);
    }
    let change = PatientUpdate {
        display_name: Some(row.display_name.clone()),
        preferences: Some(row.preferences.clone()),
        intake_assessed_on: Some(row.intake_assessed_on),
        consent_on_file: Some(row.consent_on_file),
        rems_enrolled_on: Some(row.rems_enrolled_on),
        escort_confirmed: Some(row.escort_confirmed),
        ..PatientUpdate::default()
    };
    let updated = repo::patients::update(conn, clinic_id, current.id, current.version, &change)?;
    known.patients.insert(updated.external_ref.clone(), updated);
    Ok(Outcome::Updated)
}

fn chair_block(
    conn: &mut DbConnection,
    (clinic_id, zone): (i64, Tz),
    chairs: &[Chair],
    known: &mut Known,
    row: &ChairBlockRow,
) -> Result<Outcome, ApiError> {
    let external_id = row.external_id.trim();
    if external_id.is_empty() || external_id.len() > 100 {
        return Err(ApiError::invalid_field(
            "external_id",
            "1 to 100 characters",
        ));
    }
    crate::service::clinics::non_blank("reason", &row.reason, 500)?;
    let chair_id = chair_named(chairs, row.chair.as_ref(), row.chair_id)?;
    let span = span(&row.start, &row.end)?;
    closures::check_span(zone, &span)?;
    known.first_time('b', external_id, "external_id")?;
    let new = NewClosure {
        chair_id,
        span,
        reason: row.reason.clone(),
        external_id: Some(external_id.to_string()),
    };
    let outcome = match repo::closures::find_by_external_id(conn, clinic_id, external_id)? {
        Some(c) if c.chair_id == new.chair_id && c.span == new.span && c.reason == new.reason => {
            return Ok(Outcome::Unchanged)
        }
        Some(c) => {
            repo::closures::remove(conn, clinic_id, c.id)?;
            Outcome::Updated
        }
        None => Outcome::Created,
    };
    repo::closures::add(conn, clinic_id, &new)?;
    Ok(outcome)
}

/// The chair a row names (by id or label), or none.
fn chair_named(
    chairs: &[Chair],
    label: Option<&String>,
    id: Option<i64>,
) -> Result<Option<i64>, ApiError> {
    let found = match (label, id) {
        (None, None) => return Ok(None),
        (_, Some(id)) => chairs.iter().find(|c| c.id == id).ok_or_else(|| {
            ApiError::invalid_field(
                "chair_id",
                format!("chair {id} is not one of this clinic's"),
            )
        })?,
        (Some(label), None) => chairs.iter().find(|c| &c.label == label).ok_or_else(|| {
            ApiError::invalid_field("chair", format!("no chair is labelled {label:?}"))
        })?,
    };
    Ok(Some(found.id))
}

/// A block's span from its two ends: dates (whole days, `end` the last),
/// instants with an offset, or clinic-local date-times; both of one kind.
fn span(start: &str, end: &str) -> Result<ClosureSpan, ApiError> {
    let date = |t: &str| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok();
    let instant = |t: &str| {
        DateTime::parse_from_rfc3339(t)
            .ok()
            .map(|d| d.with_timezone(&Utc))
    };
    let local = chairside_engine::wall_clock::parse_local;
    if let (Some(first), Some(last)) = (date(start), date(end)) {
        return Ok(ClosureSpan::Days { first, last });
    }
    if let (Some(start), Some(end)) = (instant(start), instant(end)) {
        return Ok(ClosureSpan::Instants { start, end });
    }
    if let (Some(start), Some(end)) = (local(start), local(end)) {
        return Ok(ClosureSpan::Range { start, end });
    }
    Err(ApiError::invalid_field(
        "start",
        "start and end are both dates, both instants with an offset, or both clinic-local date-times",
    ))
}
