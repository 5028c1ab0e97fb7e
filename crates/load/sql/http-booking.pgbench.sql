-- What one HTTP booking (POST /v1/clinics/{id}/courses with an
-- Idempotency-Key) sends to PostgreSQL, statement for statement, in order,
-- as captured with log_statement = 'all' from the real server; for pgbench.
-- chairside-load fills in the {placeholders} (ids of the run's clinics,
-- chairs, patients, protocols and keys; JSON payloads of the sizes the
-- server writes) and passes -D n=<first booking number>. Text holding a
-- colon is written as an E'' literal with \x3a: pgbench would otherwise
-- take ":00" inside a literal for a variable.
--
-- Each pgbench client books like one HTTP client: in clinic
-- client_id % {clinics}, for a new patient each time, six sessions on a
-- chair of its own two hours apart (so no booking ever conflicts); the
-- planning reads cover 53 days reaching three weeks back, so they return a
-- few hundred live sessions as the server's planning snapshot does.
\set n :n + 1
\set ci :client_id % {clinics}
\set lane :client_id / {clinics}
\set clinic {clinic0} + :ci
\set chair {chair0} + :ci * {chairs} + :lane % {chairs}
\set patient {patient0} + ((:n * {lanes} + :lane) % {pool}) * {clinics} + :ci
\set protocol {protocol0} + :ci * {protocol_step}
\set pv {version0} + :ci * {protocol_step}
\set key {key0} + :ci
\set t0 (:lane / {chairs}) * 315360000 + :n * 43200
-- Authentication, outside the transaction.
SELECT "api_keys"."id", "api_keys"."clinic_id", "api_keys"."prefix", "api_keys"."secret_hash", "api_keys"."role", "api_keys"."label", "api_keys"."created_at", "api_keys"."revoked_at" FROM "api_keys" WHERE (("api_keys"."prefix" = '{prefix}') AND ("api_keys"."revoked_at" IS NULL)) LIMIT 1;
BEGIN;
-- Idempotency: was this key seen?
SELECT "idempotency_keys"."id", "idempotency_keys"."clinic_id", "idempotency_keys"."key_id", "idempotency_keys"."idempotency_key", "idempotency_keys"."request_fingerprint", "idempotency_keys"."response_status", "idempotency_keys"."response_body", "idempotency_keys"."created_at" FROM "idempotency_keys" WHERE ((("idempotency_keys"."clinic_id" = :clinic) AND ("idempotency_keys"."key_id" = :key)) AND ("idempotency_keys"."idempotency_key" = 'pgbench-' || :client_id || '-' || :n)) LIMIT 1;
-- Planning: patient, protocol, clinic, calendar snapshot, the patient's sessions.
SELECT "patients"."id", "patients"."clinic_id", "patients"."external_ref", "patients"."display_name", "patients"."preferences", "patients"."intake_assessed_on", "patients"."consent_on_file", "patients"."rems_enrolled_on", "patients"."escort_confirmed", "patients"."calendar_token_hash", "patients"."version", "patients"."created_at", "patients"."updated_at" FROM "patients" WHERE (("patients"."clinic_id" = :clinic) AND ("patients"."id" = :patient)) LIMIT 1;
SELECT "protocols"."id", "protocols"."clinic_id", "protocols"."code", "protocols"."name", "protocols"."latest_revision", "protocols"."version", "protocols"."created_at", "protocols"."updated_at" FROM "protocols" WHERE (("protocols"."clinic_id" = :clinic) AND ("protocols"."id" = :protocol)) LIMIT 1;
SELECT "protocol_versions"."id", "protocol_versions"."clinic_id", "protocol_versions"."protocol_id", "protocol_versions"."revision", "protocol_versions"."definition", "protocol_versions"."created_at" FROM "protocol_versions" WHERE (("protocol_versions"."clinic_id" = :clinic) AND ("protocol_versions"."protocol_id" = :protocol)) ORDER BY "protocol_versions"."revision";
SELECT "clinics"."id", "clinics"."name", "clinics"."time_zone", "clinics"."opening_hours", "clinics"."settings", "clinics"."version", "clinics"."created_at", "clinics"."updated_at" FROM "clinics" WHERE ("clinics"."id" = :clinic) LIMIT 1;
SELECT "clinics"."id", "clinics"."name", "clinics"."time_zone", "clinics"."opening_hours", "clinics"."settings", "clinics"."version", "clinics"."created_at", "clinics"."updated_at" FROM "clinics" WHERE ("clinics"."id" = :clinic) LIMIT 1;
SELECT "clinics"."id", "clinics"."name", "clinics"."time_zone", "clinics"."opening_hours", "clinics"."settings", "clinics"."version", "clinics"."created_at", "clinics"."updated_at" FROM "clinics" WHERE ("clinics"."id" = :clinic) LIMIT 1;
SELECT "chairs"."id", "chairs"."clinic_id", "chairs"."label", "chairs"."modalities", "chairs"."position", "chairs"."active", "chairs"."version", "chairs"."created_at", "chairs"."updated_at" FROM "chairs" WHERE ("chairs"."clinic_id" = :clinic) ORDER BY "chairs"."position", "chairs"."id";
SELECT "closures"."id", "closures"."clinic_id", "closures"."chair_id", "closures"."first_day", "closures"."last_day", "closures"."local_start", "closures"."local_end", "closures"."reason", "closures"."created_at" FROM "closures" WHERE ("closures"."clinic_id" = :clinic) ORDER BY "closures"."id";
SELECT "sessions"."id", "sessions"."clinic_id", "sessions"."course_id", "sessions"."patient_id", "sessions"."phase_index", "sessions"."sequence", "sessions"."chair_id", "sessions"."starts_at", "sessions"."ends_at", "sessions"."status", "sessions"."reason", "sessions"."version", "sessions"."created_at", "sessions"."updated_at" FROM "sessions" WHERE ((((("sessions"."clinic_id" = :clinic) AND ("sessions"."starts_at" > {base} + (:t0::bigint - 1857600) * INTERVAL '1 second')) AND ("sessions"."starts_at" < {base} + (:t0::bigint + 2764800) * INTERVAL '1 second')) AND ("sessions"."ends_at" > {base} + (:t0::bigint - 1814400) * INTERVAL '1 second')) AND ("sessions"."status" = ANY('{booked,checked_in,completed,not_dosed}'))) ORDER BY "sessions"."starts_at", "sessions"."id";
SELECT "sessions"."id", "sessions"."clinic_id", "sessions"."course_id", "sessions"."patient_id", "sessions"."phase_index", "sessions"."sequence", "sessions"."chair_id", "sessions"."starts_at", "sessions"."ends_at", "sessions"."status", "sessions"."reason", "sessions"."version", "sessions"."created_at", "sessions"."updated_at" FROM "sessions" WHERE (((((("sessions"."clinic_id" = :clinic) AND ("sessions"."patient_id" = :patient)) AND ("sessions"."starts_at" > {base} + (:t0::bigint - 1857600) * INTERVAL '1 second')) AND ("sessions"."starts_at" < {base} + (:t0::bigint + 2764800) * INTERVAL '1 second')) AND ("sessions"."ends_at" > {base} + (:t0::bigint - 1814400) * INTERVAL '1 second')) AND ("sessions"."status" = ANY('{booked,checked_in,completed,not_dosed}'))) ORDER BY "sessions"."starts_at", "sessions"."id";
-- The booking: course, six sessions, course.booked event, audit row.
INSERT INTO "courses" ("clinic_id", "patient_id", "protocol_version_id", "status", "current_phase", "booster_policy", "created_at", "updated_at") VALUES (:clinic, :patient, :pv, 'active', 0, {booster_policy}, localtimestamp(0), localtimestamp(0)) RETURNING "courses"."id" AS course_id, "courses"."clinic_id", "courses"."patient_id", "courses"."protocol_version_id", "courses"."status", "courses"."current_phase", "courses"."booster_policy", "courses"."at_risk_reason", "courses"."version", "courses"."created_at", "courses"."updated_at", "courses"."series_start_sequence"
\gset
INSERT INTO "sessions" ("clinic_id", "course_id", "patient_id", "phase_index", "sequence", "chair_id", "starts_at", "ends_at", "status", "created_at", "updated_at") VALUES
  (:clinic, :course_id, :patient, 0, 1, :chair, {base} + (:t0::bigint + 0) * INTERVAL '1 second', {base} + (:t0::bigint + 5400) * INTERVAL '1 second', 'booked', localtimestamp(0), localtimestamp(0)),
  (:clinic, :course_id, :patient, 0, 2, :chair, {base} + (:t0::bigint + 7200) * INTERVAL '1 second', {base} + (:t0::bigint + 12600) * INTERVAL '1 second', 'booked', localtimestamp(0), localtimestamp(0)),
  (:clinic, :course_id, :patient, 0, 3, :chair, {base} + (:t0::bigint + 14400) * INTERVAL '1 second', {base} + (:t0::bigint + 19800) * INTERVAL '1 second', 'booked', localtimestamp(0), localtimestamp(0)),
  (:clinic, :course_id, :patient, 0, 4, :chair, {base} + (:t0::bigint + 21600) * INTERVAL '1 second', {base} + (:t0::bigint + 27000) * INTERVAL '1 second', 'booked', localtimestamp(0), localtimestamp(0)),
  (:clinic, :course_id, :patient, 0, 5, :chair, {base} + (:t0::bigint + 28800) * INTERVAL '1 second', {base} + (:t0::bigint + 34200) * INTERVAL '1 second', 'booked', localtimestamp(0), localtimestamp(0)),
  (:clinic, :course_id, :patient, 0, 6, :chair, {base} + (:t0::bigint + 36000) * INTERVAL '1 second', {base} + (:t0::bigint + 41400) * INTERVAL '1 second', 'booked', localtimestamp(0), localtimestamp(0))
  RETURNING "sessions"."id";
