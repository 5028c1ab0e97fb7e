//! Claims and attempts: the events of one course are claimed in order;
//! attempts are logged, append-only, and a replay resends the same event in
//! its place in the course's queue.

use chairside_store::models::{AttemptOutcome, Delivery, DeliveryStatus, Next, PageRequest};
use chairside_store::repo::webhooks;
use chairside_store::{stored_instant, ErrorKind, StoreError};
use chrono::{Duration, Utc};
use diesel::connection::SimpleConnection;

use super::*;
use chairside_testkit::backend_test;
use chairside_testkit::fixtures::seed;
use chairside_testkit::queries::count;

backend_test! {
    fn events_of_one_course_are_claimed_in_order(db) {
        let fx = seed(&db.store, 2, 2);
        let sub = subscribe(&db.store, fx.clinic_id, &["*"]);
        let (x, _) = course(&db.store, &fx, 0);
        emit(&db.store, fx.clinic_id, "session.checked_in", x);
        emit(&db.store, fx.clinic_id, "session.completed", x);
        let (y, _) = course(&db.store, &fx, 1);
        fan_out(&db.store);
        let t = Utc::now() + Duration::seconds(1);

        // One per course: the head of x's queue and y's only event.
        let first = claim(&db.store, t, 10);
        let heads: Vec<(i64, &str)> = first.iter().map(|d| (d.aggregate_id, d.event_type.as_str())).collect();
        assert_eq!(heads, [(x, "course.booked"), (y, "course.booked")]);
        assert!(first.iter().all(|d| d.locked_until == Some(stored_instant(t + Duration::seconds(60)))));
        assert!(claim(&db.store, t, 10).is_empty(), "leased, and x's later events wait");
        record(&db.store, &first[1], Some(200), Next::Delivered);

        // A failure: x's head is retried later, and its successors still wait.
        let x1 = record(&db.store, &first[0], Some(500), Next::RetryAt(t + Duration::seconds(30)));
        assert_eq!((x1.status, x1.attempts, x1.locked_until, x1.last_status_code),
            (DeliveryStatus::Pending, 1, None, Some(500)));
        assert_eq!(x1.next_attempt_at, Some(stored_instant(t + Duration::seconds(30))));
        assert!(claim(&db.store, t + Duration::seconds(10), 10).is_empty());
        let again = claim(&db.store, t + Duration::seconds(31), 10);
        assert_eq!(again.iter().map(|d| d.id).collect::<Vec<_>>(), [x1.id]);
        let done = record(&db.store, &again[0], Some(204), Next::Delivered);
        assert_eq!((done.status, done.attempts, done.next_attempt_at, done.last_error),
            (DeliveryStatus::Delivered, 2, None, None));

        // Delivered: the next event of x becomes claimable; abandoned also
        // unblocks the one after.
        let x2 = claim(&db.store, t + Duration::seconds(31), 10);
        assert_eq!(x2.iter().map(|d| d.event_type.as_str()).collect::<Vec<_>>(), ["session.checked_in"]);
        assert!(claim(&db.store, t + Duration::seconds(31), 10).is_empty());
        let gone = record(&db.store, &x2[0], Some(410), Next::Abandoned);
        assert_eq!((gone.status, gone.next_attempt_at), (DeliveryStatus::Abandoned, None));
        let x3 = claim(&db.store, t + Duration::seconds(32), 10);
        assert_eq!(x3.iter().map(|d| d.event_type.as_str()).collect::<Vec<_>>(), ["session.completed"]);

        // A worker that dies loses nothing: the lease runs out and the
        // delivery is claimed again, with the same event id.
        let lease_end = x3[0].locked_until.unwrap();
        assert!(claim(&db.store, lease_end, 10).is_empty(), "lease still held at its last second");
        let retaken = claim(&db.store, lease_end + Duration::seconds(1), 10);
        let retaken: Vec<_> = retaken.iter().filter(|d| d.aggregate_id == x).collect();
        assert_eq!(retaken.len(), 1);
        assert_eq!((retaken[0].id, &retaken[0].event_id), (x3[0].id, &x3[0].event_id));

        // A disabled subscription's pending deliveries wait for it.
        let sub = db.store.read(|c| webhooks::get(c, fx.clinic_id, sub.id)).unwrap();
        db.store.write(|c| webhooks::set_enabled(c, fx.clinic_id, sub.id, sub.version, false, None)).unwrap();
        assert!(claim(&db.store, t + Duration::hours(1), 10).is_empty());
        db.store.write(|c| webhooks::set_enabled(c, fx.clinic_id, sub.id, sub.version + 1, true, None)).unwrap();
        let resumed = claim(&db.store, t + Duration::hours(1), 10);
        assert_eq!(resumed.iter().map(|d| d.id).collect::<Vec<_>>(), [x3[0].id]);
    }
}

