//! The repositories the HTTP layer calls, one scenario each.

use chairside_engine::course::{AtRisk, CourseEvent, CourseState, Decision, PolicyChange};
use chairside_engine::{presets, BoosterPolicy, ClosureSpan, PatientPreferences, Phase};
use chairside_store::models::{
    Actor, ClinicUpdate, CourseStatus, Instrument, NewApiKey, NewClosure, NewIdempotencyRecord,
    NewOutboxEvent, NewPatient, NewSymptomMeasure, PageRequest, PatientUpdate, Role,
};
use chairside_store::repo::sessions::SessionFilter;
use chairside_store::repo::{
    api_keys, chairs, clinics, closures, courses, idempotency, measures, outbox, patients,
    protocols, sessions,
};
use chairside_store::{Backend, ErrorKind, StoreError};
use chrono::{DateTime, NaiveDate, TimeZone, Utc, Weekday};
use diesel::connection::SimpleConnection;
use serde_json::json;

use chairside_testkit::backend_test;
use chairside_testkit::fixtures::{
    active_state, apply, at, book, book_in, new_patient, planned, seed,
};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2030, 3, d).unwrap()
}

backend_test! {
    fn clinics_chairs_and_closures(db) {
        let fx = seed(&db.store, 3, 0);
        let s = &db.store;
        let clinic = s.read(|c| clinics::get(c, fx.clinic_id)).unwrap();
        assert_eq!((clinic.settings.start_grid_minutes, clinic.settings.rems_certified), (15, true));
        assert_eq!(clinic.opening_hours, chairside_testkit::fixtures::weekday_hours(), "read back as written");
        let renamed = s.write(|c| clinics::update(c, clinic.id, clinic.version,
            &ClinicUpdate { name: Some("Harbour Clinic East".into()), ..Default::default() })).unwrap();
        assert_eq!((renamed.name.as_str(), renamed.version, renamed.time_zone),
            ("Harbour Clinic East", 2, chrono_tz::America::New_York));
        assert_eq!((&renamed.opening_hours, &renamed.settings), (&clinic.opening_hours, &clinic.settings));
        let err = s.write(|c| clinics::update(c, clinic.id, clinic.version, &ClinicUpdate::default())).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StaleVersion);
        assert_eq!(s.read(|c| clinics::list(c, PageRequest::default())).unwrap().items.len(), 1);
        assert_eq!(s.read(|c| clinics::get(c, 999)).unwrap_err().kind(), ErrorKind::NotFound);

        let list = s.read(|c| chairs::list(c, fx.clinic_id)).unwrap();
        assert_eq!(list.iter().map(|c| c.id).collect::<Vec<_>>(), fx.chair_ids);
        assert_eq!(list[0].modalities, [chairside_engine::Modality::Iv, chairside_engine::Modality::Intranasal]);
        let off = s.write(|c| chairs::set_active(c, fx.clinic_id, list[1].id, list[1].version, false)).unwrap();
        assert!(!off.active);
        let err = s.write(|c| chairs::add(c, fx.clinic_id, &chairside_store::models::NewChair {
            label: "Chair 1".into(), modalities: vec![], position: 9 })).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Duplicate);
        // Another clinic's chair is not found from this one.
        assert_eq!(s.read(|c| chairs::get(c, fx.clinic_id + 1, list[0].id)).unwrap_err().kind(), ErrorKind::NotFound);

        let holiday = s.write(|c| closures::add(c, fx.clinic_id, &NewClosure {
            chair_id: None, span: ClosureSpan::Days { first: day(25), last: day(26) }, reason: "Holiday".into(), external_id: None })).unwrap();
        let start = day(5).and_hms_opt(13, 0, 0).unwrap();
        let service = s.write(|c| closures::add(c, fx.clinic_id, &NewClosure {
            chair_id: Some(list[0].id),
            span: ClosureSpan::Range { start, end: start + chrono::Duration::hours(2) },
            reason: "Pump service".into(), external_id: None })).unwrap();
        let all = s.read(|c| closures::list(c, fx.clinic_id)).unwrap();
        assert_eq!(all, vec![holiday.clone(), service]);
        let err = s.write(|c| closures::add(c, fx.clinic_id, &NewClosure {
            chair_id: None, span: ClosureSpan::Days { first: day(26), last: day(25) }, reason: "backwards".into(), external_id: None })).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid);
        s.write(|c| closures::remove(c, fx.clinic_id, holiday.id)).unwrap();
        assert_eq!(s.read(|c| closures::list(c, fx.clinic_id)).unwrap().len(), 1);
    }
}

