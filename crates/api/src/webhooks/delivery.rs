//! Sending one delivery and deciding what happens next.
//!
//! At-least-once: a delivery is retried on the Standard Webhooks schedule
//! (about three days in all, with jitter) until a 2xx. Only 2xx is success;
//! redirects are never followed; `Retry-After` is honoured; 410 Gone disables
//! the endpoint, and so does running out of retries.

use std::time::{Duration, Instant};

use chairside_store::models::{AttemptOutcome, Delivery, Next, WebhookSubscription};
use chrono::Utc;

use crate::webhooks::signing::signature_header;

/// Waits after each failed attempt, per the Standard Webhooks schedule,
/// extended to about three days: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h,
/// 24 h, 24 h. After the last, the delivery is abandoned.
pub const RETRY_SCHEDULE: [Duration; 9] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(24 * 3600),
    Duration::from_secs(24 * 3600),
];

/// How deliveries are sent.
#[derive(Clone, Debug)]
pub struct DeliveryConfig {
    /// Per-request timeout.
    pub timeout: Duration,
    /// Multiplies every wait of the schedule (1.0 in production; tests compress it).
    pub retry_scale: f64,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            timeout: Duration::from_secs(10),
            retry_scale: 1.0,
        }
    }
}

/// What one attempt produced and what to do next; `disable` when the
/// endpoint must be switched off (410, or retries exhausted).
pub struct Verdict {
    /// For the attempt log.
    pub outcome: AttemptOutcome,
    /// Delivered, retry at, or abandoned.
    pub next: Next,
    /// Why the subscription should be disabled, if it should.
    pub disable: Option<String>,
}

fn jitter(wait: Duration) -> Duration {
    // ±10 % so that many deliveries failing together do not retry together.
    let mut byte = [0u8; 1];
    getrandom::fill(&mut byte).expect("the OS has randomness");
    let factor = 0.9 + f64::from(byte[0]) / 255.0 * 0.2;
    wait.mul_f64(factor)
}

/// Sends a delivery with every signing secret in force and judges the answer.
pub fn send(
    agent: &ureq::Agent,
    config: &DeliveryConfig,
    subscription: &WebhookSubscription,
    delivery: &Delivery,
) -> Verdict {
    let body = serde_json::to_vec(&delivery.payload).expect("payloads serialise");
    let timestamp = Utc::now().timestamp();
    let now = Utc::now();
    let secrets = subscription.signing_secrets(now);
    let started = Instant::now();
    let result = signature_header(&secrets, &delivery.event_id, timestamp, &body)
        .map_err(|e| e.to_string())
        .and_then(|signature| {
            agent
                .post(&subscription.url)
                .header("content-type", "application/json")
                .header("user-agent", "Chairside-Webhooks/1")
                .header("webhook-id", &delivery.event_id)
                .header("webhook-timestamp", timestamp.to_string())
                .header("webhook-signature", signature)
                .send(&body[..])
                .map_err(|e| e.to_string())
        });
    let duration_ms = started.elapsed().as_millis() as i64;
    let attempts_made = delivery.attempts as usize + 1;
    let retry = |retry_after: Option<Duration>| -> (Next, Option<String>) {
        match RETRY_SCHEDULE.get(attempts_made - 1) {
            Some(wait) => {
                let wait =
                    jitter(wait.mul_f64(config.retry_scale)).max(retry_after.unwrap_or_default());
                (
                    Next::RetryAt(
                        Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default(),
                    ),
                    None,
                )
            }
            None => (
                Next::Abandoned,
                Some(format!("no 2xx after {attempts_made} attempts")),
            ),
        }
    };
    match result {
        Err(error) => {
            let (next, disable) = retry(None);
            Verdict {
                outcome: AttemptOutcome {
                    status_code: None,
                    error: Some(error),
                    duration_ms,
                },
                next,
                disable,
            }
        }
        Ok(response) => {
            let status = response.status().as_u16();
            let outcome = |error: Option<String>| AttemptOutcome {
                status_code: Some(i32::from(status)),
                error,
                duration_ms,
            };
            if (200..300).contains(&status) {
                return Verdict {
                    outcome: outcome(None),
                    next: Next::Delivered,
                    disable: None,
                };
            }
            if status == 410 {
                return Verdict {
                    outcome: outcome(Some("410 Gone: the endpoint asked to stop".into())),
                    next: Next::Abandoned,
                    disable: Some("the endpoint answered 410 Gone".into()),
                };
            }
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(|s| Duration::from_secs(s.min(24 * 3600)));
            let (next, disable) = retry(retry_after);
            let error = if (300..400).contains(&status) {
                "redirects are not followed"
            } else {
                "not a 2xx"
            };
            Verdict {
                outcome: outcome(Some(error.into())),
                next,
                disable,
            }
        }
    }
}

/// The HTTP client deliveries use: no redirects, a timeout, statuses as data.
pub fn agent(config: &DeliveryConfig) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_global(Some(config.timeout))
        .build()
        .new_agent()
}