backend_test! {
    fn attempts_are_logged_replays_resend_the_same_event(db) {
        let fx = seed(&db.store, 1, 1);
        let sub = subscribe(&db.store, fx.clinic_id, &["*"]);
        let (_, event_id) = course(&db.store, &fx, 0);
        fan_out(&db.store);
        let t = Utc::now() + Duration::seconds(1);
        let d = claim(&db.store, t, 1).remove(0);
        record(&db.store, &d, None, Next::RetryAt(t));
        let d = claim(&db.store, t, 1).remove(0);
        let delivered = record(&db.store, &d, Some(200), Next::Delivered);

        let mut conn = db.store.connection().unwrap();
        let log = webhooks::attempts(&mut conn, fx.clinic_id, d.id).unwrap();
        assert_eq!(log.iter().map(|a| (a.status_code, a.error.as_deref(), a.duration_ms)).collect::<Vec<_>>(),
            [(None, None, 12), (Some(200), None, 12)]);
        assert!(log.iter().all(|a| a.delivery_id == d.id && a.clinic_id == fx.clinic_id));

        // A replay: a new pending delivery with the same webhook-id and body.
        let replay = webhooks::replay(&mut conn, fx.clinic_id, d.id, t).unwrap();
        assert_ne!(replay.id, d.id);
        assert_eq!((replay.replay_of, &replay.event_id, &replay.payload, replay.status, replay.attempts),
            (Some(d.id), &event_id, &delivered.payload, DeliveryStatus::Pending, 0));
        assert_eq!(replay.next_attempt_at, Some(stored_instant(t)));
        assert!(webhooks::attempts(&mut conn, fx.clinic_id, replay.id).unwrap().is_empty());
        assert_eq!(webhooks::replay(&mut conn, fx.clinic_id, 999_999, t).unwrap_err().kind(), ErrorKind::NotFound);
        drop(conn);
        let again = claim(&db.store, t, 5);
        assert_eq!(again.iter().map(|d| d.id).collect::<Vec<_>>(), [replay.id]);
        record(&db.store, &again[0], Some(200), Next::Delivered);

        // The delivery log pages by id, originals and replays.
        let mut conn = db.store.connection().unwrap();
        let page = webhooks::deliveries(&mut conn, fx.clinic_id, sub.id,
            PageRequest { after_id: None, limit: 1 }).unwrap();
        assert_eq!(page.items.iter().map(|d| d.id).collect::<Vec<_>>(), [d.id]);
        let rest = webhooks::deliveries(&mut conn, fx.clinic_id, sub.id,
            PageRequest { after_id: page.next_after_id, limit: 1 }).unwrap();
        assert_eq!((rest.items[0].id, rest.next_after_id), (replay.id, None));
        assert_eq!(webhooks::delivery(&mut conn, fx.clinic_id, replay.id).unwrap().status,
            DeliveryStatus::Delivered);

        // A worker whose lease ran out while another finished the delivery:
        // its attempt is logged and counted, the other's outcome stands.
        let replay2 = webhooks::replay(&mut conn, fx.clinic_id, d.id, t).unwrap();
        drop(conn);
        let slow = claim(&db.store, t, 5).remove(0);
        let fast = claim(&db.store, slow.locked_until.unwrap() + Duration::seconds(1), 5).remove(0);
        assert_eq!((slow.id, fast.id), (replay2.id, replay2.id));
        record(&db.store, &fast, Some(200), Next::Delivered);
        let late = record(&db.store, &slow, Some(503), Next::RetryAt(t + Duration::minutes(5)));
        assert_eq!((late.status, late.attempts, late.next_attempt_at), (DeliveryStatus::Delivered, 2, None));
        let mut conn = db.store.connection().unwrap();
        assert_eq!(webhooks::attempts(&mut conn, fx.clinic_id, replay2.id).unwrap().len(), 2);

        // record_attempt writes two rows: never outside a transaction.
        let err = webhooks::record_attempt(&mut conn, &fast, &AttemptOutcome::default(), Next::Delivered);
        assert_eq!(err.unwrap_err().kind(), ErrorKind::Internal);
    }
}