backend_test! {
    fn protocols_keep_every_revision(db) {
        let fx = seed(&db.store, 1, 0);
        let s = &db.store;
        let label = presets::esketamine_nasal();
        let (protocol, v1) = s.write(|c| protocols::create(c, fx.clinic_id, "esketamine", "Esketamine nasal",
            &label)).unwrap();
        assert_eq!((v1.revision, &v1.definition), (1, &label));
        // The clinic's own revision: the label's first two phases only.
        let shorter = chairside_engine::Protocol {
            phases: label.phases.iter().take(2).cloned().collect::<Vec<Phase>>(),
            ..label.clone()
        };
        let (protocol2, v2) = s.write(|c| protocols::add_revision(c, fx.clinic_id, protocol.id, protocol.version,
            &shorter)).unwrap();
        assert_eq!((protocol2.latest_revision, v2.revision), (2, 2));
        assert_eq!((v2.definition.phases.len(), v1.definition.phases.len()), (2, label.phases.len()));
        let err = s.write(|c| protocols::add_revision(c, fx.clinic_id, protocol.id, protocol.version, &label)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StaleVersion);
        let versions = s.read(|c| protocols::list_versions(c, fx.clinic_id, protocol.id)).unwrap();
        assert_eq!(versions, vec![v1.clone(), v2]);
        assert_eq!(s.read(|c| protocols::get_version(c, fx.clinic_id, v1.id)).unwrap(), v1);
        // The fixture's two presets, and this one.
        assert_eq!(s.read(|c| protocols::list(c, fx.clinic_id)).unwrap().len(), 3);
        let err = s.write(|c| protocols::create(c, fx.clinic_id, "esketamine", "again", &label)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Duplicate);
        // Multi-statement writes refuse to run outside a transaction.
        let err = s.read(|c| protocols::create(c, fx.clinic_id, "x", "x", &label)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Internal);
    }
}

backend_test! {
    fn patients_by_external_ref_and_versioned_updates(db) {
        let fx = seed(&db.store, 1, 3);
        let s = &db.store;
        let new = NewPatient {
            consent_on_file: false,
            escort_confirmed: false,
            ..new_patient("MRN-00001".into(), "Dup".into())
        };
        let err = s.write(|c| patients::create(c, fx.clinic_id, &new)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Duplicate);
        let found = s.read(|c| patients::find_by_external_ref(c, fx.clinic_id, "MRN-00001")).unwrap().unwrap();
        assert_eq!(found.id, fx.patient_ids[1]);
        assert!(s.read(|c| patients::find_by_external_ref(c, fx.clinic_id, "nope")).unwrap().is_none());
        let tue_thu = PatientPreferences { weekdays: vec![Weekday::Tue, Weekday::Thu], ..Default::default() };
        let updated = s.write(|c| patients::update(c, fx.clinic_id, found.id, found.version, &PatientUpdate {
            rems_enrolled_on: Some(Some(day(1))),
            preferences: Some(tue_thu.clone()),
            calendar_token_hash: Some(Some("abc123".into())),
            ..Default::default()
        })).unwrap();
        assert_eq!((updated.rems_enrolled_on, updated.version), (Some(day(1)), 2));
        assert_eq!(updated.display_name, found.display_name);
        assert_eq!(updated.preferences, tue_thu);
        let by_token = s.read(|c| patients::find_by_calendar_token_hash(c, fx.clinic_id, "abc123")).unwrap();
        assert_eq!(by_token.map(|p| p.id), Some(found.id));
        let err = s.write(|c| patients::update(c, fx.clinic_id, found.id, found.version, &PatientUpdate::default())).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StaleVersion);
        let first = s.read(|c| patients::list(c, fx.clinic_id, PageRequest { after_id: None, limit: 2 })).unwrap();
        assert_eq!(first.items.len(), 2);
        let rest = s.read(|c| patients::list(c, fx.clinic_id, PageRequest { after_id: first.next_after_id, limit: 2 })).unwrap();
        assert_eq!((rest.items.len(), rest.next_after_id), (1, None));
    }
}

