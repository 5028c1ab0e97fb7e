//! Fan-out: one delivery per matching subscription, exactly once, its body
//! shaped per subscription; subscriptions enabled, disabled and rotated
//! with versions.

use chairside_store::models::{DeliveryStatus, NewWebhookSubscription, WebhookSubscription};
use chairside_store::repo::{outbox, webhooks};
use chairside_store::{stored_instant, DbConnection, ErrorKind, StoreError};
use chrono::{Duration, Utc};
use diesel::connection::SimpleConnection;
use serde_json::json;

use super::*;
use chairside_testkit::backend_test;
use chairside_testkit::fixtures::seed;
use chairside_testkit::queries::count;

/// Each delivery a subscription got, as (event type, event id), oldest first.
fn events_delivered_to(store: &Store, sub: &WebhookSubscription) -> Vec<(String, String)> {
    all_deliveries(store, sub.clinic_id, sub.id)
        .into_iter()
        .map(|d| (d.event_type, d.event_id))
        .collect()
}

/// A delivery of the `course.booked` event `event_id`, not tried yet and
/// due: its payload the whole Standard Webhooks body of the outbox event
/// (type, timestamp to the second, data), frozen for retries.
#[track_caller]
fn assert_pending_with_standard_body(
    conn: &mut DbConnection,
    d: &Delivery,
    event_id: &str,
    course_id: i64,
) {
    let event = outbox::list_after(conn, Some(d.clinic_id), 0, 10)
        .unwrap()
        .into_iter()
        .find(|e| e.event_id == event_id)
        .unwrap();
    assert_eq!(
        d.payload,
        json!({
            "type": "course.booked",
            "timestamp": event.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "data": event.payload,
        })
    );
    assert_eq!(
        (
            d.status,
            d.attempts,
            d.aggregate_id,
            d.outbox_id,
            d.replay_of
        ),
        (DeliveryStatus::Pending, 0, course_id, event.id, None)
    );
    assert!(d.next_attempt_at.is_some() && d.locked_until.is_none());
}

backend_test! {
    fn fan_out_creates_one_delivery_per_matching_subscription_once(db) {
        let fx = seed(&db.store, 2, 2);
        let other = seed(&db.store, 1, 1);
        let booked_only = subscribe(&db.store, fx.clinic_id, &["course.booked"]);
        let everything = subscribe(&db.store, fx.clinic_id, &["*"]);
        let cancels = subscribe(&db.store, fx.clinic_id, &["session.cancelled", "session.no_show"]);
        let disabled = subscribe(&db.store, fx.clinic_id, &["*"]);
        db.store.write(|c| webhooks::set_enabled(c, fx.clinic_id, disabled.id, disabled.version,
            false, Some("410 Gone"))).unwrap();
        let elsewhere = subscribe(&db.store, other.clinic_id, &["*"]);

        let (course_id, booked_event) = course(&db.store, &fx, 0);
        let cancel_event = emit(&db.store, fx.clinic_id, "session.cancelled", course_id);
        let other_event = emit(&db.store, other.clinic_id, "course.paused", 77);

        assert_eq!(fan_out(&db.store), 3, "three outbox events handled");
        let mut conn = db.store.connection().unwrap();
        assert_eq!(count(&mut conn, "webhook_deliveries"), 5);
        assert_eq!(count(&mut conn, "outbox_pending"), 0, "the queue is empty");
        assert_eq!(count(&mut conn, "outbox"), 3, "the event log keeps every event");

        let events_of = |sub: &WebhookSubscription| events_delivered_to(&db.store, sub);
        assert_eq!(events_of(&booked_only), [("course.booked".into(), booked_event.clone())]);
        assert_eq!(events_of(&everything), [
            ("course.booked".into(), booked_event.clone()),
            ("session.cancelled".into(), cancel_event.clone()),
        ]);
        assert_eq!(events_of(&cancels), [("session.cancelled".into(), cancel_event)]);
        assert!(events_of(&disabled).is_empty(), "a disabled subscription gets nothing");
        assert_eq!(events_of(&elsewhere), [("course.paused".into(), other_event)]);

        // The payload is the whole Standard Webhooks body, frozen for retries.
        let d = &all_deliveries(&db.store, fx.clinic_id, everything.id)[0];
        assert_pending_with_standard_body(&mut conn, d, &booked_event, course_id);

        // Nothing left to fan out: a second run creates nothing.
        drop(conn);
        assert_eq!(fan_out(&db.store), 0);
        let mut conn = db.store.connection().unwrap();
        assert_eq!(count(&mut conn, "webhook_deliveries"), 5);

        // The unique key refuses a second original of an event, even from
        // raw SQL, whatever queues the event again.
        let err = conn.batch_execute(&format!(
            "INSERT INTO webhook_deliveries (clinic_id, subscription_id, outbox_id, event_id, \
               event_type, aggregate_id, payload, status, attempts, next_attempt_at, created_at) \
             SELECT clinic_id, subscription_id, outbox_id, event_id, event_type, aggregate_id, \
               payload, status, 0, next_attempt_at, created_at FROM webhook_deliveries WHERE id = {}",
            d.id)).expect_err("duplicate original");
        assert_eq!(StoreError::from(err).kind(), ErrorKind::Duplicate);
        // And fan-out itself does not trip over an existing original.
        conn.batch_execute("INSERT INTO outbox_pending SELECT id, clinic_id, aggregate_id, event_type FROM outbox").unwrap();
        drop(conn);
        assert_eq!(fan_out(&db.store), 3);
        let mut conn = db.store.connection().unwrap();
        assert_eq!(count(&mut conn, "webhook_deliveries"), 5);

        // It is a multi-statement write: outside a transaction it refuses.
        assert_eq!(webhooks::fan_out(&mut conn, 10).unwrap_err().kind(), ErrorKind::Internal);
    }
}

