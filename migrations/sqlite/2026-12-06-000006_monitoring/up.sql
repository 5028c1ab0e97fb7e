-- What actually happened at a session, and the REMS form's content and life
-- (see the PostgreSQL migration of the same name).
CREATE TABLE session_monitoring (
    clinic_id  BIGINT NOT NULL,
    session_id BIGINT NOT NULL,
    record     TEXT NOT NULL CHECK (json_valid(record)),
    version    BIGINT NOT NULL DEFAULT 1,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (clinic_id, session_id),
    FOREIGN KEY (clinic_id, session_id) REFERENCES sessions (clinic_id, id)
);

ALTER TABLE rems_monitoring_forms ADD COLUMN status TEXT NOT NULL DEFAULT 'draft'
    CHECK (status IN ('draft', 'complete', 'submitted'));
ALTER TABLE rems_monitoring_forms ADD COLUMN answers TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(answers));
ALTER TABLE rems_monitoring_forms ADD COLUMN submission_reference TEXT;
ALTER TABLE rems_monitoring_forms ADD COLUMN due_soon_sent BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE rems_monitoring_forms ADD COLUMN overdue_sent BOOLEAN NOT NULL DEFAULT 0;
UPDATE rems_monitoring_forms SET status = 'submitted' WHERE filed_at IS NOT NULL;
