ALTER TABLE rems_monitoring_forms DROP COLUMN overdue_sent;
ALTER TABLE rems_monitoring_forms DROP COLUMN due_soon_sent;
ALTER TABLE rems_monitoring_forms DROP COLUMN submission_reference;
ALTER TABLE rems_monitoring_forms DROP COLUMN answers;
ALTER TABLE rems_monitoring_forms DROP COLUMN status;
DROP TABLE session_monitoring;
