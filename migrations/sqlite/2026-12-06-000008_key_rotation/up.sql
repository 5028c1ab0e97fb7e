-- A rotated API key keeps working until `expires_at` (its grace period),
-- then is refused like a revoked one.
ALTER TABLE api_keys ADD COLUMN expires_at TIMESTAMP;
