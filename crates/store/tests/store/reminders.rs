//! Reminder marks: once per session start and lead time, even when
//! workers race.

use std::sync::{Arc, Barrier};

use chairside_store::models::ReminderOutcome;
use chairside_store::repo::{reminders, sessions};
use chairside_store::ErrorKind;
use chrono::{DateTime, Utc};

use chairside_testkit::backend_test;
use chairside_testkit::fixtures::{at, book, planned, seed};
use chairside_testkit::queries::count;

backend_test! {
    fn reminders_are_marked_once_per_session_start_and_lead(db) {
        let fx = seed(&db.store, 1, 1);
        let booked = book(&db.store, &fx, fx.patient_ids[0],
            &[planned(fx.chair_ids[0], 1, at(3, 9), 60)]).unwrap();
        let s = &booked.sessions[0];
        let mark = |lead: i32, starts: DateTime<Utc>, outcome: ReminderOutcome| {
            db.store.write(|c| reminders::mark_reminder(c, fx.clinic_id, s.id, lead, starts, outcome)).unwrap()
        };
        assert!(mark(24 * 60, s.starts_at, ReminderOutcome::Sent));
        assert!(!mark(24 * 60, s.starts_at, ReminderOutcome::Sent), "already marked: not an error");
        assert!(!mark(24 * 60, s.starts_at, ReminderOutcome::Skipped), "the first outcome stands");
        assert!(mark(72 * 60, s.starts_at, ReminderOutcome::Skipped), "another lead time");

        // Rescheduled: the new start gets its own reminders.
        let to_day_4 = chairside_testkit::fixtures::moved(s, s.chair_id, at(4, 9), at(4, 10), Some("patient asked"));
        let moved = db.store.write(|c| sessions::apply_update(c, fx.clinic_id, &to_day_4,
            s.version, chairside_store::models::Actor::system())).unwrap();
        assert_eq!((moved.starts_at, moved.version), (at(4, 9), s.version + 1));
        assert!(mark(24 * 60, moved.starts_at, ReminderOutcome::Sent));

        let mut conn = db.store.connection().unwrap();
        let marks = reminders::reminders_for_session(&mut conn, fx.clinic_id, s.id).unwrap();
        assert_eq!(marks.iter().map(|m| (m.lead_minutes, m.starts_at, m.outcome)).collect::<Vec<_>>(), [
            (24 * 60, at(3, 9), ReminderOutcome::Sent),
            (72 * 60, at(3, 9), ReminderOutcome::Skipped),
            (24 * 60, at(4, 9), ReminderOutcome::Sent),
        ]);
        let other = seed(&db.store, 1, 1);
        assert!(reminders::reminders_for_session(&mut conn, other.clinic_id, s.id).unwrap().is_empty());
        // A reminder for a session that does not exist is refused.
        let err = reminders::mark_reminder(&mut conn, fx.clinic_id, 999_999, 60, at(3, 9),
            ReminderOutcome::Sent).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid);
    }
}

backend_test! {
    fn racing_reminder_workers_mark_it_once(db) {
        const WORKERS: usize = 8;
        let fx = seed(&db.store, 1, 1);
        let booked = book(&db.store, &fx, fx.patient_ids[0],
            &[planned(fx.chair_ids[0], 1, at(3, 9), 60)]).unwrap();
        let (clinic_id, session_id, starts_at) = (fx.clinic_id, booked.sessions[0].id, booked.sessions[0].starts_at);
        let barrier = Arc::new(Barrier::new(WORKERS));
        let workers: Vec<_> = (0..WORKERS).map(|_| {
            let (store, barrier) = (db.store.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                store.write(|c| reminders::mark_reminder(c, clinic_id, session_id, 120, starts_at,
                    ReminderOutcome::Sent)).unwrap()
            })
        }).collect();
        let won = workers.into_iter().map(|w| w.join().unwrap()).filter(|w| *w).count();
        assert_eq!(won, 1);
        let mut conn = db.store.connection().unwrap();
        assert_eq!(count(&mut conn, "reminders_sent"), 1);
    }
}
