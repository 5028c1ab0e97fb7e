-- What actually happened at a session (times, blood pressure, observations,
-- the dose and lot), as the engine's JSON record. Health information: it is
-- read through the API only, never copied into events or logs.
CREATE TABLE session_monitoring (
    clinic_id  BIGINT NOT NULL,
    session_id BIGINT NOT NULL,
    record     TEXT NOT NULL CHECK ((record::jsonb) IS NOT NULL),
    version    BIGINT NOT NULL DEFAULT 1,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (clinic_id, session_id),
    FOREIGN KEY (clinic_id, session_id) REFERENCES sessions (clinic_id, id)
);

-- The REMS Patient Monitoring Form gains its content and its life: a
-- clinician's answers (over what the record pre-fills), draft → complete →
-- submitted with the portal's reference (`filed_at` is the submission
-- time), and which reminders the worker has sent.
ALTER TABLE rems_monitoring_forms
    ADD COLUMN status TEXT NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'complete', 'submitted')),
    ADD COLUMN answers TEXT NOT NULL DEFAULT '{}' CHECK ((answers::jsonb) IS NOT NULL),
    ADD COLUMN submission_reference TEXT,
    ADD COLUMN due_soon_sent BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN overdue_sent BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE rems_monitoring_forms SET status = 'submitted' WHERE filed_at IS NOT NULL;