INSERT INTO "outbox" ("clinic_id", "event_id", "event_type", "aggregate_id", "payload", "created_at") VALUES (:clinic, 'evt_pgbench_' || :client_id || '_' || :n || '_c', 'course.booked', :course_id, {course_payload}, localtimestamp(0)) RETURNING "outbox"."id", "outbox"."clinic_id", "outbox"."event_id", "outbox"."event_type", "outbox"."aggregate_id", "outbox"."payload", "outbox"."created_at", "outbox"."published_at";
INSERT INTO "audit_log" ("clinic_id", "key_id", "role", "action", "entity_type", "entity_id", "before", "after", "request_id", "at") VALUES (:clinic, :key, 'front_desk', 'course.book', 'course', :course_id, NULL, {course_payload}, '90cbcd32266b61db9546b601', localtimestamp(0)) RETURNING "audit_log"."id";
-- One session.booked event per session, each after taking the course's row lock.
UPDATE "courses" SET "version" = "courses"."version" WHERE (("courses"."clinic_id" = :clinic) AND ("courses"."id" = :course_id));
INSERT INTO "outbox" ("clinic_id", "event_id", "event_type", "aggregate_id", "payload", "created_at") VALUES (:clinic, 'evt_pgbench_' || :client_id || '_' || :n || '_1', 'session.booked', :course_id, {session_payload}, localtimestamp(0)) RETURNING "outbox"."id", "outbox"."clinic_id", "outbox"."event_id", "outbox"."event_type", "outbox"."aggregate_id", "outbox"."payload", "outbox"."created_at", "outbox"."published_at";
UPDATE "courses" SET "version" = "courses"."version" WHERE (("courses"."clinic_id" = :clinic) AND ("courses"."id" = :course_id));
INSERT INTO "outbox" ("clinic_id", "event_id", "event_type", "aggregate_id", "payload", "created_at") VALUES (:clinic, 'evt_pgbench_' || :client_id || '_' || :n || '_2', 'session.booked', :course_id, {session_payload}, localtimestamp(0)) RETURNING "outbox"."id", "outbox"."clinic_id", "outbox"."event_id", "outbox"."event_type", "outbox"."aggregate_id", "outbox"."payload", "outbox"."created_at", "outbox"."published_at";
UPDATE "courses" SET "version" = "courses"."version" WHERE (("courses"."clinic_id" = :clinic) AND ("courses"."id" = :course_id));
INSERT INTO "outbox" ("clinic_id", "event_id", "event_type", "aggregate_id", "payload", "created_at") VALUES (:clinic, 'evt_pgbench_' || :client_id || '_' || :n || '_3', 'session.booked', :course_id, {session_payload}, localtimestamp(0)) RETURNING "outbox"."id", "outbox"."clinic_id", "outbox"."event_id", "outbox"."event_type", "outbox"."aggregate_id", "outbox"."payload", "outbox"."created_at", "outbox"."published_at";
UPDATE "courses" SET "version" = "courses"."version" WHERE (("courses"."clinic_id" = :clinic) AND ("courses"."id" = :course_id));
INSERT INTO "outbox" ("clinic_id", "event_id", "event_type", "aggregate_id", "payload", "created_at") VALUES (:clinic, 'evt_pgbench_' || :client_id || '_' || :n || '_4', 'session.booked', :course_id, {session_payload}, localtimestamp(0)) RETURNING "outbox"."id", "outbox"."clinic_id", "outbox"."event_id", "outbox"."event_type", "outbox"."aggregate_id", "outbox"."payload", "outbox"."created_at", "outbox"."published_at";
UPDATE "courses" SET "version" = "courses"."version" WHERE (("courses"."clinic_id" = :clinic) AND ("courses"."id" = :course_id));
INSERT INTO "outbox" ("clinic_id", "event_id", "event_type", "aggregate_id", "payload", "created_at") VALUES (:clinic, 'evt_pgbench_' || :client_id || '_' || :n || '_5', 'session.booked', :course_id, {session_payload}, localtimestamp(0)) RETURNING "outbox"."id", "outbox"."clinic_id", "outbox"."event_id", "outbox"."event_type", "outbox"."aggregate_id", "outbox"."payload", "outbox"."created_at", "outbox"."published_at";
UPDATE "courses" SET "version" = "courses"."version" WHERE (("courses"."clinic_id" = :clinic) AND ("courses"."id" = :course_id));
INSERT INTO "outbox" ("clinic_id", "event_id", "event_type", "aggregate_id", "payload", "created_at") VALUES (:clinic, 'evt_pgbench_' || :client_id || '_' || :n || '_6', 'session.booked', :course_id, {session_payload}, localtimestamp(0)) RETURNING "outbox"."id", "outbox"."clinic_id", "outbox"."event_id", "outbox"."event_type", "outbox"."aggregate_id", "outbox"."payload", "outbox"."created_at", "outbox"."published_at";
-- The response, remembered under the Idempotency-Key in the same transaction.
INSERT INTO "idempotency_keys" ("clinic_id", "key_id", "idempotency_key", "request_fingerprint", "response_status", "response_body", "created_at") VALUES (:clinic, :key, 'pgbench-' || :client_id || '-' || :n, '4b6cc5d85e6561e39a0701d9446e68c11e50fa217720acb32688e0dc09c80d5c', 201, {response_body}, localtimestamp(0)) RETURNING "idempotency_keys"."id", "idempotency_keys"."clinic_id", "idempotency_keys"."key_id", "idempotency_keys"."idempotency_key", "idempotency_keys"."request_fingerprint", "idempotency_keys"."response_status", "idempotency_keys"."response_body", "idempotency_keys"."created_at";
COMMIT;
