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
    let started = Instant::now();
    let answer = post(agent, subscription, delivery);
    let duration_ms = started.elapsed().as_millis() as i64;
    judge(answer, delivery.attempts as usize + 1, config, duration_ms)
}

/// What an endpoint answered, as far as the verdict goes.
struct Answer {
    status: u16,
    /// Its `Retry-After`, in seconds only, capped at a day.
    retry_after: Option<Duration>,
}

/// Signs and posts the delivery's frozen body; an error is why no answer
/// came back (refused, timed out, bad TLS).
fn post(
    agent: &ureq::Agent,
    subscription: &WebhookSubscription,
    delivery: &Delivery,
) -> Result<Answer, String> {
    let body = serde_json::to_vec(&delivery.payload).expect("payloads serialise");
    let now = Utc::now();
    let timestamp = now.timestamp();
    let secrets = subscription.signing_secrets(now);
    let signature = signature_header(&secrets, &delivery.event_id, timestamp, &body)
        .map_err(|e| e.to_string())?;
    let response = agent
        .post(&subscription.url)
        .header("content-type", "application/json")
        .header("user-agent", "Chairside-Webhooks/1")
        .header("webhook-id", &delivery.event_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .send(&body[..])
        .map_err(|e| e.to_string())?;
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|s| Duration::from_secs(s.min(24 * 3600)));
    Ok(Answer {
        status: response.status().as_u16(),
        retry_after,
    })
}

/// A 2xx is delivered; 410 Gone abandons the delivery and disables the
/// subscription (the endpoint asked us to stop); anything else, or no
/// answer, is tried again on the schedule until it runs out.
fn judge(
    answer: Result<Answer, String>,
    attempts_made: usize,
    config: &DeliveryConfig,
    duration_ms: i64,
) -> Verdict {
    let outcome = |status: Option<u16>, error: Option<&str>| AttemptOutcome {
        status_code: status.map(i32::from),
        error: error.map(str::to_owned),
        duration_ms,
    };
    let answer = match answer {
        Err(error) => {
            let (next, disable) = next_try(config, attempts_made, None);
            return Verdict {
                outcome: outcome(None, Some(&error)),
                next,
                disable,
            };
        }
        Ok(answer) => answer,
    };
    let status = answer.status;
    if (200..300).contains(&status) {
        return Verdict {
            outcome: outcome(Some(status), None),
            next: Next::Delivered,
            disable: None,
        };
    }
    if status == 410 {
        return Verdict {
            outcome: outcome(Some(status), Some("410 Gone: the endpoint asked to stop")),
            next: Next::Abandoned,
            disable: Some("the endpoint answered 410 Gone".into()),
        };
    }
    let error = if (300..400).contains(&status) {
        "redirects are not followed"
    } else {
        "not a 2xx"
    };
    let (next, disable) = next_try(config, attempts_made, answer.retry_after);
    Verdict {
        outcome: outcome(Some(status), Some(error)),
        next,
        disable,
    }
}

/// The next attempt on the schedule (jittered, never before the endpoint's
/// `Retry-After`), or abandonment once the schedule has run out.
fn next_try(
    config: &DeliveryConfig,
    attempts_made: usize,
    retry_after: Option<Duration>,
) -> (Next, Option<String>) {
    match RETRY_SCHEDULE.get(attempts_made - 1) {
        Some(wait) => {
            let wait =
                jitter(wait.mul_f64(config.retry_scale)).max(retry_after.unwrap_or_default());
            let at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
            (Next::RetryAt(at), None)
        }
        None => (
            Next::Abandoned,
            Some(format!("no 2xx after {attempts_made} attempts")),
        ),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> DeliveryConfig {
        DeliveryConfig {
            timeout: Duration::from_secs(1),
            retry_scale: 1.0,
        }
    }

    fn answered(status: u16, retry_after: Option<u64>) -> Result<Answer, String> {
        Ok(Answer {
            status,
            retry_after: retry_after.map(Duration::from_secs),
        })
    }

    #[test]
    fn a_2xx_is_delivered() {
        let verdict = judge(answered(204, None), 1, &config(), 3);
        assert!(matches!(verdict.next, Next::Delivered));
        assert_eq!(verdict.outcome.status_code, Some(204));
        assert_eq!(verdict.outcome.error, None);
        assert_eq!(verdict.disable, None);
    }

    #[test]
    fn gone_stops_and_disables_the_subscription() {
        let verdict = judge(answered(410, None), 1, &config(), 3);
        assert!(matches!(verdict.next, Next::Abandoned));
        assert!(verdict.disable.is_some());
    }

    #[test]
    fn a_failure_is_retried_on_the_schedule_and_no_sooner_than_retry_after() {
        let before = Utc::now();
        let verdict = judge(answered(503, Some(3600)), 1, &config(), 3);
        let Next::RetryAt(at) = verdict.next else {
            panic!("a 503 is retried, not {:?}", verdict.next);
        };
        assert!(at >= before + chrono::Duration::seconds(3600));
        assert_eq!(verdict.outcome.error.as_deref(), Some("not a 2xx"));
        let redirect = judge(answered(302, None), 1, &config(), 3);
        assert_eq!(
            redirect.outcome.error.as_deref(),
            Some("redirects are not followed")
        );
    }

    #[test]
    fn no_answer_is_retried_and_the_last_attempt_abandons() {
        let refused = judge(Err("connection refused".into()), 1, &config(), 3);
        assert!(matches!(refused.next, Next::RetryAt(_)));
        assert_eq!(refused.outcome.status_code, None);
        let last = RETRY_SCHEDULE.len() + 1;
        let verdict = judge(Err("connection refused".into()), last, &config(), 3);
        assert!(matches!(verdict.next, Next::Abandoned));
        assert_eq!(
            verdict.disable,
            Some(format!("no 2xx after {last} attempts"))
        );
    }
}
