ALTER TABLE rems_monitoring_forms
    DROP COLUMN status,
    DROP COLUMN answers,
    DROP COLUMN submission_reference,
    DROP COLUMN due_soon_sent,
    DROP COLUMN overdue_sent;
DROP TABLE session_monitoring;
