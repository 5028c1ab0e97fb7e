//! Verified API keys, remembered for a short while so that a request does
//! not query for its key (every request used to: the booking's first round
//! trip, outside its transaction, on a connection of its own).
//!
//! What may be stale, and for how long: a key is verified against the
//! database again once it has been remembered for `ttl`. So a revocation is
//! seen by every server within `ttl` whoever made it (this server, another
//! replica, the CLI), on either backend, with no channel between servers to
//! lose; the server that revokes or rotates through the API forgets the key
//! at once. A rotated key's grace period is judged on every request from
//! the remembered expiry, so it ends on time. Only keys that verified are
//! remembered: a wrong token always reaches the database, and the map
//! never holds more entries than there are live keys in use.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chairside_store::models::ApiKey;

/// The default bound on how long a revoked key may still be accepted by a
/// server that did not revoke it.
pub const DEFAULT_TTL: Duration = Duration::from_secs(5);

/// Keys that verified, by the SHA-256 of their token (the clear token is
/// never kept).
#[derive(Debug)]
pub struct KeyCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, Remembered>>,
}

#[derive(Debug)]
struct Remembered {
    key: ApiKey,
    verified_at: Instant,
}

impl KeyCache {
    /// A cache whose entries are trusted for `ttl`; zero remembers nothing.
    pub fn new(ttl: Duration) -> KeyCache {
        KeyCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Remembered>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The key behind `token_hash` if it verified less than `ttl` ago.
    pub fn get(&self, token_hash: &str, now: Instant) -> Option<ApiKey> {
        let entries = self.entries();
        let remembered = entries.get(token_hash)?;
        (now.saturating_duration_since(remembered.verified_at) < self.ttl)
            .then(|| remembered.key.clone())
    }

    /// Remembers a key that just verified; drops what is out of date.
    pub fn remember(&self, token_hash: String, key: ApiKey, now: Instant) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries();
        entries.retain(|_, r| now.saturating_duration_since(r.verified_at) < self.ttl);
        entries.insert(
            token_hash,
            Remembered {
                key,
                verified_at: now,
            },
        );
    }

    /// Forgets a key this server revoked or rotated: its next request is
    /// verified again.
    pub fn forget(&self, key_id: i64) {
        self.entries().retain(|_, r| r.key.id != key_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chairside_store::models::Role;
    use chrono::Utc;

    fn key(id: i64) -> ApiKey {
        ApiKey {
            id,
            clinic_id: Some(1),
            prefix: format!("{id:012x}"),
            secret_hash: "h".into(),
            role: Role::FrontDesk,
            label: "desk".into(),
            created_at: Utc::now(),
            revoked_at: None,
            expires_at: None,
        }
    }

    #[test]
    fn a_key_is_trusted_for_the_ttl_and_verified_again_after() {
        let cache = KeyCache::new(Duration::from_secs(5));
        let t0 = Instant::now();
        cache.remember("a".into(), key(1), t0);
        assert_eq!(
            cache.get("a", t0 + Duration::from_secs(4)).map(|k| k.id),
            Some(1)
        );
        assert!(cache.get("a", t0 + Duration::from_secs(5)).is_none());
        assert!(cache.get("b", t0).is_none());
    }

    #[test]
    fn a_forgotten_key_is_verified_again_at_once() {
        let cache = KeyCache::new(Duration::from_secs(5));
        let t0 = Instant::now();
        cache.remember("a".into(), key(1), t0);
        cache.remember("b".into(), key(2), t0);
        cache.forget(1);
        assert!(cache.get("a", t0).is_none());
        assert_eq!(cache.get("b", t0).map(|k| k.id), Some(2));
    }

    #[test]
    fn a_zero_ttl_remembers_nothing_and_old_entries_are_dropped() {
        let off = KeyCache::new(Duration::ZERO);
        let t0 = Instant::now();
        off.remember("a".into(), key(1), t0);
        assert!(off.get("a", t0).is_none());
        let cache = KeyCache::new(Duration::from_secs(5));
        cache.remember("a".into(), key(1), t0);
        cache.remember("b".into(), key(2), t0 + Duration::from_secs(6));
        assert_eq!(cache.entries().len(), 1);
    }
}
