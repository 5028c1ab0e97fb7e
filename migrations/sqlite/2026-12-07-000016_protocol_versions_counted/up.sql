-- A new protocol revision moves the clinic's count: a server keeps the
-- revisions it read with its calendar (see the PostgreSQL migration of the
-- same name).
CREATE TRIGGER protocol_versions_counted_insert AFTER INSERT ON protocol_versions BEGIN
    UPDATE clinic_turns SET changes = changes + 1 WHERE clinic_id = NEW.clinic_id;
END;

CREATE TRIGGER protocol_versions_counted_update AFTER UPDATE ON protocol_versions BEGIN
    UPDATE clinic_turns SET changes = changes + 1 WHERE clinic_id = NEW.clinic_id;
END;

CREATE TRIGGER protocol_versions_counted_delete AFTER DELETE ON protocol_versions BEGIN
    UPDATE clinic_turns SET changes = changes + 1 WHERE clinic_id = OLD.clinic_id;
END;
