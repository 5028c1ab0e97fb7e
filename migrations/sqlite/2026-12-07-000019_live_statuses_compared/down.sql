DROP TRIGGER sessions_chair_no_overlap_insert;
CREATE TRIGGER sessions_chair_no_overlap_insert BEFORE INSERT ON sessions
WHEN NEW.status IN ('booked', 'checked_in', 'completed', 'not_dosed')
BEGIN
    SELECT RAISE(ABORT, 'chairside_conflict:sessions_chair_no_overlap')
    WHERE EXISTS (
        SELECT 1 FROM sessions s
        WHERE s.clinic_id = NEW.clinic_id AND s.chair_id = NEW.chair_id
          AND s.starts_at > datetime(NEW.starts_at, '-12 hours')
          AND s.starts_at < NEW.ends_at AND s.ends_at > NEW.starts_at
          AND s.status IN ('booked', 'checked_in', 'completed', 'not_dosed'));
END;

DROP TRIGGER sessions_chair_no_overlap_update;
CREATE TRIGGER sessions_chair_no_overlap_update
BEFORE UPDATE OF clinic_id, chair_id, starts_at, ends_at, status ON sessions
WHEN NEW.status IN ('booked', 'checked_in', 'completed', 'not_dosed')
BEGIN
    SELECT RAISE(ABORT, 'chairside_conflict:sessions_chair_no_overlap')
    WHERE EXISTS (
        SELECT 1 FROM sessions s
        WHERE s.clinic_id = NEW.clinic_id AND s.chair_id = NEW.chair_id
          AND s.id <> NEW.id
          AND s.starts_at > datetime(NEW.starts_at, '-12 hours')
          AND s.starts_at < NEW.ends_at AND s.ends_at > NEW.starts_at
          AND s.status IN ('booked', 'checked_in', 'completed', 'not_dosed'));
END;

DROP TRIGGER sessions_patient_no_overlap_insert;
CREATE TRIGGER sessions_patient_no_overlap_insert BEFORE INSERT ON sessions
WHEN NEW.status IN ('booked', 'checked_in', 'completed', 'not_dosed')
BEGIN
    SELECT RAISE(ABORT, 'chairside_conflict:sessions_patient_no_overlap')
    WHERE EXISTS (
        SELECT 1 FROM sessions s
        WHERE s.clinic_id = NEW.clinic_id AND s.patient_id = NEW.patient_id
          AND s.starts_at > datetime(NEW.starts_at, '-12 hours')
          AND s.starts_at < NEW.ends_at AND s.ends_at > NEW.starts_at
          AND s.status IN ('booked', 'checked_in', 'completed', 'not_dosed'));
END;

DROP TRIGGER sessions_patient_no_overlap_update;
CREATE TRIGGER sessions_patient_no_overlap_update
BEFORE UPDATE OF clinic_id, patient_id, starts_at, ends_at, status ON sessions
WHEN NEW.status IN ('booked', 'checked_in', 'completed', 'not_dosed')
BEGIN
    SELECT RAISE(ABORT, 'chairside_conflict:sessions_patient_no_overlap')
    WHERE EXISTS (
        SELECT 1 FROM sessions s
        WHERE s.clinic_id = NEW.clinic_id AND s.patient_id = NEW.patient_id
          AND s.id <> NEW.id
          AND s.starts_at > datetime(NEW.starts_at, '-12 hours')
          AND s.starts_at < NEW.ends_at AND s.ends_at > NEW.starts_at
          AND s.status IN ('booked', 'checked_in', 'completed', 'not_dosed'));
END;