backend_test! {
    fn courses_list_by_filter_and_booster_history(db) {
        let fx = seed(&db.store, 2, 2);
        let s = &db.store;
        let a = book(s, &fx, fx.patient_ids[0], &[planned(fx.chair_ids[0], 1, at(0, 9), 60)]).unwrap().course;
        let b = book(s, &fx, fx.patient_ids[1], &[planned(fx.chair_ids[1], 1, at(0, 9), 60)]).unwrap().course;
        let mine = s.read(|c| courses::list(c, fx.clinic_id, &courses::CourseFilter { patient_id: Some(fx.patient_ids[1]), status: None }, PageRequest::default())).unwrap();
        assert_eq!(mine.items.iter().map(|c| c.id).collect::<Vec<_>>(), vec![b.id]);
        let at_risk = AtRisk { reason: "span exceeded".into(), violations: vec![] };
        let pause = Decision {
            course: Some(CourseState { status: CourseStatus::Paused, at_risk: Some(at_risk.clone()), ..active_state() }),
            events: vec![CourseEvent::Paused],
            ..Default::default()
        };
        let paused = apply(s, &a, &[], &pause, Actor::key(9, Role::Clinician)).unwrap().course;
        assert_eq!((paused.status, paused.at_risk.clone(), paused.version), (CourseStatus::Paused, Some(at_risk), a.version + 1));
        let active = s.read(|c| courses::list(c, fx.clinic_id, &courses::CourseFilter { patient_id: None, status: Some(CourseStatus::Active) }, PageRequest::default())).unwrap();
        assert_eq!(active.items.iter().map(|c| c.id).collect::<Vec<_>>(), vec![b.id]);
        let doctor = Actor::key(9, Role::Clinician);
        // A booster policy change: the course's state and the kept history,
        // in one decision.
        let policy = |interval_days, floor_days| BoosterPolicy { interval_days, floor_days, ceiling_days: 42, tolerance_days: 3 };
        let change_policy = |course: &chairside_store::models::Course, new: BoosterPolicy, reason: &str, floor_overridden: bool| Decision {
            course: Some(CourseState { booster_policy: Some(new), ..active_state() }),
            policy_change: Some(PolicyChange { old: course.booster_policy, new, reason: reason.into(), floor_overridden }),
            events: vec![CourseEvent::BoosterPolicyChanged],
            ..Default::default()
        };
        let first = apply(s, &b, &[], &change_policy(&b, policy(21, 14), "responding well", false), doctor).unwrap();
        let (course, change) = (first.course, first.policy_change.unwrap());
        assert_eq!(course.booster_policy, Some(policy(21, 14)));
        assert_eq!((change.old_policy, change.new_policy, change.key_id, change.role), (None, policy(21, 14), Some(9), Role::Clinician));
        assert_eq!((change.reason.as_str(), change.floor_overridden), ("responding well", false));
        let second = apply(s, &course, &[], &change_policy(&course, policy(10, 10), "relapse", true), doctor).unwrap();
        let second = second.policy_change.unwrap();
        assert_eq!(second.old_policy, Some(policy(21, 14)));
        assert!(second.floor_overridden);
        // A stale course keeps no history.
        let err = apply(s, &course, &[], &change_policy(&course, policy(28, 14), "stale", false), doctor).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StaleVersion);
        let history = s.read(|c| courses::booster_policy_changes(c, fx.clinic_id, b.id)).unwrap();
        assert_eq!(history, vec![change, second]);
        assert_eq!(s.read(|c| courses::get(c, fx.clinic_id, b.id)).unwrap().booster_policy, Some(policy(10, 10)));
        let page = s.read(|c| sessions::list(c, fx.clinic_id, &sessions::SessionFilter {
            range: Some((at(0, 0), at(1, 0))), statuses: Some(vec![chairside_store::models::SessionStatus::Booked]),
            course_id: None, patient_id: None, chair_id: None }, PageRequest { after_id: None, limit: 1 })).unwrap();
        assert_eq!(page.items.len(), 1);
        assert!(page.next_after_id.is_some());
    }
}