backend_test! {
    fn fan_out_with_shapes_the_body_per_subscription(db) {
        let fx = seed(&db.store, 1, 1);
        let plain = subscribe(&db.store, fx.clinic_id, &["*"]);
        let named = db.store.write(|c| webhooks::create(c, fx.clinic_id, &NewWebhookSubscription {
            url: "https://reminders.example/hook".into(),
            event_types: vec!["*".into()],
            secret: SECRET.into(),
            include_patient_names: true,
        })).unwrap();
        emit(&db.store, fx.clinic_id, "session.booked", 5);
        db.store.write(|c| webhooks::fan_out_with(c, 10, |_, event, sub| {
            let mut body = webhooks::standard_body(event);
            if sub.include_patient_names {
                body["data"]["patient_name"] = json!("Patient 0");
            }
            Ok(body)
        })).unwrap();
        let plain_body = &all_deliveries(&db.store, fx.clinic_id, plain.id)[0].payload;
        let named_body = &all_deliveries(&db.store, fx.clinic_id, named.id)[0].payload;
        assert!(plain_body["data"].get("patient_name").is_none());
        assert_eq!(named_body["data"]["patient_name"], "Patient 0");
    }
}

backend_test! {
    fn subscriptions_enable_disable_and_rotate_with_versions(db) {
        let fx = seed(&db.store, 1, 1);
        let sub = subscribe(&db.store, fx.clinic_id, &["session.booked", "session.cancelled"]);
        assert!(sub.enabled && sub.version == 1 && sub.previous_secret.is_none());
        assert_eq!(sub.secret, SECRET, "stored as given: the worker signs with it");
        let printed = format!("{sub:?}");
        assert!(!printed.contains(SECRET), "Debug redacts the secret: {printed}");
        let serialised = serde_json::to_value(&sub).unwrap();
        assert!(serialised.get("secret").is_none() && serialised.get("previous_secret").is_none());

        let mut conn = db.store.connection().unwrap();
        assert_eq!(webhooks::get(&mut conn, fx.clinic_id, sub.id).unwrap(), sub);
        assert_eq!(webhooks::list(&mut conn, fx.clinic_id).unwrap(), std::slice::from_ref(&sub));
        assert_eq!(webhooks::enabled_for(&mut conn, fx.clinic_id, "session.booked").unwrap().len(), 1);
        assert!(webhooks::enabled_for(&mut conn, fx.clinic_id, "course.booked").unwrap().is_empty());
        let other = seed(&db.store, 1, 1);
        assert_eq!(webhooks::get(&mut conn, other.clinic_id, sub.id).unwrap_err().kind(),
            ErrorKind::NotFound, "scoped by clinic");

        let off = webhooks::set_enabled(&mut conn, fx.clinic_id, sub.id, 1, false, Some("410 Gone")).unwrap();
        assert_eq!((off.enabled, off.disabled_reason.as_deref(), off.version), (false, Some("410 Gone"), 2));
        assert!(webhooks::enabled_for(&mut conn, fx.clinic_id, "session.booked").unwrap().is_empty());
        let stale = webhooks::set_enabled(&mut conn, fx.clinic_id, sub.id, 1, true, None).unwrap_err();
        assert_eq!(stale.kind(), ErrorKind::StaleVersion);
        let on = webhooks::set_enabled(&mut conn, fx.clinic_id, sub.id, 2, true, Some("ignored")).unwrap();
        assert_eq!((on.enabled, on.disabled_reason, on.version), (true, None, 3));

        let t = stored_instant(Utc::now());
        let new_secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
        let rotated = webhooks::rotate_secret(&mut conn, fx.clinic_id, sub.id, 3, new_secret,
            t + Duration::hours(24)).unwrap();
        assert_eq!((rotated.secret.as_str(), rotated.previous_secret.as_deref(), rotated.version),
            (new_secret, Some(SECRET), 4));
        assert_eq!(rotated.signing_secrets(t), [new_secret, SECRET], "both during the grace period");
        assert_eq!(rotated.signing_secrets(t + Duration::hours(24)), [new_secret], "then the new one only");
        assert_eq!(webhooks::rotate_secret(&mut conn, fx.clinic_id, sub.id, 3, new_secret, t)
            .unwrap_err().kind(), ErrorKind::StaleVersion);
        assert_eq!(webhooks::rotate_secret(&mut conn, fx.clinic_id, 999_999, 1, new_secret, t)
            .unwrap_err().kind(), ErrorKind::NotFound);

        // The database refuses what cannot be a Standard Webhooks endpoint.
        for (url, secret, types) in [
            ("http://127.0.0.1/ok", "not-a-whsec-secret", vec!["*".to_string()]),
            ("ftp://127.0.0.1/no", SECRET, vec!["*".to_string()]),
            ("http://127.0.0.1/ok", SECRET, vec![]),
        ] {
            let err = webhooks::create(&mut conn, fx.clinic_id, &NewWebhookSubscription {
                url: url.into(), event_types: types, secret: secret.into(), include_patient_names: false,
            }).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Invalid, "{url} {secret}: {err}");
        }
    }
}
