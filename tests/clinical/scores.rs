//! Scores: booster suggestions follow the clinic's rules; a score outside
//! its scale is refused, and the first is the baseline.

use chrono::{Duration, Utc};
use serde_json::{json, Value};

use super::*;
use crate::support::*;

fn booster_suggestions_follow_the_clinics_rules(app: &App) {
    let clinic = app.clinic();
    let fd = clinic.front_desk.clone();
    let patient = app.patient(&clinic, "MRN-5101");
    let course_id = app.book_induction(&clinic, patient)["id"].as_i64().unwrap();
    let path = course_path(&clinic, course_id, "/booster-suggestion");
    let suggest = || app.get(&fd, &path).expect(200);

    // PHQ-9 by default; nothing to compare with yet.
    let s = suggest();
    assert_eq!(summary(&s), keep("no_baseline"), "{s}");
    assert_eq!(s["instrument"], "phq9", "{s}");
    assert_eq!(s["current_interval_days"], 21, "{s}");
    record(app, &fd, &clinic, course_id, "phq9", 20, None).expect(201);
    let s = suggest();
    assert_eq!(summary(&s), keep("no_scores_since_baseline"), "{s}");
    assert_eq!(s["baseline"], 20, "{s}");
    record(app, &fd, &clinic, course_id, "phq9", 9, None).expect(201);
    let s = suggest();
    assert_eq!(summary(&s), keep("response_maintained"), "{s}");

    // This clinic guides spacing by MADRS, remission at 12 or below held
    // for three scores.
    set_clinic_setting(
        app,
        &clinic,
        "suggestion",
        json!({"instrument": "madrs", "remission_at_most": 12, "response_percent": null, "response_points": null, "remission_held_for": 3}),
    );
    let s = suggest();
    assert_eq!(summary(&s), keep("no_baseline"), "{s}");
    assert_eq!(s["instrument"], "madrs", "{s}");
    for score in [34, 12, 10] {
        record(app, &fd, &clinic, course_id, "madrs", score, None).expect(201);
    }
    let s = suggest();
    assert_eq!(
        summary(&s),
        keep("response_maintained"),
        "two in remission are not three: {s}"
    );
    record(app, &fd, &clinic, course_id, "madrs", 9, None).expect(201);
    let s = suggest();
    assert_eq!(
        summary(&s),
        ("lengthen".into(), "remission_held".into(), 28),
        "{s}"
    );
    assert_eq!(s["baseline"], 34, "{s}");
    assert_eq!(s["recent"], json!([12, 10, 9]), "{s}");
    record(app, &fd, &clinic, course_id, "madrs", 20, None).expect(201);
    let s = suggest();
    assert_eq!(
        summary(&s),
        ("shorten".into(), "loss_of_response".into(), 14),
        "20 is less than 50% below 34: {s}"
    );
}
on_every_backend!(booster_suggestions_follow_the_clinics_rules);

/// A suggestion's direction, the rule behind it and the interval it
/// suggests.
fn summary(suggestion: &Value) -> (String, String, i64) {
    (
        suggestion["direction"].as_str().unwrap().to_string(),
        suggestion["rule"].as_str().unwrap().to_string(),
        suggestion["suggested_interval_days"].as_i64().unwrap(),
    )
}

/// A suggestion to keep the IV preset's 21 days, for this rule.
fn keep(rule: &str) -> (String, String, i64) {
    ("keep".to_string(), rule.to_string(), 21)
}

/// A booked course and the path of its scores.
fn course_with_scores(app: &App, clinic: &Clinic, mrn: &str) -> (i64, String) {
    let patient = app.patient(clinic, mrn);
    let course_id = app.book_induction(clinic, patient)["id"].as_i64().unwrap();
    (course_id, course_path(clinic, course_id, "/measures"))
}

fn scores_outside_their_scale_are_refused(app: &App) {
    let clinic = app.clinic();
    let fd = clinic.front_desk.clone();
    let (course_id, measures_path) = course_with_scores(app, &clinic, "MRN-5001");

    for (instrument, score) in [
        ("phq9", 28),
        ("gad7", 22),
        ("madrs", 61),
        ("pcl5", 81),
        ("phq9", -1),
        ("madrs", -5),
    ] {
        let reply = record(app, &fd, &clinic, course_id, instrument, score, None);
        assert_invalid(&reply, "score");
    }
    assert_invalid(
        &record(app, &fd, &clinic, course_id, "hamd", 10, None),
        "instrument",
    );
    let tomorrow = Some(Utc::now() + Duration::days(1));
    assert_invalid(
        &record(app, &fd, &clinic, course_id, "phq9", 10, tomorrow),
        "measured_at",
    );
    assert_eq!(app.get(&fd, &measures_path).expect(200), json!([]));
    let recorded = trail(app, &clinic)
        .iter()
        .filter(|r| r.action == "measure.recorded")
        .count();
    assert_eq!(recorded, 0, "no audit row for a score refused");
}
on_every_backend!(scores_outside_their_scale_are_refused);

fn the_first_score_is_the_baseline_and_a_retry_records_once(app: &App) {
    let clinic = app.clinic();
    let fd = clinic.front_desk.clone();
    let (course_id, measures_path) = course_with_scores(app, &clinic, "MRN-5001");

    // The ends of each scale are in range. The first PHQ-9, before the
    // first session, is the baseline; the next one is not.
    let mut recorded = Vec::new();
    for (instrument, score) in [
        ("phq9", 27),
        ("gad7", 21),
        ("madrs", 60),
        ("pcl5", 80),
        ("phq9", 0),
    ] {
        let measure = record(app, &fd, &clinic, course_id, instrument, score, None).expect(201);
        assert_eq!(measure["instrument"], instrument, "{measure}");
        assert_eq!(measure["score"], score, "{measure}");
        recorded.push(measure["id"].as_i64().unwrap());
    }
    let listed = app.get(&fd, &measures_path).expect(200);
    let listed = listed.as_array().unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|m| m["id"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        recorded,
        "oldest first: {listed:?}"
    );
    assert_first_of_each_scale_is_its_baseline(listed);

    // A retry with the same Idempotency-Key records once.
    let retry = || {
        app.call("POST", &measures_path)
            .key(&fd)
            .idempotency_key("phq9-visit-2")
            .json(&json!({"instrument": "phq9", "score": 9}))
            .send()
            .expect(201)
    };
    assert_eq!(retry()["id"], retry()["id"]);
    let listed = app.get(&fd, &measures_path).expect(200);
    assert_eq!(listed.as_array().unwrap().len(), 6, "{listed}");

    let trail = trail(app, &clinic);
    assert_eq!(
        audited(&trail, "measure.recorded", "course", course_id).len(),
        6,
        "one audit row per score recorded"
    );
}
on_every_backend!(the_first_score_is_the_baseline_and_a_retry_records_once);

/// The first score of each scale is its baseline; of the two PHQ-9 scores
/// (27, then 0) only the first.
#[track_caller]
fn assert_first_of_each_scale_is_its_baseline(listed: &[Value]) {
    let phq9: Vec<(i64, bool)> = listed
        .iter()
        .filter(|m| m["instrument"] == "phq9")
        .map(|m| {
            (
                m["score"].as_i64().unwrap(),
                m["baseline"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(phq9, [(27, true), (0, false)], "{listed:?}");
    for m in listed.iter().filter(|m| m["instrument"] != "phq9") {
        assert_eq!(m["baseline"], true, "{m}");
    }
}