backend_test! {
    fn measures_and_rems_forms(db) {
        let fx = seed(&db.store, 1, 1);
        let s = &db.store;
        let booked = book(s, &fx, fx.patient_ids[0], &[planned(fx.chair_ids[0], 1, at(0, 9), 60)]).unwrap();
        let nurse = Actor::key(4, Role::Clinician);
        let measured_at = Utc.with_ymd_and_hms(2030, 3, 4, 8, 30, 0).unwrap();
        let phq = s.write(|c| measures::record(c, fx.clinic_id, &NewSymptomMeasure {
            patient_id: fx.patient_ids[0], course_id: Some(booked.course.id), instrument: Instrument::Phq9,
            score: 19, measured_at }, nurse)).unwrap();
        assert_eq!((phq.score, phq.measured_at, phq.instrument), (19, measured_at, Instrument::Phq9));
        let err = s.write(|c| measures::record(c, fx.clinic_id, &NewSymptomMeasure {
            patient_id: fx.patient_ids[0], course_id: None, instrument: Instrument::Gad7,
            score: 22, measured_at }, nurse)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid);
        assert_eq!(s.read(|c| measures::for_patient(c, fx.clinic_id, fx.patient_ids[0], None)).unwrap(), vec![phq]);

        use chairside_store::repo::rems_forms;
        let form = s.write(|c| rems_forms::open(c, fx.clinic_id, booked.sessions[0].id, fx.patient_ids[0], day(11))).unwrap();
        assert_eq!(s.read(|c| rems_forms::list(c, fx.clinic_id, true, Some(day(11)))).unwrap(), vec![form.clone()]);
        assert!(s.read(|c| rems_forms::list(c, fx.clinic_id, true, Some(day(10)))).unwrap().is_empty());
        let mut submitted = form.form();
        submitted.status = chairside_engine::monitoring::RemsFormStatus::Submitted;
        submitted.submitted_at = Some(measured_at);
        let filed = s.write(|c| rems_forms::save(c, fx.clinic_id, form.id, form.version, &submitted)).unwrap();
        assert_eq!(filed.filed_at, Some(measured_at));
        assert!(s.read(|c| rems_forms::list(c, fx.clinic_id, true, Some(day(11)))).unwrap().is_empty());
        let err = s.write(|c| rems_forms::save(c, fx.clinic_id, form.id, form.version, &submitted)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StaleVersion);
    }
}

backend_test! {
    fn api_keys_are_verified_by_hash_and_revocable(db) {
        let fx = seed(&db.store, 1, 0);
        let s = &db.store;
        let (admin, admin_token) = s.write(|c| api_keys::create(c, &NewApiKey { clinic_id: None, role: Role::Admin, label: "ops".into() })).unwrap();
        let (desk, desk_token) = s.write(|c| api_keys::create(c, &NewApiKey { clinic_id: Some(fx.clinic_id), role: Role::FrontDesk, label: "desk".into() })).unwrap();
        assert!(!desk.secret_hash.contains(&desk_token) && desk_token.starts_with(&format!("chs_{}_", desk.prefix)));
        assert_eq!(s.read(|c| api_keys::verify(c, &admin_token, chrono::Utc::now())).unwrap().map(|k| k.id), Some(admin.id));
        assert_eq!(s.read(|c| api_keys::verify(c, &desk_token, chrono::Utc::now())).unwrap().map(|k| (k.id, k.role)), Some((desk.id, Role::FrontDesk)));
        // The last character changed (to '0', or to '1' if it was '0').
        let last = if desk_token.ends_with('0') { '1' } else { '0' };
        let forged = format!("{}{last}", &desk_token[..desk_token.len() - 1]);
        assert!(s.read(|c| api_keys::verify(c, &forged, chrono::Utc::now())).unwrap().is_none());
        assert!(s.read(|c| api_keys::verify(c, "garbage", chrono::Utc::now())).unwrap().is_none());
        // Only admin keys may be global; no key for the system role.
        let err = s.write(|c| api_keys::create(c, &NewApiKey { clinic_id: None, role: Role::Clinician, label: "x".into() })).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid);
        let err = s.write(|c| api_keys::create(c, &NewApiKey { clinic_id: None, role: Role::System, label: "x".into() })).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid);
        assert_eq!(s.read(|c| api_keys::list(c, None)).unwrap(), vec![admin]);
        let revoked = s.write(|c| api_keys::revoke(c, desk.id)).unwrap();
        assert!(revoked.revoked_at.is_some());
        assert!(s.read(|c| api_keys::verify(c, &desk_token, chrono::Utc::now())).unwrap().is_none());
        assert_eq!(s.read(|c| api_keys::list(c, Some(fx.clinic_id))).unwrap(), vec![revoked]);
    }
}

