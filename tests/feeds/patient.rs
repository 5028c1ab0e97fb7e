//! A patient's feed: it follows every change to their course and names no
//! one; its token is staff's to issue, rotate and revoke, and never kept in
//! the clear.

use chairside_store::models::PageRequest;
use chairside_store::repo::audit::{self, AuditFilter};
use serde_json::{json, Value};

use super::*;
use crate::support::*;

fn a_patient_feed_follows_every_change_and_names_no_one(app: &App) {
    let clinic = app.clinic();
    let patient = app.patient(&clinic, "MRN-1");
    let course = app.book_induction(&clinic, patient);
    let sessions = with_status(&course, &["booked"]);
    let ids: Vec<i64> = sessions.iter().map(|s| id(s)).collect();
    let (_, url) = issue_token(app, &clinic, patient);

    // No API key needed: the token is the credential.
    let first = fetch(app, &url, None);
    let feed = calendar_ok(&first);
    let expected_uids: Vec<String> = ids.iter().map(|s| uid(&clinic, *s)).collect();
    assert_eq!(
        feed.uids(),
        expected_uids,
        "one event per session, in time order"
    );
    assert_treatment_sessions_with_instructions(&feed, &clinic, &sessions);
    for (name, what) in [
        ("Patient MRN-1", "display name"),
        ("MRN-1", "external reference"),
    ] {
        assert!(!first.text.contains(name), "the {what} leaked");
    }

    // Stable while nothing changes: same body, same ETag, same UIDs.
    let again = fetch(app, &url, None);
    assert_eq!(again.text, first.text);
    assert_eq!(again.etag(), first.etag());
    assert_eq!(parse(&again.text).uids(), expected_uids);

    // The subscriber's copy is current: 304, no body.
    let unchanged = fetch(app, &url, Some(&first.etag()));
    assert_eq!(unchanged.status, 304, "{unchanged:?}");
    assert!(unchanged.text.is_empty());
    assert_eq!(unchanged.etag(), first.etag());

    // Reschedule one session: same UID, a later time, SEQUENCE up.
    let to_the_afternoon = json!({
        "to": {"local_start": format!("{}T14:00:00", local_date(sessions[1]))},
        "reason": "the patient asked for the afternoon",
    });
    let moved = app.act(&clinic, ids[1], "reschedule", Some(&to_the_afternoon));
    let moved = moved.expect(200);
    let after_move = fetch(app, &url, Some(&first.etag()));
    let moved_feed = calendar_ok(&after_move);
    assert_ne!(after_move.etag(), first.etag());
    assert_only_moved(&feed, &moved_feed, &expected_uids[1], &moved["session"]);

    // Cancel another: still there, marked cancelled, SEQUENCE up.
    let cancel = json!({"scope": "this", "reason": "travelling"});
    app.act(&clinic, ids[2], "cancel", Some(&cancel))
        .expect(200);
    let after_cancel = calendar_ok(&fetch(app, &url, None));
    assert_only_cancelled(&moved_feed, &after_cancel, &expected_uids[2]);
}
on_every_backend!(a_patient_feed_follows_every_change_and_names_no_one);

fn a_feed_token_is_staffs_to_issue_rotate_and_revoke(app: &App) {
    let clinic = app.clinic();
    let patient = app.patient(&clinic, "MRN-1");
    app.book_induction(&clinic, patient);
    let token_path = clinic.path(&format!("/patients/{patient}/calendar-token"));

    // Only staff keys issue tokens.
    app.call("POST", &token_path).send().problem(401);
    let integration = app.create_key("integration", Some(clinic.id));
    app.call("POST", &token_path)
        .key(&integration)
        .send()
        .problem(403);
    let (token, url) = issue_token(app, &clinic, patient);
    let before = calendar_ok(&fetch(app, &url, None));

    // Rotating: the old URL stops working at once, the new one works.
    let (rotated, new_url) = issue_token(app, &clinic, patient);
    assert_ne!(new_url, url);
    fetch(app, &url, None).problem(404);
    assert_eq!(
        calendar_ok(&fetch(app, &new_url, None)).uids(),
        before.uids()
    );

    // Revoking: 204, then 404 (also for a second revoke's feed).
    app.call("DELETE", &token_path)
        .key(&clinic.front_desk)
        .send()
        .expect(204);
    fetch(app, &new_url, None).problem(404);
    app.call("DELETE", &token_path)
        .key(&clinic.front_desk)
        .send()
        .expect(204);
    fetch(app, "/calendar/not-a-token.ics", None).problem(404);
    fetch(
        app,
        &format!("/calendar/{}.{}.ics", clinic.id, "A".repeat(43)),
        None,
    )
    .problem(404);

    assert_tokens_audited_never_kept(app, &clinic, patient, &[&token, &rotated]);
}
on_every_backend!(a_feed_token_is_staffs_to_issue_rotate_and_revoke);

