-- Each clinic's turn and the count of changes to what its planning reads.
--
-- A writer that places sessions takes its clinic's turn by counting itself
-- here first (the row lock is the turn: the clinic's writers go one at a
-- time, other clinics' in parallel). Every row changed in a table the
-- planner reads counts one more, by trigger, whoever writes it (another
-- server, the CLI, a worker): so a server that kept a clinic's calendar
-- from an earlier turn knows it is still the database's when the count
-- has moved only by what that server wrote itself.
CREATE TABLE clinic_turns (
    clinic_id BIGINT PRIMARY KEY,
    changes   BIGINT NOT NULL
);

-- Taking the turn, as one function call: diesel prepares the call once
-- (it never caches an upsert's statement) and PL/pgSQL keeps its plan.
CREATE FUNCTION chairside_take_turn(clinic BIGINT) RETURNS BIGINT
LANGUAGE plpgsql AS $$
DECLARE
    counted BIGINT;
BEGIN
    INSERT INTO clinic_turns AS t (clinic_id, changes) VALUES (clinic, 1)
    ON CONFLICT (clinic_id) DO UPDATE SET changes = t.changes + 1
    RETURNING t.changes INTO counted;
    RETURN counted;
END $$;

-- Counted once per statement, from the rows it changed: a booking's six
-- sessions are one UPDATE of the count, not six.
CREATE FUNCTION chairside_count_changed_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE clinic_turns t SET changes = t.changes + c.n
      FROM (SELECT clinic_id, count(*) AS n FROM changed_rows GROUP BY clinic_id) c
     WHERE t.clinic_id = c.clinic_id;
    RETURN NULL;
END $$;

-- One row at a time, for the updates that count only when they change
-- what planning reads (a WHEN clause needs the row).
CREATE FUNCTION chairside_count_changed_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE clinic_turns SET changes = changes + 1 WHERE clinic_id = NEW.clinic_id;
    RETURN NULL;
END $$;

CREATE FUNCTION chairside_count_changed_clinics() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE clinic_turns t SET changes = t.changes + 1
      FROM changed_rows c WHERE t.clinic_id = c.id;
    RETURN NULL;
END $$;

CREATE TRIGGER clinics_counted AFTER UPDATE ON clinics
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chairside_count_changed_clinics();
CREATE TRIGGER chairs_counted_insert AFTER INSERT ON chairs
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chairside_count_changed_rows();
CREATE TRIGGER chairs_counted_delete AFTER DELETE ON chairs
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chairside_count_changed_rows();
CREATE TRIGGER chairs_counted_update AFTER UPDATE ON chairs
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chairside_count_changed_rows();
CREATE TRIGGER closures_counted_insert AFTER INSERT ON closures
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chairside_count_changed_rows();
CREATE TRIGGER closures_counted_delete AFTER DELETE ON closures
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chairside_count_changed_rows();
CREATE TRIGGER closures_counted_update AFTER UPDATE ON closures
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chairside_count_changed_rows();
CREATE TRIGGER sessions_counted_insert AFTER INSERT ON sessions
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chairside_count_changed_rows();
CREATE TRIGGER sessions_counted_delete AFTER DELETE ON sessions
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chairside_count_changed_rows();
-- Only what planning reads of a session counts (a reminder sent does not).
CREATE TRIGGER sessions_counted_update AFTER UPDATE ON sessions
    FOR EACH ROW WHEN (OLD.course_id IS DISTINCT FROM NEW.course_id OR OLD.patient_id IS DISTINCT FROM NEW.patient_id OR OLD.chair_id IS DISTINCT FROM NEW.chair_id OR OLD.starts_at IS DISTINCT FROM NEW.starts_at OR OLD.ends_at IS DISTINCT FROM NEW.ends_at OR OLD.status IS DISTINCT FROM NEW.status OR OLD.held_until IS DISTINCT FROM NEW.held_until)
    EXECUTE FUNCTION chairside_count_changed_row();
CREATE TRIGGER staff_members_counted_insert AFTER INSERT ON staff_members
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chairside_count_changed_rows();
CREATE TRIGGER staff_members_counted_delete AFTER DELETE ON staff_members
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chairside_count_changed_rows();
CREATE TRIGGER staff_members_counted_update AFTER UPDATE ON staff_members
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chairside_count_changed_rows();
CREATE TRIGGER session_monitoring_counted_insert AFTER INSERT ON session_monitoring
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chairside_count_changed_rows();
CREATE TRIGGER session_monitoring_counted_delete AFTER DELETE ON session_monitoring
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chairside_count_changed_rows();
CREATE TRIGGER session_monitoring_counted_update AFTER UPDATE ON session_monitoring
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chairside_count_changed_rows();
