//! REMS Patient Monitoring Forms: the api loads the form, the session and
//! its record, asks the engine's [`RemsForm`] rules, keeps the result.
//! Events and audit rows carry ids and statuses only, never the content.

use chairside_engine::monitoring::rems_form::Urgency;
use chairside_engine::monitoring::{RemsForm, RemsFormFields, RemsFormStatus};
use chairside_store::models as m;
use chairside_store::{repo, DbConnection};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde_json::json;

use crate::auth::Caller;
use crate::dto::monitoring::{RemsFormView, SubmitRemsForm};
use crate::error::ApiError;
use crate::etag::IfMatch;
use crate::service::{audit, emit, local_date, today};

/// What the session's record pre-fills on the form.
fn prefill(
    conn: &mut DbConnection,
    zone: Tz,
    form: &m::RemsMonitoringForm,
) -> Result<RemsFormFields, ApiError> {
    let session = repo::sessions::get(conn, form.clinic_id, form.session_id)?;
    let record = repo::monitoring::get(conn, form.clinic_id, form.session_id)?
        .map(|m| m.record)
        .unwrap_or_default();
    Ok(RemsFormFields::prefilled(
        local_date(zone, session.starts_at),
        &record,
    ))
}

/// The form as a client sees it on `today`.
pub fn view(
    conn: &mut DbConnection,
    zone: Tz,
    form: &m::RemsMonitoringForm,
    today: NaiveDate,
) -> Result<RemsFormView, ApiError> {
    Ok(view_over(form, &prefill(conn, zone, form)?, today))
}

/// The form as a client sees it on `today`, given what its session's
/// record pre-fills.
fn view_over(
    form: &m::RemsMonitoringForm,
    prefill: &RemsFormFields,
    today: NaiveDate,
) -> RemsFormView {
    let fields = match form.status {
        // A draft shows the record as it stands under the clinician's
        // answers; a completed form keeps what was signed off.
        RemsFormStatus::Draft => form.answers.over(prefill),
        _ => form.answers.clone(),
    };
    let urgency = form.form().urgency(today);
    RemsFormView {
        id: form.id,
        session_id: form.session_id,
        patient_id: form.patient_id,
        due_on: form.due_on,
        status: form.status,
        urgency,
        overdue: urgency == Some(Urgency::Overdue),
        missing: fields.missing().into_iter().map(str::to_owned).collect(),
        fields,
        submission_reference: form.submission_reference.clone(),
        submitted_at: form.filed_at,
    }
}

/// Which forms a list shows.
#[derive(Clone, Copy, Debug)]
pub struct Listing {
    /// Submitted ones too.
    pub all: bool,
    /// Only those past their due date.
    pub overdue_only: bool,
}

/// The clinic's forms by due date.
pub fn list(
    conn: &mut DbConnection,
    clinic_id: i64,
    listing: Listing,
    now: DateTime<Utc>,
) -> Result<Vec<RemsFormView>, ApiError> {
    let zone = repo::clinics::get(conn, clinic_id)?.time_zone;
    let today = today(zone, now);
    let until = listing
        .overdue_only
        .then(|| today - chrono::Duration::days(1));
    let open_only = !listing.all || listing.overdue_only;
    repo::rems_forms::list(conn, clinic_id, open_only, until)?
        .iter()
        .map(|f| view(conn, zone, f, today))
        .collect()
}

/// One form.
pub fn get(
    conn: &mut DbConnection,
    clinic_id: i64,
    form_id: i64,
    now: DateTime<Utc>,
) -> Result<RemsFormView, ApiError> {
    let zone = repo::clinics::get(conn, clinic_id)?.time_zone;
    let form = repo::rems_forms::get(conn, clinic_id, form_id)?;
    view(conn, zone, &form, today(zone, now))
}

/// What can be done to a form.
pub enum Step {
    /// A clinician's answers (merged field by field).
    Answer(RemsFormFields),
    /// A clinician signs it off.
    Complete,
    /// The clinic filed it on the REMS portal.
    Submit(SubmitRemsForm),
}

impl Step {
    fn event(&self) -> &'static str {
        match self {
            Step::Answer(_) => "rems_form.answered",
            Step::Complete => "rems_form.completed",
            Step::Submit(_) => "rems_form.submitted",
        }
    }
}

