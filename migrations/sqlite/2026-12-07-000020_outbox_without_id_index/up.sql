-- SQLite's outbox id is the rowid: there was no index to drop.
SELECT 1;
