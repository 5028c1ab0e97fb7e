//! Clinical decisions: booster spacing (and its history), symptom scores,
//! spacing suggestions, REMS monitoring forms.

use chairside_engine::suggestion::{self, SuggestionRules};
use chairside_engine::{self as engine};
use chairside_store::models::{self as m, NewSymptomMeasure, SessionStatus};
use chairside_store::{repo, DbConnection};
use chrono::Utc;
use serde_json::json;

use crate::auth::Caller;
use crate::dto::clinical::{
    BoosterPolicyChangeView, BoosterPolicyChanged, ChangeBoosterPolicy, Instrument, MeasureView,
    RecordMeasure, RemsFormView, SuggestionView,
};
use crate::dto::protocol::BoosterPolicy;
use crate::error::ApiError;
use crate::etag::IfMatch;
use crate::service::context::CourseContext;
use crate::service::lifecycle::top_up_boosters;
use crate::service::sessions::change_status;
use crate::service::{audit, courses, emit, today};
use crate::views::{self, stored};

fn store_instrument(i: Instrument) -> m::Instrument {
    match i {
        Instrument::Phq9 => m::Instrument::Phq9,
        Instrument::Gad7 => m::Instrument::Gad7,
        Instrument::Madrs => m::Instrument::Madrs,
        Instrument::Pcl5 => m::Instrument::Pcl5,
    }
}

fn wire_instrument(i: m::Instrument) -> Instrument {
    match i {
        m::Instrument::Phq9 => Instrument::Phq9,
        m::Instrument::Gad7 => Instrument::Gad7,
        m::Instrument::Madrs => Instrument::Madrs,
        m::Instrument::Pcl5 => Instrument::Pcl5,
    }
}

fn engine_instrument(i: Instrument) -> suggestion::Instrument {
    match i {
        Instrument::Phq9 => suggestion::Instrument::Phq9,
        Instrument::Gad7 => suggestion::Instrument::Gad7,
        Instrument::Madrs => suggestion::Instrument::Madrs,
        Instrument::Pcl5 => suggestion::Instrument::Pcl5,
    }
}

/// Changes a course's booster policy (clinician or admin), re-planning only
/// future boosters not yet attended. Below the protocol's floor needs
/// `override_floor` and a reason; the change history keeps who, when,
/// old → new and why.
pub fn change_policy(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    course_id: i64,
    if_match: &IfMatch,
    body: &ChangeBoosterPolicy,
) -> Result<BoosterPolicyChanged, ApiError> {
    caller.require_clinical("changing booster spacing")?;
    if body.reason.trim().is_empty() {
        return Err(ApiError::invalid_field(
            "reason",
            "say why the spacing changes",
        ));
    }
    let context = CourseContext::load(conn, clinic_id, course_id)?;
    if_match.check(&courses::view(conn, &context.course)?)?;
    let Some((_, rules)) = context.protocol.boosters() else {
        return Err(ApiError::invalid_field(
            "policy",
            "this course's protocol has no booster phase",
        ));
    };
    let policy: engine::BoosterPolicy = body.policy.into();
    policy.validate("policy").map_err(ApiError::from)?;
    let below_floor = policy.floor_days < rules.default_policy.floor_days
        || policy.interval_days < rules.default_policy.floor_days;
    if below_floor && !body.override_floor {
        return Err(ApiError::Violations(vec![engine::Violation {
            rule: engine::Rule::BoosterFloor,
            sequence: None,
            detail: format!(
                "the protocol's floor is {} days; set override_floor with a reason to go below it",
                rules.default_policy.floor_days
            ),
        }]));
    }
    let new_policy = serde_json::to_value(policy).expect("serialises");
    repo::courses::change_booster_policy(
        conn,
        clinic_id,
        course_id,
        context.course.version,
        &new_policy,
        &body.reason,
        below_floor,
        caller.actor(),
    )?;
    // Only future boosters not yet attended move: cancel them and book
    // afresh from the last session that stands.
    let phase_is_boosters =
        context.protocol.boosters().map(|(i, _)| i as i32) == Some(context.course.current_phase);
    let mut cancelled = Vec::new();
    if phase_is_boosters {
        let now = Utc::now();
        let future: Vec<m::Session> = context
            .sessions
            .iter()
            .filter(|s| {
                s.phase_index == context.course.current_phase
                    && s.status == SessionStatus::Booked
                    && s.starts_at > now
            })
            .cloned()
            .collect();
        for s in &future {
            cancelled.push(change_status(
                conn,
                caller,
                &context,
                s,
                SessionStatus::Cancelled,
                Some("booster spacing changed"),
            )?);
        }
    }
    let booked = top_up_boosters(conn, caller, clinic_id, course_id, context.tomorrow())?;
    let payload = json!({
        "course_id": course_id,
        "old_policy": context.booster_policy()?.map(BoosterPolicy::from),
        "new_policy": body.policy,
        "reason": body.reason,
        "floor_overridden": below_floor,
    });
    emit(
        conn,
        clinic_id,
        "booster.policy_changed",
        course_id,
        payload.clone(),
    )?;
    audit(
        conn,
        caller,
        Some(clinic_id),
        "booster.policy_changed",
        "course",
        Some(course_id),
        None,
        Some(payload),
    )?;
    Ok(BoosterPolicyChanged {
        policy: body.policy,
        cancelled: cancelled
            .iter()
            .map(|s| views::session(context.zone, s))
            .collect(),
        booked: booked
            .iter()
            .map(|s| views::session(context.zone, s))
            .collect(),
    })
}