/// Takes `step` on a form whose ETag the caller read.
pub fn take(
    conn: &mut DbConnection,
    caller: &Caller,
    (clinic_id, form_id): (i64, i64),
    if_match: &IfMatch,
    step: Step,
    now: DateTime<Utc>,
) -> Result<RemsFormView, ApiError> {
    let zone = repo::clinics::get(conn, clinic_id)?.time_zone;
    let today = today(zone, now);
    let row = repo::rems_forms::get(conn, clinic_id, form_id)?;
    // The record does not change while the form does: read it once.
    let prefilled = prefill(conn, zone, &row)?;
    if_match.check(&view_over(&row, &prefilled, today))?;
    let mut form: RemsForm = row.form();
    match &step {
        Step::Answer(answers) => form.answer(answers, caller.role)?,
        Step::Complete => form.complete(&prefilled, caller.role)?,
        Step::Submit(body) => form.submit(&body.submission_reference, body.submitted_at, now)?,
    }
    let saved = repo::rems_forms::save(conn, clinic_id, form_id, row.version, &form)?;
    let facts = json!({ "form_id": form_id, "session_id": row.session_id, "status": saved.status });
    audit(
        conn,
        caller,
        Some(clinic_id),
        step.event(),
        "rems_form",
        Some(form_id),
        None,
        Some(facts.clone()),
    )?;
    if !matches!(step, Step::Answer(_)) {
        announce(conn, &saved, step.event())?;
    }
    Ok(view_over(&saved, &prefilled, today))
}

/// Emits a form's event: ids, status and due date only.
pub fn announce(
    conn: &mut DbConnection,
    form: &m::RemsMonitoringForm,
    event: &str,
) -> Result<(), ApiError> {
    let session = repo::sessions::get(conn, form.clinic_id, form.session_id)?;
    emit(
        conn,
        form.clinic_id,
        event,
        session.course_id,
        json!({ "form_id": form.id, "session_id": form.session_id, "patient_id": form.patient_id,
                "status": form.status, "due_on": form.due_on }),
    )
}

/// The clinic's forms (all statuses) for sessions due between two dates,
/// as rows for a spreadsheet: one header line, one line per form.
pub fn csv(forms: &[RemsFormView]) -> String {
    const HEADER: &str = "form_id,session_id,patient_id,due_on,status,treatment_date,dose,dose_other_mg,lot_number,total_treatment_minutes,ready_to_leave_after_minutes,vitals_acceptable_before_administration,vitals_acceptable_before_completion,bp_before_administration,bp_40_minutes,bp_before_completion,sedation,dissociation,respiratory_depression,concomitant_medications,monitored_by,submission_reference,submitted_at";
    let mut out = String::from(HEADER);
    out.push_str("\r\n");
    for f in forms {
        let x = &f.fields;
        let opt = |v: Option<String>| v.unwrap_or_default();
        let bp = |p: Option<chairside_engine::monitoring::rems_form::Pressure>| {
            opt(p.map(|p| format!("{}/{}", p.systolic, p.diastolic)))
        };
        let cells = [
            f.id.to_string(),
            f.session_id.to_string(),
            f.patient_id.to_string(),
            f.due_on.to_string(),
            f.status.to_string(),
            opt(x.treatment_date.map(|d| d.to_string())),
            opt(x.dose.map(|d| d.to_string())),
            opt(x.dose_other_mg.map(|d| d.to_string())),
            opt(x.lot_number.clone()),
            opt(x.total_treatment_minutes.map(|m| m.to_string())),
            opt(x.ready_to_leave_after_minutes.map(|m| m.to_string())),
            opt(x
                .vitals_acceptable_before_administration
                .map(|b| b.to_string())),
            opt(x.vitals_acceptable_before_completion.map(|b| b.to_string())),
            bp(x.blood_pressure_before_administration),
            bp(x.blood_pressure_40_minutes),
            bp(x.blood_pressure_before_completion),
            opt(x.sedation.map(|b| b.to_string())),
            opt(x.dissociation.map(|b| b.to_string())),
            opt(x.respiratory_depression.map(|b| b.to_string())),
            opt(x
                .concomitant_medications
                .as_ref()
                .map(|m| m.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(";"))),
            opt(x.monitored_by.map(|s| s.0.to_string())),
            opt(f.submission_reference.clone()),
            opt(f.submitted_at.map(|t| t.to_rfc3339())),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// A CSV cell (RFC 4180): quoted when it holds a comma, quote or line
/// break; a leading `=`, `+`, `-` or `@` is prefixed with `'` so that a
/// spreadsheet never runs it as a formula.
fn csv_cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn a_cell_is_quoted_when_it_must_be_and_never_runs_as_a_formula() {
        assert_eq!(csv_cell("LOT-7731"), "LOT-7731");
        assert_eq!(csv_cell("a, b"), "\"a, b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-5"), "'-5");
    }
}
