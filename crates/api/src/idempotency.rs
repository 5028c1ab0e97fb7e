//! `Idempotency-Key` on creating POSTs.
//!
//! The remembered response is written in the same transaction as the change
//! it describes, so a retry either finds both or neither. The same key with
//! the same body returns the remembered response; with a different body it is
//! 422; a concurrent duplicate loses on the unique key and gets 409. Keys are
//! scoped to the API key and forgotten after [`ApiSettings::idempotency_ttl`]
//! (24 h by default).
//!
//! [`ApiSettings::idempotency_ttl`]: crate::state::ApiSettings::idempotency_ttl

use actix_web::http::StatusCode;
use actix_web::{dev::Payload, FromRequest, HttpRequest, HttpResponse};
use chairside_store::models::NewIdempotencyRecord;
use chairside_store::{repo, DbConnection, ErrorKind};
use chrono::Utc;
use sha2::{Digest, Sha256};

use crate::auth::Caller;
use crate::error::ApiError;

/// The `Idempotency-Key` header, if sent.
#[derive(Clone, Debug, Default)]
pub struct IdempotencyKey(pub Option<String>);

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = match req.headers().get("idempotency-key") {
            None => Ok(IdempotencyKey(None)),
            Some(value) => match value.to_str() {
                Ok(text)
                    if (1..=255).contains(&text.len())
                        && text.bytes().all(|b| b.is_ascii_graphic()) =>
                {
                    Ok(IdempotencyKey(Some(text.to_string())))
                }
                _ => Err(ApiError::bad_field(
                    "Idempotency-Key",
                    "1 to 255 visible ASCII characters",
                )),
            },
        };
        std::future::ready(key)
    }
}

/// A response ready to send and to remember.
pub struct Stored {
    pub status: StatusCode,
    /// JSON body.
    pub body: String,
    /// Its ETag, if the body is a resource.
    pub etag: Option<String>,
}

impl Stored {
    /// A JSON response for a resource.
    pub fn resource<T: serde::Serialize>(status: StatusCode, value: &T) -> Self {
        Stored {
            status,
            body: serde_json::to_string(value).expect("views serialise"),
            etag: Some(crate::etag::etag_of(value)),
        }
    }

    /// The HTTP response.
    pub fn respond(self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.content_type("application/json");
        if let Some(etag) = self.etag {
            response.insert_header((actix_web::http::header::ETAG, etag));
        }
        response.body(self.body)
    }
}

/// The remembered response, as it was first given.
fn replay(previous: chairside_store::models::IdempotencyRecord) -> Stored {
    Stored {
        status: StatusCode::from_u16(previous.response_status as u16).unwrap_or(StatusCode::OK),
        etag: Some(crate::etag::etag_of_json(previous.response_body.as_bytes())),
        body: previous.response_body,
    }
}

/// What identifies "the same request": method, path and body.
pub fn fingerprint(req: &HttpRequest, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str());
    hasher.update(b" ");
    hasher.update(req.path());
    hasher.update(b"\n");
    hasher.update(body);
    format!("{:x}", hasher.finalize())
}

/// The answer remembered for this key, unless it has expired (then the
/// expired records are purged and the request runs afresh). The same key
/// with another request is refused: it is a client's bug, not a retry.
fn remembered(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: Option<i64>,
    key: &str,
    fingerprint: &str,
    ttl: std::time::Duration,
) -> Result<Option<Stored>, ApiError> {
    let Some(previous) = repo::idempotency::get(conn, clinic_id, caller.key_id, key)? else {
        return Ok(None);
    };
    let oldest_kept = Utc::now() - chrono::Duration::from_std(ttl).unwrap_or_default();
    if previous.created_at < oldest_kept {
        repo::idempotency::purge_before(conn, oldest_kept)?;
        return Ok(None);
    }
    if previous.request_fingerprint != fingerprint {
        return Err(ApiError::invalid_field(
            "Idempotency-Key",
            "this key was used with a different request; use a new key",
        ));
    }
    Ok(Some(replay(previous)))
}

/// Runs a creating use case under an idempotency key, inside the caller's
/// write transaction: returns the remembered response on a retry.
pub fn run(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: Option<i64>,
    key: &IdempotencyKey,
    fingerprint: &str,
    ttl: std::time::Duration,
    work: impl FnOnce(&mut DbConnection) -> Result<Stored, ApiError>,
) -> Result<Stored, ApiError> {
    let Some(key) = &key.0 else {
        return work(conn);
    };
    if let Some(answer) = remembered(conn, caller, clinic_id, key, fingerprint, ttl)? {
        return Ok(answer);
    }
    let stored = match work(conn) {
        Ok(stored) => stored,
        Err(error) => {
            // On PostgreSQL each statement reads what is committed by then:
            // a concurrent request with this key may have won while this
            // one ran, and its answer is this request's answer.
            return match repo::idempotency::get(conn, clinic_id, caller.key_id, key) {
                Ok(Some(won)) if won.request_fingerprint == fingerprint => Ok(replay(won)),
                _ => Err(error),
            };
        }
    };
    let remembered = repo::idempotency::put(
        conn,
        &NewIdempotencyRecord {
            clinic_id,
            key_id: caller.key_id,
            idempotency_key: key.clone(),
            request_fingerprint: fingerprint.to_string(),
            response_status: i32::from(stored.status.as_u16()),
            response_body: stored.body.clone(),
        },
    );
    match remembered {
        Ok(_) => Ok(stored),
        Err(e) if e.kind() == ErrorKind::Duplicate => Err(ApiError::Conflict {
            kind: crate::problem_kind::ProblemKind::IdempotencyInProgress,
            detail: "a request with this Idempotency-Key was processed concurrently; retry to get its response".into(),
        }),
        Err(e) => Err(e.into()),
    }
}