/// The esketamine label's step back: when symptoms worsen in maintenance,
/// return to the previous (more frequent) interval in one call.
pub fn step_back(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    course_id: i64,
    if_match: &IfMatch,
    reason: &str,
) -> Result<BoosterPolicyChanged, ApiError> {
    let context = CourseContext::load(conn, clinic_id, course_id)?;
    let Some((_, rules)) = context.protocol.boosters() else {
        return Err(ApiError::invalid_field(
            "course",
            "this course's protocol has no booster phase",
        ));
    };
    let current = context
        .booster_policy()?
        .expect("a booster phase has a policy");
    let previous = rules
        .interval_steps_days
        .iter()
        .rev()
        .copied()
        .find(|s| *s < current.interval_days)
        .ok_or_else(|| ApiError::Conflict {
            kind: "no-shorter-step",
            detail: format!(
                "{} days is already the most frequent step",
                current.interval_days
            ),
        })?;
    let policy = engine::BoosterPolicy {
        interval_days: previous,
        ..current
    };
    change_policy(
        conn,
        caller,
        clinic_id,
        course_id,
        if_match,
        &ChangeBoosterPolicy {
            policy: policy.into(),
            reason: reason.to_string(),
            override_floor: false,
        },
    )
}

/// The history of a course's booster policy.
pub fn policy_history(
    conn: &mut DbConnection,
    clinic_id: i64,
    course_id: i64,
) -> Result<Vec<BoosterPolicyChangeView>, ApiError> {
    repo::courses::get(conn, clinic_id, course_id)?;
    repo::courses::booster_policy_changes(conn, clinic_id, course_id)?
        .iter()
        .map(|c| {
            Ok(BoosterPolicyChangeView {
                id: c.id,
                key_id: c.key_id,
                role: c.role.as_str().to_string(),
                old_policy: c
                    .old_policy
                    .as_ref()
                    .map(|p| stored::<engine::BoosterPolicy>(p, "policy").map(BoosterPolicy::from))
                    .transpose()?,
                new_policy: stored::<engine::BoosterPolicy>(&c.new_policy, "policy")?.into(),
                reason: c.reason.clone(),
                floor_overridden: c.floor_overridden,
                changed_at: c.changed_at,
            })
        })
        .collect()
}

/// Records a symptom score on a course; out-of-range scores are 422.
pub fn record_measure(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    course_id: i64,
    body: &RecordMeasure,
) -> Result<MeasureView, ApiError> {
    let max = engine_instrument(body.instrument).max_score();
    if !(0..=max).contains(&body.score) {
        return Err(ApiError::invalid_field(
            "score",
            format!("must be between 0 and {max} for this instrument"),
        ));
    }
    let course = repo::courses::get(conn, clinic_id, course_id)?;
    let measured_at = body
        .measured_at
        .map_or_else(Utc::now, |t| t.with_timezone(&Utc));
    if measured_at > Utc::now() + chrono::Duration::minutes(5) {
        return Err(ApiError::invalid_field("measured_at", "is in the future"));
    }
    let measure = repo::measures::record(
        conn,
        clinic_id,
        &NewSymptomMeasure {
            patient_id: course.patient_id,
            course_id: Some(course_id),
            instrument: store_instrument(body.instrument),
            score: body.score,
            measured_at,
        },
        caller.actor(),
    )?;
    // Scores are health information: the audit row and the event name the
    // instrument, never the score.
    emit(
        conn,
        clinic_id,
        "measure.recorded",
        course_id,
        json!({ "course_id": course_id, "patient_id": course.patient_id, "measure_id": measure.id, "instrument": body.instrument, "measured_at": measure.measured_at }),
    )?;
    audit(
        conn,
        caller,
        Some(clinic_id),
        "measure.recorded",
        "course",
        Some(course_id),
        None,
        Some(json!({ "measure_id": measure.id, "instrument": measure.instrument.as_str() })),
    )?;
    Ok(list_measures(conn, clinic_id, course_id)?
        .into_iter()
        .find(|m| m.id == measure.id)
        .expect("just recorded"))
}

