-- The store's booking transaction (course + 6 sessions + outbox + audit) as
-- plain SQL, for pgbench; scripts/bench-store-pgbench.sh runs it. The
-- statements are the ones the store sends, in the same order, with the same
-- RETURNING lists; session times derive from the course id, so no booking
-- ever conflicts (as in the Rust benchmark).
BEGIN;
INSERT INTO courses (clinic_id, patient_id, protocol_version_id, status, current_phase,
    booster_policy, created_at, updated_at)
  VALUES (1, 1, 1, 'active', 0, NULL, localtimestamp(0), localtimestamp(0))
  RETURNING id AS course_id, clinic_id, patient_id, protocol_version_id, status, current_phase,
    booster_policy, at_risk_reason, version, created_at, updated_at
\gset
INSERT INTO sessions (clinic_id, course_id, patient_id, phase_index, sequence, chair_id,
    starts_at, ends_at, status, created_at, updated_at) VALUES
  (1, :course_id, 1, 0, 0, 1, TIMESTAMP '2030-01-01 00:00:00' + ((:course_id)::bigint * 6 + 0) * INTERVAL '2 hours', TIMESTAMP '2030-01-01 00:00:00' + ((:course_id)::bigint * 6 + 0) * INTERVAL '2 hours' + INTERVAL '90 minutes', 'booked', localtimestamp(0), localtimestamp(0)),
  (1, :course_id, 1, 0, 1, 1, TIMESTAMP '2030-01-01 00:00:00' + ((:course_id)::bigint * 6 + 1) * INTERVAL '2 hours', TIMESTAMP '2030-01-01 00:00:00' + ((:course_id)::bigint * 6 + 1) * INTERVAL '2 hours' + INTERVAL '90 minutes', 'booked', localtimestamp(0), localtimestamp(0)),
  (1, :course_id, 1, 0, 2, 1, TIMESTAMP '2030-01-01 00:00:00' + ((:course_id)::bigint * 6 + 2) * INTERVAL '2 hours', TIMESTAMP '2030-01-01 00:00:00' + ((:course_id)::bigint * 6 + 2) * INTERVAL '2 hours' + INTERVAL '90 minutes', 'booked', localtimestamp(0), localtimestamp(0)),
  (1, :course_id, 1, 0, 3, 1, TIMESTAMP '2030-01-01 00:00:00' + ((:course_id)::bigint * 6 + 3) * INTERVAL '2 hours', TIMESTAMP '2030-01-01 00:00:00' + ((:course_id)::bigint * 6 + 3) * INTERVAL '2 hours' + INTERVAL '90 minutes', 'booked', localtimestamp(0), localtimestamp(0)),
  (1, :course_id, 1, 0, 4, 1, TIMESTAMP '2030-01-01 00:00:00' + ((:course_id)::bigint * 6 + 4) * INTERVAL '2 hours', TIMESTAMP '2030-01-01 00:00:00' + ((:course_id)::bigint * 6 + 4) * INTERVAL '2 hours' + INTERVAL '90 minutes', 'booked', localtimestamp(0), localtimestamp(0)),
  (1, :course_id, 1, 0, 5, 1, TIMESTAMP '2030-01-01 00:00:00' + ((:course_id)::bigint * 6 + 5) * INTERVAL '2 hours', TIMESTAMP '2030-01-01 00:00:00' + ((:course_id)::bigint * 6 + 5) * INTERVAL '2 hours' + INTERVAL '90 minutes', 'booked', localtimestamp(0), localtimestamp(0))
  RETURNING id;
INSERT INTO outbox (clinic_id, event_id, event_type, aggregate_id, payload, created_at)
  VALUES (1, 'evt_' || md5(random()::text), 'course.booked', :course_id,
    '{"course_id":100000,"patient_id":1,"protocol_version_id":1,"sessions":[{"id":1000000,"phase_index":0,"sequence":0,"chair_id":1,"starts_at":"2030-01-01T02:00:00Z","ends_at":"2030-01-01T03:30:00Z"},{"id":1000001,"phase_index":0,"sequence":1,"chair_id":1,"starts_at":"2030-01-01T02:00:00Z","ends_at":"2030-01-01T03:30:00Z"},{"id":1000002,"phase_index":0,"sequence":2,"chair_id":1,"starts_at":"2030-01-01T02:00:00Z","ends_at":"2030-01-01T03:30:00Z"},{"id":1000003,"phase_index":0,"sequence":3,"chair_id":1,"starts_at":"2030-01-01T02:00:00Z","ends_at":"2030-01-01T03:30:00Z"},{"id":1000004,"phase_index":0,"sequence":4,"chair_id":1,"starts_at":"2030-01-01T02:00:00Z","ends_at":"2030-01-01T03:30:00Z"},{"id":1000005,"phase_index":0,"sequence":5,"chair_id":1,"starts_at":"2030-01-01T02:00:00Z","ends_at":"2030-01-01T03:30:00Z"}]}', localtimestamp(0))
  RETURNING id, clinic_id, event_id, event_type, aggregate_id, payload, created_at, published_at;
INSERT INTO audit_log (clinic_id, key_id, role, action, entity_type, entity_id, before, after,
    request_id, at)
  VALUES (1, 1, 'front_desk', 'course.book', 'course', :course_id, NULL,
    '{"course_id":100000,"patient_id":1,"protocol_version_id":1,"sessions":[{"id":1000000,"phase_index":0,"sequence":0,"chair_id":1,"starts_at":"2030-01-01T02:00:00Z","ends_at":"2030-01-01T03:30:00Z"},{"id":1000001,"phase_index":0,"sequence":1,"chair_id":1,"starts_at":"2030-01-01T02:00:00Z","ends_at":"2030-01-01T03:30:00Z"},{"id":1000002,"phase_index":0,"sequence":2,"chair_id":1,"starts_at":"2030-01-01T02:00:00Z","ends_at":"2030-01-01T03:30:00Z"},{"id":1000003,"phase_index":0,"sequence":3,"chair_id":1,"starts_at":"2030-01-01T02:00:00Z","ends_at":"2030-01-01T03:30:00Z"},{"id":1000004,"phase_index":0,"sequence":4,"chair_id":1,"starts_at":"2030-01-01T02:00:00Z","ends_at":"2030-01-01T03:30:00Z"},{"id":1000005,"phase_index":0,"sequence":5,"chair_id":1,"starts_at":"2030-01-01T02:00:00Z","ends_at":"2030-01-01T03:30:00Z"}]}', 'bench', localtimestamp(0))
  RETURNING id;
END;