backend_test! {
    fn idempotency_and_outbox(db) {
        let fx = seed(&db.store, 1, 1);
        let s = &db.store;
        let record = NewIdempotencyRecord {
            clinic_id: Some(fx.clinic_id), key_id: 5, idempotency_key: "k-1".into(),
            request_fingerprint: "POST /v1/courses sha256:aa".into(), response_status: 201,
            response_body: "{\"id\":1}".into() };
        assert!(s.read(|c| idempotency::get(c, Some(fx.clinic_id), 5, "k-1")).unwrap().is_none());
        s.write(|c| idempotency::put(c, &record)).unwrap();
        let stored = s.read(|c| idempotency::get(c, Some(fx.clinic_id), 5, "k-1")).unwrap().unwrap();
        assert_eq!((stored.clinic_id, stored.key_id, stored.idempotency_key.as_str()), (fx.clinic_id, 5, "k-1"));
        assert_eq!((stored.request_fingerprint.as_str(), stored.response_status, stored.response_body.as_str()),
            (record.request_fingerprint.as_str(), 201, record.response_body.as_str()));
        let err = s.write(|c| idempotency::put(c, &record)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Duplicate);
        // Unscoped requests have their own space.
        s.write(|c| idempotency::put(c, &NewIdempotencyRecord { clinic_id: None, ..record.clone() })).unwrap();
        assert_eq!(s.write(|c| idempotency::purge_before(c, Utc::now() + chrono::Duration::hours(1))).unwrap(), 2);

        let booked = book(s, &fx, fx.patient_ids[0], &[planned(fx.chair_ids[0], 1, at(0, 9), 60)]).unwrap();
        let cancelled = s.write(|c| outbox::append(c, &NewOutboxEvent { clinic_id: fx.clinic_id,
            event_type: "session.cancelled".into(), aggregate_id: booked.course.id,
            payload: json!({"session_id": booked.sessions[0].id}) })).unwrap();
        let events = s.read(|c| outbox::list_after(c, Some(fx.clinic_id), 0, 10)).unwrap();
        assert_eq!(events.iter().map(|e| e.event_type.as_str()).collect::<Vec<_>>(), ["course.booked", "session.cancelled"]);
        assert_eq!(events[0].event_id, booked.event_id);
        assert_eq!(events[0].payload["sessions"][0]["id"], booked.sessions[0].id);
        assert_eq!(s.read(|c| outbox::list_after(c, None, events[0].id, 10)).unwrap(), vec![cancelled.clone()]);
        s.write(|c| outbox::mark_published(c, fx.clinic_id, events[0].id)).unwrap();
        assert_eq!(s.read(|c| outbox::unpublished(c, 10)).unwrap(), vec![cancelled]);
        let err: StoreError = s.write(|c| outbox::mark_published(c, fx.clinic_id, 999_999)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
    }
}

backend_test! {
    /// What PostgreSQL cannot represent (text holding a NUL, a date before
    /// 4713 BC, an instant at the start of chrono's calendar) is invalid
    /// there, never an internal error; SQLite keeps or compares it. The
    /// service refuses all of it before it gets here.
    fn what_postgresql_cannot_hold_is_invalid(db) {
        let fx = seed(&db.store, 1, 0);
        let s = &db.store;
        let nul = new_patient("MRN\u{0}1".into(), "A".into());
        let ancient = NewPatient {
            external_ref: "MRN-2".into(),
            intake_assessed_on: NaiveDate::from_ymd_opt(-4714, 11, 23),
            ..nul.clone()
        };
        for patient in [nul, ancient] {
            let created = s.write(|c| patients::create(c, fx.clinic_id, &patient));
            match db.backend() {
                Backend::Postgres => assert_eq!(created.unwrap_err().kind(), ErrorKind::Invalid),
                Backend::Sqlite => assert_eq!(created.unwrap().external_ref, patient.external_ref),
            }
        }
        let filter = SessionFilter {
            range: Some((DateTime::<Utc>::MIN_UTC, at(0, 0))),
            ..Default::default()
        };
        let listed = s.read(|c| sessions::list(c, fx.clinic_id, &filter, PageRequest::default()));
        match db.backend() {
            Backend::Postgres => assert_eq!(listed.unwrap_err().kind(), ErrorKind::Invalid),
            Backend::Sqlite => assert!(listed.unwrap().items.is_empty()),
        }
    }
}

backend_test! {
    fn a_patient_is_read_with_their_courses_in_one_query(db) {
        let fx = seed(&db.store, 1, 2);
        let s = &db.store;
        let alone = s.read(|c| patients::with_courses(c, fx.clinic_id, fx.patient_ids[1])).unwrap();
        assert_eq!((alone.patient.id, alone.courses.len()), (fx.patient_ids[1], 0), "a patient without courses");
        let first = book(s, &fx, fx.patient_ids[0], &[planned(fx.chair_ids[0], 1, at(1, 9), 60)]).unwrap();
        // One running course per kind: the second is nasal.
        let second = s.write(|c| book_in(c, &fx, fx.nasal_version_id, fx.patient_ids[0], &[planned(fx.chair_ids[0], 1, at(2, 9), 60)])).unwrap();
        let read = s.read(|c| patients::with_courses(c, fx.clinic_id, fx.patient_ids[0])).unwrap();
        assert_eq!(read.patient.id, fx.patient_ids[0]);
        let ids: Vec<i64> = read.courses.iter().map(|c| c.id).collect();
        assert_eq!(ids, [first.course.id, second.course.id], "every course, by id");
        assert_eq!(
            ids,
            s.read(|c| courses::of_patient(c, fx.clinic_id, fx.patient_ids[0])).unwrap().iter().map(|c| c.id).collect::<Vec<_>>()
        );
        let err = s.read(|c| patients::with_courses(c, fx.clinic_id + 1000, fx.patient_ids[0])).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "another clinic's patient is not found");
    }
}

