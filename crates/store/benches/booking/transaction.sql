-- The store's booking transaction as plain SQL: the statements the store
-- sends for one course (repo/courses.rs, sessions.rs, outbox.rs, audit.rs),
-- in the same order, with the same columns and RETURNING lists. Written
-- once for both plain baselines of the booking benchmark:
--   * plain_sqlite.rs prepares each statement (split at the semicolons) and
--     binds the :name parameters through the SQLite C API;
--   * scripts/bench-store-pgbench.sh turns it into a pgbench script: the
--     numbers become pgbench variables, the rest SQL expressions, and the
--     course's id comes back through \gset.
-- Each course is for a patient of its own (a patient has at most one active
-- course of a kind); session times derive from the course, so no booking
-- ever conflicts, yet both exclusion constraints are checked.
INSERT INTO courses (clinic_id, patient_id, protocol_version_id, modality, status, current_phase,
    booster_policy, at_risk_reason, series_started_at, extension_accepted, created_at, updated_at)
  VALUES (:clinic_id, :patient_id, :protocol_version_id, :modality, 'active', 0,
    NULL, NULL, NULL, FALSE, :now, :now)
  RETURNING id, clinic_id, patient_id, protocol_version_id, status, current_phase, booster_policy,
    at_risk_reason, version, created_at, updated_at, modality, series_started_at, extension_accepted;
INSERT INTO sessions (clinic_id, course_id, patient_id, phase_index, sequence, chair_id, starts_at,
    ends_at, status, created_at, updated_at) VALUES
  (:clinic_id, :course_id, :patient_id, 0, 1, :chair_id, :starts_1, :ends_1, 'booked', :now, :now),
  (:clinic_id, :course_id, :patient_id, 0, 2, :chair_id, :starts_2, :ends_2, 'booked', :now, :now),
  (:clinic_id, :course_id, :patient_id, 0, 3, :chair_id, :starts_3, :ends_3, 'booked', :now, :now),
  (:clinic_id, :course_id, :patient_id, 0, 4, :chair_id, :starts_4, :ends_4, 'booked', :now, :now),
  (:clinic_id, :course_id, :patient_id, 0, 5, :chair_id, :starts_5, :ends_5, 'booked', :now, :now),
  (:clinic_id, :course_id, :patient_id, 0, 6, :chair_id, :starts_6, :ends_6, 'booked', :now, :now)
  RETURNING id;
INSERT INTO outbox (clinic_id, event_id, event_type, aggregate_id, payload, created_at)
  VALUES (:clinic_id, :event_id, 'course.booked', :course_id, :payload, :now)
  RETURNING id, clinic_id, event_id, event_type, aggregate_id, payload, created_at, published_at;
INSERT INTO audit_log (clinic_id, key_id, role, action, entity_type, entity_id, before, after,
    request_id, at)
  VALUES (:clinic_id, 1, 'front_desk', 'course.booked', 'course', :course_id, NULL, :payload,
    'bench', :now)
  RETURNING id;
