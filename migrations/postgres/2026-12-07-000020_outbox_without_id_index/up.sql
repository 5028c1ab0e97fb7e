-- Every booking writes seven outbox events, and publishing each one
-- rewrites its row with a new entry in every index not limited to
-- unpublished rows: outbox_by_id was one of three, for lookups by id alone
-- — which only the fan-out makes, of rows it has just claimed unpublished,
-- and those outbox_unpublished finds. Clinic-scoped reads use the primary
-- key (clinic_id, id). Fourteen index entries fewer per booking.
DROP INDEX outbox_by_id;