/// A course's scores, oldest first, with the baseline marked.
pub fn list_measures(
    conn: &mut DbConnection,
    clinic_id: i64,
    course_id: i64,
) -> Result<Vec<MeasureView>, ApiError> {
    let course = repo::courses::get(conn, clinic_id, course_id)?;
    let sessions = repo::sessions::for_course(conn, clinic_id, course_id)?;
    let first_session = sessions.iter().map(|s| s.starts_at).min();
    let mut measures: Vec<m::SymptomMeasure> =
        repo::measures::for_patient(conn, clinic_id, course.patient_id, None)?
            .into_iter()
            .filter(|m| m.course_id == Some(course_id))
            .collect();
    measures.sort_by_key(|m| (m.measured_at, m.id));
    let mut baseline_seen = std::collections::HashSet::new();
    Ok(measures
        .iter()
        .map(|m| {
            let before_first = first_session.is_none_or(|f| m.measured_at < f);
            let baseline = before_first && baseline_seen.insert(m.instrument.as_str());
            MeasureView {
                id: m.id,
                instrument: wire_instrument(m.instrument),
                score: m.score,
                measured_at: m.measured_at,
                baseline,
            }
        })
        .collect())
}

/// The booster suggestion for a course, from the clinic's rules.
pub fn suggestion(
    conn: &mut DbConnection,
    clinic_id: i64,
    course_id: i64,
) -> Result<SuggestionView, ApiError> {
    let context = CourseContext::load(conn, clinic_id, course_id)?;
    let Some((_, rules)) = context.protocol.boosters() else {
        return Err(ApiError::invalid_field(
            "course",
            "this course's protocol has no booster phase",
        ));
    };
    let clinic = repo::clinics::get(conn, clinic_id)?;
    let settings: crate::dto::clinic::ClinicSettings = stored(&clinic.settings, "settings")?;
    let suggestion_rules: SuggestionRules = settings.suggestion_rules();
    let wire = match suggestion_rules.instrument {
        suggestion::Instrument::Phq9 => Instrument::Phq9,
        suggestion::Instrument::Gad7 => Instrument::Gad7,
        suggestion::Instrument::Madrs => Instrument::Madrs,
        suggestion::Instrument::Pcl5 => Instrument::Pcl5,
    };
    let measures: Vec<MeasureView> = list_measures(conn, clinic_id, course_id)?
        .into_iter()
        .filter(|m| m.instrument == wire)
        .collect();
    let baseline = measures.iter().find(|m| m.baseline).map(|m| m.score);
    let since: Vec<i32> = measures
        .iter()
        .filter(|m| !m.baseline)
        .map(|m| m.score)
        .collect();
    let current = context
        .booster_policy()?
        .expect("a booster phase has a policy")
        .interval_days;
    let s = suggestion::suggest(
        &suggestion_rules,
        baseline,
        &since,
        &rules.interval_steps_days,
        current,
    );
    Ok(SuggestionView {
        direction: serde_json::to_value(s.direction)
            .expect("serialises")
            .as_str()
            .unwrap_or_default()
            .to_string(),
        rule: s.rule,
        instrument: wire,
        current_interval_days: s.current_interval_days,
        suggested_interval_days: s.suggested_interval_days,
        baseline: s.baseline,
        recent: s.recent,
        explanation: s.explanation,
    })
}

fn form_view(form: &m::RemsMonitoringForm, today: chrono::NaiveDate) -> RemsFormView {
    RemsFormView {
        id: form.id,
        session_id: form.session_id,
        patient_id: form.patient_id,
        due_on: form.due_on,
        filed_at: form.filed_at,
        overdue: form.filed_at.is_none() && form.due_on < today,
    }
}

/// Open REMS monitoring forms of a clinic (due and overdue), by due date.
pub fn rems_forms(
    conn: &mut DbConnection,
    clinic_id: i64,
    overdue_only: bool,
) -> Result<Vec<RemsFormView>, ApiError> {
    let clinic = repo::clinics::get(conn, clinic_id)?;
    let today = today(views::zone_of(&clinic)?);
    let until = if overdue_only {
        today - chrono::Duration::days(1)
    } else {
        today + chrono::Duration::days(3650)
    };
    Ok(repo::measures::rems_forms_due(conn, clinic_id, until)?
        .iter()
        .map(|f| form_view(f, today))
        .collect())
}

/// Marks a REMS form filed.
pub fn file_rems_form(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    form_id: i64,
) -> Result<RemsFormView, ApiError> {
    let clinic = repo::clinics::get(conn, clinic_id)?;
    let today = today(views::zone_of(&clinic)?);
    let form =
        repo::measures::rems_forms_due(conn, clinic_id, today + chrono::Duration::days(3650))?
            .into_iter()
            .find(|f| f.id == form_id)
            .ok_or_else(|| {
                ApiError::NotFound(format!("no open REMS form {form_id} in clinic {clinic_id}"))
            })?;
    let filed = repo::measures::file_rems_form(conn, clinic_id, form.id, form.version, Utc::now())?;
    audit(
        conn,
        caller,
        Some(clinic_id),
        "rems_form.filed",
        "rems_form",
        Some(form_id),
        None,
        Some(json!({ "session_id": form.session_id })),
    )?;
    let session = repo::sessions::get(conn, clinic_id, form.session_id)?;
    emit(
        conn,
        clinic_id,
        "rems_form.filed",
        session.course_id,
        json!({ "form_id": form_id, "session_id": form.session_id, "patient_id": form.patient_id, "due_on": form.due_on }),
    )?;
    Ok(form_view(&filed, today))
}
