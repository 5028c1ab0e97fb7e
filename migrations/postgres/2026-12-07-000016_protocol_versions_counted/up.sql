-- A booking plans with its protocol's latest revision. A server keeps the
-- revisions it read with the calendar it kept (see migration 15), so a new
-- revision must move the clinic's count like any change planning reads.
-- Revisions are only ever added; updates and deletes count too, whoever
-- makes them.
CREATE TRIGGER protocol_versions_counted_insert AFTER INSERT ON protocol_versions
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chairside_count_changed_rows();
CREATE TRIGGER protocol_versions_counted_delete AFTER DELETE ON protocol_versions
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chairside_count_changed_rows();
CREATE TRIGGER protocol_versions_counted_update AFTER UPDATE ON protocol_versions
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chairside_count_changed_rows();
