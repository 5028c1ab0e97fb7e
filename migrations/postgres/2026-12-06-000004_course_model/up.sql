-- The course as one model in the engine (expand only: every new column is
-- nullable or defaulted, so the previous release keeps working beside it).
--
-- * courses.modality: the kind of treatment, copied from the protocol
--   revision; a patient has at most one active course of each kind, and
--   the database refuses a second even when two replicas race.
-- * courses.series_started_at: a restarted series counts sessions from this
--   instant (replaces series_start_sequence, which numbered sessions by
--   booking order; sessions are now numbered in time order).
-- * courses.extension_accepted: a clinician accepted the current series
--   outside its spacing rules.
-- * sessions.omitted: a clinician omitted this dose; the series counts one
--   dose fewer.
ALTER TABLE courses ADD COLUMN modality TEXT CHECK (modality IN ('iv', 'im', 'intranasal'));
ALTER TABLE courses ADD COLUMN series_started_at TIMESTAMP;
ALTER TABLE courses ADD COLUMN extension_accepted BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE sessions ADD COLUMN omitted BOOLEAN NOT NULL DEFAULT FALSE;

UPDATE courses c SET modality = v.definition::jsonb ->> 'modality'
FROM protocol_versions v
WHERE v.clinic_id = c.clinic_id AND v.id = c.protocol_version_id;

UPDATE courses c SET series_started_at = (
    SELECT min(s.starts_at) FROM sessions s
    WHERE s.clinic_id = c.clinic_id AND s.course_id = c.id
      AND s.phase_index = c.current_phase AND s.sequence > c.series_start_sequence)
WHERE c.series_start_sequence > 0;

CREATE UNIQUE INDEX courses_one_running_per_kind
    ON courses (clinic_id, patient_id, modality) WHERE status = 'active';
