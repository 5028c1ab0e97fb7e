-- Remembered responses are swept in the order they were stored (by id),
-- not through an index on their age: one index less for every request
-- that carries an Idempotency-Key to write (on SQLite, a WAL page of a
-- booking's ~39). A retry finding its own key expired forgets that key
-- alone, by the unique key.
DROP INDEX idempotency_keys_by_age;
