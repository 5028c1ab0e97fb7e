-- Each clinic's turn and the count of changes to what its planning reads
-- (see the PostgreSQL migration of the same name for why). SQLite writers
-- already go one at a time; the count lets a server trust the calendar it
-- kept from an earlier turn only while nobody else (another process, the
-- CLI) has written since.
CREATE TABLE clinic_turns (
    clinic_id INTEGER PRIMARY KEY NOT NULL,
    changes   BIGINT NOT NULL
);

CREATE TRIGGER clinics_counted AFTER UPDATE ON clinics BEGIN
    UPDATE clinic_turns SET changes = changes + 1 WHERE clinic_id = NEW.id;
END;

CREATE TRIGGER chairs_counted_insert AFTER INSERT ON chairs BEGIN
    UPDATE clinic_turns SET changes = changes + 1 WHERE clinic_id = NEW.clinic_id;
END;

CREATE TRIGGER chairs_counted_update AFTER UPDATE ON chairs BEGIN
    UPDATE clinic_turns SET changes = changes + 1 WHERE clinic_id = NEW.clinic_id;
END;

CREATE TRIGGER chairs_counted_delete AFTER DELETE ON chairs BEGIN
    UPDATE clinic_turns SET changes = changes + 1 WHERE clinic_id = OLD.clinic_id;
END;

CREATE TRIGGER closures_counted_insert AFTER INSERT ON closures BEGIN
    UPDATE clinic_turns SET changes = changes + 1 WHERE clinic_id = NEW.clinic_id;
END;

CREATE TRIGGER closures_counted_update AFTER UPDATE ON closures BEGIN
    UPDATE clinic_turns SET changes = changes + 1 WHERE clinic_id = NEW.clinic_id;
END;

CREATE TRIGGER closures_counted_delete AFTER DELETE ON closures BEGIN
    UPDATE clinic_turns SET changes = changes + 1 WHERE clinic_id = OLD.clinic_id;
END;

CREATE TRIGGER sessions_counted_insert AFTER INSERT ON sessions BEGIN
    UPDATE clinic_turns SET changes = changes + 1 WHERE clinic_id = NEW.clinic_id;
END;

-- Only what planning reads of a session counts (a reminder sent does not).
CREATE TRIGGER sessions_counted_update AFTER UPDATE ON sessions
    WHEN OLD.course_id IS NOT NEW.course_id OR OLD.patient_id IS NOT NEW.patient_id OR OLD.chair_id IS NOT NEW.chair_id OR OLD.starts_at IS NOT NEW.starts_at OR OLD.ends_at IS NOT NEW.ends_at OR OLD.status IS NOT NEW.status OR OLD.held_until IS NOT NEW.held_until
BEGIN
    UPDATE clinic_turns SET changes = changes + 1 WHERE clinic_id = NEW.clinic_id;
END;

CREATE TRIGGER sessions_counted_delete AFTER DELETE ON sessions BEGIN
    UPDATE clinic_turns SET changes = changes + 1 WHERE clinic_id = OLD.clinic_id;
END;

CREATE TRIGGER staff_members_counted_insert AFTER INSERT ON staff_members BEGIN
    UPDATE clinic_turns SET changes = changes + 1 WHERE clinic_id = NEW.clinic_id;
END;

CREATE TRIGGER staff_members_counted_update AFTER UPDATE ON staff_members BEGIN
    UPDATE clinic_turns SET changes = changes + 1 WHERE clinic_id = NEW.clinic_id;
END;

CREATE TRIGGER staff_members_counted_delete AFTER DELETE ON staff_members BEGIN
    UPDATE clinic_turns SET changes = changes + 1 WHERE clinic_id = OLD.clinic_id;
END;

CREATE TRIGGER session_monitoring_counted_insert AFTER INSERT ON session_monitoring BEGIN
    UPDATE clinic_turns SET changes = changes + 1 WHERE clinic_id = NEW.clinic_id;
END;

CREATE TRIGGER session_monitoring_counted_update AFTER UPDATE ON session_monitoring BEGIN
    UPDATE clinic_turns SET changes = changes + 1 WHERE clinic_id = NEW.clinic_id;
END;

CREATE TRIGGER session_monitoring_counted_delete AFTER DELETE ON session_monitoring BEGIN
    UPDATE clinic_turns SET changes = changes + 1 WHERE clinic_id = OLD.clinic_id;
END;
