//! Strong ETags and `If-Match`.
//!
//! An ETag is a hash of the resource's JSON representation, so it changes
//! exactly when what a client sees changes. Changes require `If-Match` with
//! the current ETag: 428 without it, 412 when it is stale.

use actix_web::{dev::Payload, http::header, FromRequest, HttpRequest, HttpResponse};
use base64::Engine;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// The strong ETag of a representation.
pub fn etag_of<T: Serialize>(value: &T) -> String {
    etag_of_json(&serde_json::to_vec(value).expect("views serialise"))
}

/// The strong ETag of a representation already serialised (byte for byte
/// what [`etag_of`] hashes, so a replayed response keeps its ETag).
pub fn etag_of_json(json: &[u8]) -> String {
    let digest = Sha256::digest(json);
    format!(
        "\"{}\"",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
    )
}

/// A 200 response with the representation and its ETag.
pub fn ok_with_etag<T: Serialize>(value: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag_of(value)))
        .json(value)
}

/// A response of the given status with the representation and its ETag.
pub fn with_etag<T: Serialize>(status: actix_web::http::StatusCode, value: &T) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag_of(value)))
        .json(value)
}

/// The `If-Match` header of a change request, required.
#[derive(Clone, Debug)]
pub struct IfMatch(Vec<String>);

impl IfMatch {
    /// Fails with 412 unless `current` is one of the tags sent.
    pub fn check<T: Serialize>(&self, current: &T) -> Result<(), ApiError> {
        let tag = etag_of(current);
        if self.0.iter().any(|t| t == "*" || *t == tag) {
            Ok(())
        } else {
            Err(ApiError::PreconditionFailed(format!(
                "If-Match does not match the current ETag {tag}; read the resource again"
            )))
        }
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let tags: Vec<String> = req
            .headers()
            .get_all(header::IF_MATCH)
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect();
        std::future::ready(if tags.is_empty() {
            Err(ApiError::PreconditionRequired(
                "send If-Match with the ETag of the resource you read".into(),
            ))
        } else if tags.iter().any(|t| t.starts_with("W/")) {
            Err(ApiError::bad_field(
                "If-Match",
                "weak ETags cannot guard a change",
            ))
        } else {
            Ok(IfMatch(tags))
        })
    }
}

/// Whether `If-None-Match` names this ETag (weak comparison, RFC 9110 §13.1.2).
pub fn not_modified(req: &actix_web::HttpRequest, etag: &str) -> bool {
    req.headers()
        .get_all(actix_web::http::header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}