/// The UID both feeds give a session.
fn uid(clinic: &Clinic, session: i64) -> String {
    format!("session-{}-{session}@chairside", clinic.id)
}

/// The front desk issues (or rotates) the patient's feed token: a reply
/// never cached, with a token of 32 random bytes or more and the feed's
/// URL. Returns both.
#[track_caller]
fn issue_token(app: &App, clinic: &Clinic, patient: i64) -> (String, String) {
    let token_path = clinic.path(&format!("/patients/{patient}/calendar-token"));
    let issued = app.call("POST", &token_path).key(&clinic.front_desk).send();
    assert_eq!(issued.header("cache-control"), Some("no-store"));
    let issued = issued.expect(201);
    let token = issued["token"].as_str().expect("a token").to_string();
    let url = issued["url"].as_str().expect("a url").to_string();
    assert_eq!(url, format!("/calendar/{token}.ics"));
    assert!(token.len() >= 43, "32 random bytes or more: {token}");
    (token, url)
}

/// Each session is a confirmed treatment session at the clinic, at the
/// API's times, with the instructions a patient needs before and after.
#[track_caller]
fn assert_treatment_sessions_with_instructions(feed: &Feed, clinic: &Clinic, sessions: &[&Value]) {
    for session in sessions {
        let event = feed.event(&uid(clinic, id(session)));
        assert_eq!(event["DTSTART"], utc_form(session, "start"));
        assert_eq!(event["DTEND"], utc_form(session, "end"));
        assert_eq!(event["STATUS"], "CONFIRMED");
        assert_eq!(event["LOCATION"], "Harbour Infusion Clinic");
        assert!(event["SEQUENCE"].parse::<i64>().is_ok());
        assert!(event["DTSTAMP"].ends_with('Z') && event["DTSTAMP"].len() == 16);
        let summary = unescape(&event["SUMMARY"]);
        assert!(summary.starts_with("Treatment session"), "{summary}");
        let description = unescape(&event["DESCRIPTION"]);
        for words in [
            "No food for 6 hours",
            "minutes early",
            "drive you home",
            "next day",
        ] {
            assert!(description.contains(words), "{words:?} in {description:?}");
        }
    }
}

fn sequence(feed: &Feed, uid: &str) -> i64 {
    feed.event(uid)["SEQUENCE"].parse().unwrap()
}

/// The moved event has a higher SEQUENCE and starts where the API moved
/// it; no event was added, and every other event is as it was.
#[track_caller]
fn assert_only_moved(was: &Feed, is: &Feed, moved_uid: &str, moved: &Value) {
    let event = is.event(moved_uid);
    assert!(
        sequence(is, moved_uid) > sequence(was, moved_uid),
        "{event:?}"
    );
    assert_eq!(event["DTSTART"], utc_form(moved, "start"));
    assert_eq!(is.events.len(), 6, "a move adds no event");
    for uid in was.uids().iter().filter(|u| *u != moved_uid) {
        assert_eq!(
            is.event(uid),
            was.event(uid),
            "untouched sessions are unchanged"
        );
    }
}

/// The cancelled event is still there, CANCELLED with a higher SEQUENCE,
/// and the only one not confirmed.
#[track_caller]
fn assert_only_cancelled(was: &Feed, is: &Feed, cancelled_uid: &str) {
    assert_eq!(is.event(cancelled_uid)["STATUS"], "CANCELLED");
    assert!(sequence(is, cancelled_uid) > sequence(was, cancelled_uid));
    let confirmed = is
        .events
        .iter()
        .filter(|e| e["STATUS"] == "CONFIRMED")
        .count();
    assert_eq!(confirmed, is.events.len() - 1, "only that one is cancelled");
}

/// The trail says who issued, rotated and revoked (twice) the patient's
/// token, never the token itself.
#[track_caller]
fn assert_tokens_audited_never_kept(app: &App, clinic: &Clinic, patient: i64, tokens: &[&str]) {
    let trail = app
        .store()
        .read(|conn| {
            audit::list(
                conn,
                Some(clinic.id),
                &AuditFilter {
                    entity_type: Some("patient".into()),
                    entity_id: Some(patient),
                },
                PageRequest {
                    after_id: None,
                    limit: 100,
                },
            )
        })
        .expect("read the audit trail")
        .items;
    let actions: Vec<&str> = trail.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| a.starts_with("patient.calendar_token"))
            .count(),
        4,
        "{actions:?}"
    );
    for token in tokens {
        let secret = token.split_once('.').map_or(*token, |(_, s)| s);
        for row in &trail {
            let text = format!("{:?} {:?}", row.before, row.after);
            assert!(!text.contains(secret), "a token in the audit trail: {text}");
        }
    }
}
