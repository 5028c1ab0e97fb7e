-- SQLite only: PostgreSQL's exclusion constraints do not use these triggers.
SELECT 1;