backend_test! {
    fn expired_responses_are_swept_in_the_order_stored(db) {
        let fx = seed(&db.store, 1, 0);
        let s = &db.store;
        let record = |key: &str| NewIdempotencyRecord {
            clinic_id: Some(fx.clinic_id), key_id: 5, idempotency_key: key.into(),
            request_fingerprint: "POST /v1/courses sha256:aa".into(), response_status: 201,
            response_body: "{}".into() };
        // Stored in this order; the third by a server whose clock is behind.
        for (key, stored_at) in [("first", "2030-01-01 10:00:00"), ("second", "2030-01-01 12:00:00"), ("third", "2030-01-01 09:00:00")] {
            s.write(|c| {
                idempotency::put(c, &record(key))?;
                c.batch_execute(&format!("UPDATE idempotency_keys SET created_at = '{stored_at}' WHERE idempotency_key = '{key}'"))?;
                Ok::<_, StoreError>(())
            }).unwrap();
        }
        let kept = |s: &chairside_store::Store| ["first", "second", "third"].map(|k| s.read(|c| idempotency::get(c, Some(fx.clinic_id), 5, k)).unwrap().is_some());
        let noon = Utc.with_ymd_and_hms(2030, 1, 1, 11, 0, 0).unwrap();
        // The sweep stops at the first response kept: the third waits.
        assert_eq!(s.write(|c| idempotency::purge_before(c, noon)).unwrap(), 1);
        assert_eq!(kept(s), [false, true, true]);
        // A retry forgets its own expired key, and only an expired one.
        assert!(!s.write(|c| idempotency::forget_expired(c, Some(fx.clinic_id), 5, "second", noon)).unwrap());
        assert!(!s.write(|c| idempotency::forget_expired(c, Some(fx.clinic_id), 6, "third", noon)).unwrap());
        assert!(s.write(|c| idempotency::forget_expired(c, Some(fx.clinic_id), 5, "third", noon)).unwrap());
        assert_eq!(kept(s), [false, true, false]);
        // With none left to keep, every expired response goes.
        assert_eq!(s.write(|c| idempotency::purge_before(c, noon + chrono::Duration::hours(2))).unwrap(), 1);
        assert_eq!(kept(s), [false, false, false]);
    }
}
