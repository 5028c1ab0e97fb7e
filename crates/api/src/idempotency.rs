//! `Idempotency-Key` on creating POSTs.
//!
//! The remembered response is written in the same transaction as the change
//! it describes, so a retry either finds both or neither. The same key with
//! the same body returns the remembered response; with a different body it is
//! 422; a concurrent duplicate loses on the unique key and, once the winner
//! committed, gets its response (409 only if that vanished meanwhile). Keys
//! are scoped to the API key and forgotten after [`ApiSettings::idempotency_ttl`]
//! (24 h by default).
//!
//! [`ApiSettings::idempotency_ttl`]: crate::state::ApiSettings::idempotency_ttl

use actix_web::http::StatusCode;
use actix_web::{dev::Payload, FromRequest, HttpRequest, HttpResponse};
use chairside_store::models::NewIdempotencyRecord;
use chairside_store::{repo, DbConnection, ErrorKind, Store};
use chrono::Utc;
use sha2::{Digest, Sha256};

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

/// A creating request under its `Idempotency-Key`: who sent it, where it
/// is kept, and what identifies "the same request".
pub struct Keyed {
    /// The sender's API key.
    pub key_id: i64,
    /// The clinic the request writes in (`None`: not scoped to one).
    pub clinic_id: Option<i64>,
    /// The `Idempotency-Key` sent.
    pub key: IdempotencyKey,
    /// See [`fingerprint`].
    pub fingerprint: String,
    /// How long answers are remembered.
    pub ttl: std::time::Duration,
}

/// What a key remembers, as the request's answer: the remembered response
/// if this request is a retry of it, 422 if the key was used with another
/// request, `None` if it remembers nothing (an expired answer counts as
/// none).
fn answer_remembered(
    conn: &mut DbConnection,
    request: &Keyed,
    key: &str,
) -> Result<Option<Result<Stored, ApiError>>, ApiError> {
    let previous = repo::idempotency::get(conn, request.clinic_id, request.key_id, key)?;
    Ok(previous
        .filter(|previous| previous.created_at >= oldest_kept(request.ttl))
        .map(
            |previous| match previous.request_fingerprint == request.fingerprint {
                true => Ok(replay(previous)),
                false => Err(ApiError::invalid_field(
                    "Idempotency-Key",
                    "this key was used with a different request; use a new key",
                )),
            },
        ))
}

fn oldest_kept(ttl: std::time::Duration) -> chrono::DateTime<Utc> {
    Utc::now() - chrono::Duration::from_std(ttl).unwrap_or_default()
}

/// The answer of the request that took the key while this one ran, or of
/// the request this one repeats.
fn key_taken() -> ApiError {
    ApiError::Conflict {
        kind: crate::problem_kind::ProblemKind::IdempotencyInProgress,
        detail: "a request with this Idempotency-Key was processed concurrently; retry to get its response".into(),
    }
}

/// Runs a creating use case under the request's key in write transactions
/// taking `turns_on`'s turns ([`Store::write_retrying`]), and remembers its
/// response in the same transaction.
///
/// The key is looked up only when it matters: a first request (nearly
/// every one) does its work and remembers the answer, one statement; the
/// unique key refuses a second answer. Then — or when the work failed, as
/// a retry does (the patient's course is running, the MRN is taken) — the
/// key decides: a retry gets the remembered response, another request with
/// the key 422. Only an answer that expired but was not yet purged makes
/// the request run again, once it is forgotten.
pub fn write_once(
    store: &Store,
    turns_on: i64,
    attempts: u32,
    request: &Keyed,
    mut work: impl FnMut(&mut DbConnection) -> Result<Stored, ApiError>,
) -> Result<Stored, ApiError> {
    let Some(key) = &request.key.0 else {
        return store.write_retrying(attempts, turns_on, work);
    };
    loop {
        let outcome = store.write_retrying(attempts, turns_on, |conn| {
            let stored = match work(conn) {
                Ok(stored) => stored,
                // In the same transaction where it can, before any retry
                // of the work: PostgreSQL refuses after a failed statement,
                // and then the key is looked up once the work rolled back.
                Err(error) => {
                    let remembered = answer_remembered(conn, request, key).ok().flatten();
                    return remembered.unwrap_or(Err(error));
                }
            };
            match repo::idempotency::put(conn, &remembered(request, key, &stored)) {
                Ok(_) => Ok(stored),
                Err(e) if e.kind() == ErrorKind::Duplicate => Err(key_taken()),
                Err(e) => Err(e.into()),
            }
        });
        let error = match outcome {
            Ok(stored) => return Ok(stored),
            Err(error) => error,
        };
        // The work failed, or the key was taken: by now the key's answer
        // is committed, and this request's work rolled back.
        if let Some(answer) = store.read(|conn| answer_remembered(conn, request, key))? {
            return answer;
        }
        let taken = matches!(
            error,
            ApiError::Conflict {
                kind: crate::problem_kind::ProblemKind::IdempotencyInProgress,
                ..
            }
        );
        if !taken {
            return Err(error);
        }
        if !forget_if_expired(store, request, key)? {
            // Neither current nor expired: purged meanwhile by another.
            return Err(key_taken());
        }
    }
}

/// Forgets the key's remembered response if it expired (kept past its
/// time until the next sweep); answers whether it did.
fn forget_if_expired(store: &Store, request: &Keyed, key: &str) -> Result<bool, ApiError> {
    Ok(store.write(|conn| {
        repo::idempotency::forget_expired(
            conn,
            request.clinic_id,
            request.key_id,
            key,
            oldest_kept(request.ttl),
        )
    })?)
}

fn remembered(request: &Keyed, key: &str, stored: &Stored) -> NewIdempotencyRecord {
    NewIdempotencyRecord {
        clinic_id: request.clinic_id,
        key_id: request.key_id,
        idempotency_key: key.to_owned(),
        request_fingerprint: request.fingerprint.clone(),
        response_status: i32::from(stored.status.as_u16()),
        response_body: stored.body.clone(),
    }
}
