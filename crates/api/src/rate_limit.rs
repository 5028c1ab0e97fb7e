//! Rate limiting per API key: a generic cell rate algorithm (GCRA), the
//! token bucket kept as one timestamp per key.
//!
//! Each key may make `per_minute` requests a minute on average, and up to
//! `burst` at once after a quiet spell. A request over the limit is refused
//! with 429 and `Retry-After` saying when the next one will be accepted.
//! The state lives in this process: behind a load balancer with N replicas
//! a key may reach N times the limit (docs/operations.md).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many requests a key may make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained requests per minute.
    pub per_minute: u32,
    /// Requests allowed at once after a quiet spell (at least 1).
    pub burst: u32,
}

impl Default for RateLimit {
    /// 20 requests a second sustained, 300 at once: far above what a front
    /// desk does by hand, low enough to stop a runaway integration loop.
    fn default() -> Self {
        RateLimit {
            per_minute: 1200,
            burst: 300,
        }
    }
}

/// The limiter of one server process.
#[derive(Debug)]
pub struct RateLimiter {
    /// The limit it enforces.
    limit: RateLimit,
    /// Time between two requests at the sustained rate.
    interval: Duration,
    /// How far ahead of now a key's schedule may run: the burst.
    tolerance: Duration,
    /// Per key: the theoretical arrival time of its next request.
    next_due: Mutex<HashMap<i64, Instant>>,
}

impl RateLimiter {
    /// A limiter for `limit`; `per_minute` must be at least 1.
    pub fn new(limit: RateLimit) -> Self {
        let interval = Duration::from_secs(60) / limit.per_minute.max(1);
        RateLimiter {
            limit,
            interval,
            tolerance: interval * limit.burst.max(1).saturating_sub(1),
            next_due: Mutex::new(HashMap::new()),
        }
    }

    /// The limit it enforces.
    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    /// Counts a request of `key_id` made at `now`: `Ok` if it is within the
    /// limit, else `Err(wait)`, how long until one would be.
    pub fn check(&self, key_id: i64, now: Instant) -> Result<(), Duration> {
        let mut next_due = self.next_due.lock().unwrap_or_else(|e| e.into_inner());
        let due = next_due.get(&key_id).copied().unwrap_or(now).max(now);
        let ahead = due - now;
        if ahead > self.tolerance {
            return Err(ahead - self.tolerance);
        }
        next_due.insert(key_id, due + self.interval);
        Ok(())
    }

    /// Forgets keys whose schedule has caught up with `now`: they are back
    /// to a full burst anyway, so the map holds only recently busy keys.
    pub fn forget_idle(&self, now: Instant) {
        let mut next_due = self.next_due.lock().unwrap_or_else(|e| e.into_inner());
        next_due.retain(|_, due| *due > now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(per_minute: u32, burst: u32) -> RateLimiter {
        RateLimiter::new(RateLimit { per_minute, burst })
    }

    #[test]
    fn a_burst_is_allowed_then_the_next_request_waits_one_interval() {
        let limiter = limiter(60, 5);
        let now = Instant::now();
        for _ in 0..5 {
            assert_eq!(limiter.check(7, now), Ok(()));
        }
        let wait = limiter.check(7, now).unwrap_err();
        assert_eq!(wait, Duration::from_secs(1));
        // After that second, exactly one more.
        let later = now + Duration::from_secs(1);
        assert_eq!(limiter.check(7, later), Ok(()));
        assert!(limiter.check(7, later).is_err());
    }

    #[test]
    fn the_sustained_rate_is_allowed_forever() {
        let limiter = limiter(120, 1);
        let start = Instant::now();
        for i in 0..1000 {
            let at = start + Duration::from_millis(500) * i;
            assert_eq!(limiter.check(1, at), Ok(()), "request {i}");
        }
    }

    #[test]
    fn keys_are_limited_separately() {
        let limiter = limiter(60, 1);
        let now = Instant::now();
        assert_eq!(limiter.check(1, now), Ok(()));
        assert!(limiter.check(1, now).is_err());
        assert_eq!(limiter.check(2, now), Ok(()));
    }

    #[test]
    fn refused_requests_do_not_push_the_wait_further() {
        let limiter = limiter(60, 1);
        let now = Instant::now();
        assert_eq!(limiter.check(1, now), Ok(()));
        for _ in 0..100 {
            assert_eq!(limiter.check(1, now), Err(Duration::from_secs(1)));
        }
    }

    #[test]
    fn idle_keys_are_forgotten_busy_ones_kept() {
        let limiter = limiter(60, 2);
        let now = Instant::now();
        limiter.check(1, now).unwrap();
        limiter.check(2, now).unwrap();
        limiter.check(2, now).unwrap();
        limiter.forget_idle(now + Duration::from_millis(1500));
        let keys = limiter.next_due.lock().unwrap();
        assert!(!keys.contains_key(&1));
        assert!(keys.contains_key(&2));
    }
}
