//! The audit trail is append-only, enforced by the database.

use chairside_store::models::{Actor, AuditEntry, PageRequest, Role};
use chairside_store::repo::audit;
use chairside_store::{ErrorKind, StoreError};
use diesel::connection::SimpleConnection;
use serde_json::json;

use chairside_testkit::backend_test;
use chairside_testkit::fixtures::seed;
use chairside_testkit::queries::count;

backend_test! {
    fn audit_rows_cannot_be_updated_or_deleted(db) {
        let fx = seed(&db.store, 1, 1);
        let id = db.store.write(|c| audit::append(c, &AuditEntry {
            clinic_id: Some(fx.clinic_id),
            actor: Actor::key(3, Role::Clinician),
            action: "session.cancel".into(),
            entity_type: "session".into(),
            entity_id: Some(42),
            before: Some(json!({"status": "booked"})),
            after: Some(json!({"status": "cancelled"})),
            request_id: Some("req-1".into()),
        })).unwrap();
        let mut conn = db.store.connection().unwrap();
        for sql in [
            format!("UPDATE audit_log SET action = 'nothing' WHERE id = {id}"),
            "UPDATE audit_log SET after = NULL".to_string(),
            format!("DELETE FROM audit_log WHERE id = {id}"),
            "DELETE FROM audit_log".to_string(),
        ] {
            let err = conn.batch_execute(&sql).expect_err(&sql);
            assert_eq!(StoreError::from(err).kind(), ErrorKind::Invalid, "{sql}");
        }
        let page = audit::list(&mut conn, Some(fx.clinic_id), &Default::default(), PageRequest::default()).unwrap();
        assert_eq!(page.items.len(), 1);
        let row = &page.items[0];
        assert_eq!((row.action.as_str(), row.key_id, row.role), ("session.cancel", Some(3), Role::Clinician));
        assert_eq!(row.after, Some(json!({"status": "cancelled"})));
        assert_eq!(count(&mut conn, "audit_log"), 1);
    }
}

backend_test! {
    fn status_history_is_append_only_too(db) {
        use chairside_store::models::SessionStatus;
        use chairside_store::repo::sessions;
        let fx = seed(&db.store, 1, 1);
        let booked = chairside_testkit::fixtures::book(&db.store, &fx, fx.patient_ids[0],
            &[chairside_testkit::fixtures::planned(fx.chair_ids[0], 1, chairside_testkit::fixtures::at(0, 9), 60)]).unwrap();
        let s = &booked.sessions[0];
        let no_show = chairside_testkit::fixtures::status_change(s, SessionStatus::NoShow, None);
        db.store.write(|c| sessions::apply_update(c, fx.clinic_id, &no_show, s.version, Actor::system())).unwrap();
        let mut conn = db.store.connection().unwrap();
        for sql in ["UPDATE session_status_history SET reason = 'x'", "DELETE FROM session_status_history"] {
            let err = conn.batch_execute(sql).expect_err(sql);
            assert_eq!(StoreError::from(err).kind(), ErrorKind::Invalid, "{sql}");
        }
        assert_eq!(count(&mut conn, "session_status_history"), 1);
    }
}

backend_test! {
    /// A decision's events and audit rows are all written, in order: a
    /// single audit row in the events' statement (PostgreSQL), several
    /// apart, and with no event at all.
    fn events_and_their_audit_rows_are_written_together(db) {
        use chairside_store::models::NewOutboxEvent;
        use chairside_store::repo::outbox;
        let fx = seed(&db.store, 1, 1);
        let event = |n: i64| NewOutboxEvent {
            clinic_id: fx.clinic_id,
            event_type: format!("session.booked.{n}"),
            aggregate_id: 7,
            payload: json!({"n": n}),
        };
        let entry = |action: &str| AuditEntry {
            clinic_id: Some(fx.clinic_id),
            actor: Actor::key(3, Role::FrontDesk),
            action: action.into(),
            entity_type: "course".into(),
            entity_id: Some(7),
            before: None,
            after: Some(json!({"sessions": 6})),
            request_id: None,
        };
        db.store.write(|c| outbox::append_audited(c, &[event(1), event(2)], &[entry("course.booked")])).unwrap();
        db.store.write(|c| outbox::append_audited(c, &[event(3)], &[entry("a"), entry("b")])).unwrap();
        db.store.write(|c| outbox::append_audited(c, &[], &[entry("c")])).unwrap();
        let mut conn = db.store.connection().unwrap();
        let trail = audit::list(&mut conn, Some(fx.clinic_id), &Default::default(), PageRequest::default()).unwrap();
        let actions: Vec<&str> = trail.items.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(actions, ["course.booked", "a", "b", "c"]);
        let booked = &trail.items[0];
        assert_eq!((booked.key_id, booked.role, booked.entity_id), (Some(3), Role::FrontDesk, Some(7)));
        assert_eq!((booked.before.clone(), booked.after.clone()), (None, Some(json!({"sessions": 6}))));
        let events = outbox::list_after(&mut conn, Some(fx.clinic_id), 0, 100).unwrap();
        let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(types, ["session.booked.1", "session.booked.2", "session.booked.3"]);
    }
}

