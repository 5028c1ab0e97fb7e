//! Clinical records around a course: booster spacing history, symptom
//! scores, spacing suggestions. (Changing the spacing is a course
//! decision: see [`crate::service::course`].)

use chairside_engine::suggestion;
use chairside_store::models::{self as m, NewSymptomMeasure};
use chairside_store::{repo, DbConnection};
use chrono::{DateTime, Utc};
use serde_json::json;

use crate::auth::Caller;
use crate::dto::clinical::{
    BoosterPolicyChangeView, BoosterPolicyChanged, MeasureView, RecordMeasure, SuggestionView,
};
use crate::error::ApiError;
use crate::service::course::Acted;
use crate::service::{audit, emit};
use crate::views;

/// The answer to a booster policy change: the policy now in force and the
/// boosters it moved.
pub fn policy_changed(acted: &Acted) -> Result<BoosterPolicyChanged, ApiError> {
    let policy = acted
        .applied
        .course
        .booster_policy
        .ok_or_else(|| ApiError::Internal("a changed policy is stored".into()))?;
    let cancelled = acted
        .decision
        .cancelled()
        .iter()
        .filter_map(|id| acted.session(id.0))
        .map(|s| views::session(acted.zone, &s))
        .collect();
    Ok(BoosterPolicyChanged {
        policy,
        cancelled,
        booked: acted
            .applied
            .booked
            .iter()
            .map(|s| views::session(acted.zone, s))
            .collect(),
    })
}

/// The history of a course's booster policy.
pub fn policy_history(
    conn: &mut DbConnection,
    clinic_id: i64,
    course_id: i64,
) -> Result<Vec<BoosterPolicyChangeView>, ApiError> {
    repo::courses::get(conn, clinic_id, course_id)?;
    Ok(
        repo::courses::booster_policy_changes(conn, clinic_id, course_id)?
            .into_iter()
            .map(|c| BoosterPolicyChangeView {
                id: c.id,
                key_id: c.key_id,
                role: c.role,
                old_policy: c.old_policy,
                new_policy: c.new_policy,
                reason: c.reason,
                floor_overridden: c.floor_overridden,
                changed_at: c.changed_at,
            })
            .collect(),
    )
}

/// Records a symptom score on a course; out-of-range scores are 422.
pub fn record_measure(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    course_id: i64,
    body: &RecordMeasure,
    now: DateTime<Utc>,
) -> Result<MeasureView, ApiError> {
    let max = body.instrument.max_score();
    if !(0..=max).contains(&body.score) {
        return Err(ApiError::invalid_field(
            "score",
            format!("must be between 0 and {max} for this instrument"),
        ));
    }
    let course = repo::courses::get(conn, clinic_id, course_id)?;
    let measured_at = body.measured_at.map_or(now, |t| t.with_timezone(&Utc));
    if measured_at > now + chrono::Duration::minutes(5) {
        return Err(ApiError::invalid_field("measured_at", "is in the future"));
    }
    let measure = repo::measures::record(
        conn,
        clinic_id,
        &NewSymptomMeasure {
            patient_id: course.patient_id,
            course_id: Some(course_id),
            instrument: body.instrument,
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
        Some(json!({ "measure_id": measure.id, "instrument": measure.instrument })),
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
            let baseline = before_first && baseline_seen.insert(m.instrument);
            MeasureView {
                id: m.id,
                instrument: m.instrument,
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
    let course = repo::courses::get(conn, clinic_id, course_id)?;
    let version = repo::protocols::get_version(conn, clinic_id, course.protocol_version_id)?;
    let Some((_, rules)) = version.definition.boosters() else {
        return Err(ApiError::invalid_field(
            "course",
            "this course's protocol has no booster phase",
        ));
    };
    let clinic = repo::clinics::get(conn, clinic_id)?;
    let suggestion_rules = clinic.settings.suggestion_rules();
    let measures: Vec<MeasureView> = list_measures(conn, clinic_id, course_id)?
        .into_iter()
        .filter(|m| m.instrument == suggestion_rules.instrument)
        .collect();
    let baseline = measures.iter().find(|m| m.baseline).map(|m| m.score);
    let since: Vec<i32> = measures
        .iter()
        .filter(|m| !m.baseline)
        .map(|m| m.score)
        .collect();
    let current = course
        .booster_policy
        .unwrap_or(rules.default_policy)
        .interval_days;
    let s = suggestion::suggest(
        &suggestion_rules,
        baseline,
        &since,
        &rules.interval_steps_days,
        current,
    );
    Ok(SuggestionView {
        direction: s.direction,
        rule: s.rule,
        instrument: suggestion_rules.instrument,
        current_interval_days: s.current_interval_days,
        suggested_interval_days: s.suggested_interval_days,
        baseline: s.baseline,
        recent: s.recent,
        explanation: s.explanation,
    })
}
