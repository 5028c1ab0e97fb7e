CREATE INDEX outbox_by_id ON outbox (id);