backend_test! {
    /// Events, deliveries and audit rows hold JSON: the database refuses
    /// anything else, whoever writes it (the checks validate the text
    /// without converting it: migration 17).
    fn event_payloads_and_audit_rows_must_be_json(db) {
        use chairside_store::models::NewWebhookSubscription;
        use chairside_store::repo::webhooks;
        let fx = seed(&db.store, 1, 1);
        let clinic = fx.clinic_id;
        let subscription = db.store.write(|c| webhooks::create(c, clinic, &NewWebhookSubscription {
            url: "http://127.0.0.1:9/hook".into(),
            event_types: vec!["course.booked".into()],
            secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
            include_patient_names: false,
        })).unwrap().id;
        let mut conn = db.store.connection().unwrap();
        let rows = |conn: &mut _| {
            ["outbox", "webhook_deliveries", "audit_log"].map(|table| count(conn, table))
        };
        let before = rows(&mut conn);
        let outbox = |payload: &str| format!(
            "INSERT INTO outbox (clinic_id, event_id, event_type, aggregate_id, payload, created_at) \
             VALUES ({clinic}, 'evt_{}', 'course.booked', 1, '{payload}', '2026-12-07 09:00:00')",
            payload.len());
        let delivery = |payload: &str| format!(
            "INSERT INTO webhook_deliveries (clinic_id, subscription_id, outbox_id, event_id, \
             event_type, aggregate_id, payload, status, created_at) VALUES ({clinic}, {subscription}, \
             1, 'evt_{}', 'course.booked', 1, '{payload}', 'delivered', '2026-12-07 09:00:00')",
            payload.len());
        let audit = |column: &str, value: &str| format!(
            "INSERT INTO audit_log (clinic_id, role, action, entity_type, {column}, at) \
             VALUES ({clinic}, 'system', 'course.booked', 'course', '{value}', '2026-12-07 09:00:00')");
        for sql in [outbox("{\"course_id\": "), outbox("course 1"), delivery("{\"data\": "),
                    audit("before", "{"), audit("after", "[1,")] {
            let err = conn.batch_execute(&sql).expect_err(&sql);
            assert_eq!(StoreError::from(err).kind(), ErrorKind::Invalid, "{sql}");
        }
        for sql in [outbox("{\"course_id\": 1}"), delivery("{\"data\": {}}"),
                    audit("after", "{\"status\": \"booked\"}")] {
            conn.batch_execute(&sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        assert_eq!(rows(&mut conn), before.map(|n| n + 1));
    }
}

chairside_testkit::postgres_test! {
    /// A remembered response (a course with its sessions, 3-4 KB) is
    /// compressed with lz4 on PostgreSQL, not pglz (migration 17).
    fn remembered_responses_are_compressed_with_lz4() {
        use diesel::sql_types::Text;
        #[derive(diesel::QueryableByName)]
        struct Compression {
            #[diesel(sql_type = Text)]
            method: String,
        }
        let db = chairside_testkit::TestStore::postgres();
        let mut conn = db.store.connection().unwrap();
        let found: Compression = diesel::RunQueryDsl::get_result(
            diesel::sql_query(
                "SELECT attcompression::text AS method FROM pg_attribute \
                 WHERE attrelid = 'idempotency_keys'::regclass AND attname = 'response_body'",
            ),
            &mut conn,
        )
        .unwrap();
        assert_eq!(found.method, "l", "lz4");
    }
}