backend_test! {
    fn a_replay_takes_its_events_place_in_the_course_queue(db) {
        let fx = seed(&db.store, 1, 1);
        subscribe(&db.store, fx.clinic_id, &["*"]);
        let e1 = emit(&db.store, fx.clinic_id, "session.booked", 9);
        let e2 = emit(&db.store, fx.clinic_id, "session.rescheduled", 9);
        let e3 = emit(&db.store, fx.clinic_id, "session.cancelled", 9);
        fan_out(&db.store);
        let t = Utc::now() + Duration::seconds(1);
        let ids = |ds: &[Delivery]| ds.iter().map(|d| d.event_id.clone()).collect::<Vec<_>>();
        let d1 = claim(&db.store, t, 10);
        assert_eq!(ids(&d1), std::slice::from_ref(&e1));
        record(&db.store, &d1[0], Some(200), Next::Delivered);
        let d2 = claim(&db.store, t, 10);
        assert_eq!(ids(&d2), std::slice::from_ref(&e2));

        // e1 replayed while e2 is in flight: it waits for e2's attempt.
        let replay = db.store.write(|c| webhooks::replay(c, fx.clinic_id, d1[0].id, t)).unwrap();
        assert!(claim(&db.store, t, 10).is_empty(), "one delivery of a course in flight at a time");
        record(&db.store, &d2[0], Some(503), Next::RetryAt(t));

        // Then it goes before e2's retry and e3: it is the older event.
        let next = claim(&db.store, t, 10);
        assert_eq!((ids(&next), next[0].id), (vec![e1], replay.id));
        record(&db.store, &next[0], Some(200), Next::Delivered);
        let next = claim(&db.store, t, 10);
        assert_eq!(ids(&next), [e2]);
        record(&db.store, &next[0], Some(200), Next::Delivered);
        assert_eq!(ids(&claim(&db.store, t, 10)), [e3]);
    }
}

backend_test! {
    fn attempts_cannot_be_updated_or_deleted(db) {
        let fx = seed(&db.store, 1, 1);
        subscribe(&db.store, fx.clinic_id, &["*"]);
        course(&db.store, &fx, 0);
        fan_out(&db.store);
        let d = claim(&db.store, Utc::now() + Duration::seconds(1), 1).remove(0);
        record(&db.store, &d, Some(500), Next::Abandoned);
        let mut conn = db.store.connection().unwrap();
        for sql in [
            "UPDATE webhook_attempts SET status_code = 200".to_string(),
            format!("UPDATE webhook_attempts SET error = NULL WHERE delivery_id = {}", d.id),
            "DELETE FROM webhook_attempts".to_string(),
        ] {
            let err = conn.batch_execute(&sql).expect_err(&sql);
            assert_eq!(StoreError::from(err).kind(), ErrorKind::Invalid, "{sql}");
        }
        assert_eq!(count(&mut conn, "webhook_attempts"), 1);
        let log = webhooks::attempts(&mut conn, fx.clinic_id, d.id).unwrap();
        assert_eq!((log[0].status_code, log[0].error.as_deref()), (Some(500), Some("HTTP 500")));
    }
}
