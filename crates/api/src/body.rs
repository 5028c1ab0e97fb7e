//! The JSON body extractor: like `web::Json`, but every failure is a problem
//! document naming the offending field (`phases[0].sessions: invalid type`).

use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::problem::FieldError;
use crate::state::AppState;

/// A JSON request body of type `T`, and its raw bytes (for the
/// idempotency fingerprint).
#[derive(Debug)]
pub struct Body<T>(pub T, pub web::Bytes);

impl<T: DeserializeOwned + 'static> FromRequest for Body<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map_or(64 * 1024, |s| s.settings.max_body_bytes);
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let is_json = content_type.starts_with("application/json")
            || (content_type.starts_with("application/") && content_type.contains("+json"));
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::UnsupportedMediaType(
                    "send the body as Content-Type: application/json".into(),
                ));
            }
            let bytes =
                bytes
                    .await
                    .map_err(|e| match e.as_response_error().status_code().as_u16() {
                        413 => ApiError::TooLarge(format!("the body may be at most {limit} bytes")),
                        _ => ApiError::BadRequest {
                            detail: format!("the body could not be read: {e}"),
                            errors: Vec::new(),
                        },
                    })?;
            if bytes.len() > limit {
                return Err(ApiError::TooLarge(format!(
                    "the body may be at most {limit} bytes"
                )));
            }
            parse(&bytes).map(|value| Body(value, bytes))
        })
    }
}

/// Parses JSON, naming the field that failed.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let parsed = serde_path_to_error::deserialize(&mut deserializer);
    match parsed {
        Ok(value) => match deserializer.end() {
            Ok(()) => Ok(value),
            Err(e) => Err(ApiError::bad_field(
                "body",
                format!("trailing content after the JSON value: {e}"),
            )),
        },
        Err(error) => {
            let path = error.path().to_string();
            let inner = error.into_inner();
            let field = if path == "." || path == "?" {
                "body".to_string()
            } else {
                path
            };
            let message = inner.to_string();
            let errors = vec![FieldError {
                field: field.clone(),
                message: message.clone(),
            }];
            if inner.is_data() {
                // Well-formed JSON whose content is wrong: unknown field,
                // wrong type, bad date, missing field.
                Err(ApiError::Invalid {
                    detail: format!("{field}: {message}"),
                    errors,
                })
            } else {
                Err(ApiError::BadRequest {
                    detail: format!("the body is not valid JSON: {message}"),
                    errors,
                })
            }
        }
    }
}

/// A JSON body that may be left out entirely (then `T::default()`); when
/// present it is parsed as strictly as [`Body`].
#[derive(Debug)]
pub struct MaybeBody<T>(pub T);

impl<T: DeserializeOwned + Default + 'static> FromRequest for MaybeBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let empty = req.headers().get(header::TRANSFER_ENCODING).is_none()
            && req
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .is_none_or(|v| v.trim() == "0");
        if empty {
            return Box::pin(async { Ok(MaybeBody(T::default())) });
        }
        let body = Body::<T>::from_request(req, payload);
        Box::pin(async move { body.await.map(|b| MaybeBody(b.0)) })
    }
}
