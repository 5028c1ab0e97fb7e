-- Drops everything up.sql created, in reverse dependency order.
DROP TABLE outbox;
DROP TABLE idempotency_keys;
DROP TABLE audit_log;
DROP TABLE api_keys;
DROP TABLE rems_monitoring_forms;
DROP TABLE symptom_measures;
DROP TABLE session_status_history;
DROP TABLE sessions;
DROP TABLE booster_policy_changes;
DROP TABLE courses;
DROP TABLE patients;
DROP TABLE protocol_versions;
DROP TABLE protocols;
DROP TABLE closures;
DROP TABLE chairs;
DROP TABLE clinics;
DROP FUNCTION chairside_append_only();
DROP EXTENSION IF EXISTS btree_gist;
