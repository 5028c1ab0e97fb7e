-- PostgreSQL's JSON checks now validate text instead of converting it to
-- jsonb. SQLite's json_valid() always did: nothing changes here, and the
-- two backends keep one list of migrations.
SELECT 1;
