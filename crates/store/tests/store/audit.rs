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
