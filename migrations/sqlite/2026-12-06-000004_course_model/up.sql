-- The course as one model in the engine (expand only; see the PostgreSQL
-- migration of the same name for what each column means).
ALTER TABLE courses ADD COLUMN modality TEXT CHECK (modality IN ('iv', 'im', 'intranasal'));
ALTER TABLE courses ADD COLUMN series_started_at TIMESTAMP;
ALTER TABLE courses ADD COLUMN extension_accepted BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE sessions ADD COLUMN omitted BOOLEAN NOT NULL DEFAULT FALSE;

UPDATE courses SET modality = (
    SELECT json_extract(v.definition, '$.modality') FROM protocol_versions v
    WHERE v.clinic_id = courses.clinic_id AND v.id = courses.protocol_version_id);

UPDATE courses SET series_started_at = (
    SELECT min(s.starts_at) FROM sessions s
    WHERE s.clinic_id = courses.clinic_id AND s.course_id = courses.id
      AND s.phase_index = courses.current_phase AND s.sequence > courses.series_start_sequence)
WHERE series_start_sequence > 0;

CREATE UNIQUE INDEX courses_one_running_per_kind
    ON courses (clinic_id, patient_id, modality) WHERE status = 'active';
