//! The JSON body extractor: like `web::Json`, but every failure is a problem
//! document naming the offending field (`phases[0].sessions: invalid type`).
//!
//! Text holding a NUL character (`\u0000`) is refused wherever it is, 422
//! naming the field: PostgreSQL cannot store one and SQLite would, so no
//! field takes one, on either backend.

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
        let encoding = Encoding::of(req);
        let raw = payload.take();
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::UnsupportedMediaType(
                    "send the body as Content-Type: application/json".into(),
                ));
            }
            let bytes = read_limited(raw, encoding?, limit).await?;
            parse(&bytes).map(|value| Body(value, bytes))
        })
    }
}

/// How a body is encoded (`Content-Encoding`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Identity,
    Gzip,
    Deflate,
}

impl Encoding {
    /// The request's encoding; one Chairside does not read is 415.
    pub fn of(req: &HttpRequest) -> Result<Encoding, ApiError> {
        let named = req
            .headers()
            .get(header::CONTENT_ENCODING)
            .map(|v| v.to_str().unwrap_or("?").trim().to_ascii_lowercase());
        match named.as_deref() {
            None | Some("" | "identity") => Ok(Encoding::Identity),
            Some("gzip" | "x-gzip") => Ok(Encoding::Gzip),
            Some("deflate") => Ok(Encoding::Deflate),
            Some(other) => Err(ApiError::UnsupportedMediaType(format!(
                "Content-Encoding {other:?} is not read: send identity, gzip or deflate"
            ))),
        }
    }
}

/// Reads a body of at most `limit` bytes — compressed and as decoded: a
/// compressed body is decoded only up to the limit, so a small body that
/// inflates to gigabytes costs no more memory than the limit (413).
pub async fn read_limited<S, E>(
    mut payload: S,
    encoding: Encoding,
    limit: usize,
) -> Result<web::Bytes, ApiError>
where
    S: futures_util::Stream<Item = Result<web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    use futures_util::StreamExt;
    use std::io::Read;
    let too_large = || ApiError::TooLarge(format!("the body may be at most {limit} bytes"));
    let mut raw = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest {
            detail: format!("the body could not be read: {e}"),
            errors: Vec::new(),
        })?;
        if raw.len() + chunk.len() > limit {
            return Err(too_large());
        }
        raw.extend_from_slice(&chunk);
    }
    let decoder: Box<dyn Read + '_> = match encoding {
        Encoding::Identity => return Ok(raw.freeze()),
        Encoding::Gzip => Box::new(flate2::read::MultiGzDecoder::new(&raw[..])),
        Encoding::Deflate => Box::new(flate2::read::ZlibDecoder::new(&raw[..])),
    };
    let mut decoded = Vec::new();
    decoder
        .take(limit as u64 + 1)
        .read_to_end(&mut decoded)
        .map_err(|e| ApiError::BadRequest {
            detail: format!("the body could not be decoded: {e}"),
            errors: Vec::new(),
        })?;
    if decoded.len() > limit {
        return Err(too_large());
    }
    Ok(decoded.into())
}

/// Parses JSON, naming the field that failed.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if let Some(field) = text_with_nul(bytes) {
        return Err(ApiError::invalid_field(
            field,
            "must not contain the NUL character (U+0000)",
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let parsed = serde_path_to_error::deserialize(&mut deserializer);
    match parsed {
        Ok(value) => match deserializer.end() {
            Ok(()) => structs_are_objects::<T>(bytes).map(|()| value),
            Err(e) => Err(ApiError::bad_field(
                "body",
                format!("trailing content after the JSON value: {e}"),
            )),
        },
        Err(error) => {
            let path = error.path().to_string();
            let inner = error.into_inner();
            let message = inner.to_string();
            let field = match (path.as_str(), missing_field(&message)) {
                // serde names a missing field in its message, at the path of
                // the object that lacks it: name the field itself.
                ("." | "?", Some(missing)) => missing.to_string(),
                (object, Some(missing)) => format!("{object}.{missing}"),
                ("." | "?", None) => "body".to_string(),
                (_, None) => path,
            };
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

/// Refuses a struct given as an array (serde's derive would read it by
/// position): 422 naming the field. Only a body with an array is read twice.
fn structs_are_objects<T: DeserializeOwned>(bytes: &[u8]) -> Result<(), ApiError> {
    if !bytes.contains(&b'[') {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Ok(());
    };
    crate::objects_only::check::<T>(&value).map_err(|(path, message)| {
        let field = match path.as_str() {
            "." | "?" => "body".to_string(),
            _ => path,
        };
        ApiError::Invalid {
            detail: format!("{field}: {message} (an object, not an array)"),
            errors: vec![FieldError { field, message }],
        }
    })
}

/// The field serde's "missing field `x`" message names, if it is one.
fn missing_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next()
}

/// The path (`phases[0].name`) of the first text in the JSON holding a NUL
/// character, if any. JSON can carry one only escaped, so a body without
/// the escape is not parsed twice.
fn text_with_nul(bytes: &[u8]) -> Option<String> {
    if !bytes.windows(6).any(|w| w == b"\\u0000") {
        return None;
    }
    // Malformed JSON: the real parse names the error.
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    nul_at(&value, "")
}

fn nul_at(value: &serde_json::Value, path: &str) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(text) if text.contains('\0') => Some(match path {
            "" => "body".to_string(),
            _ => path.to_string(),
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_at(item, &format!("{path}[{i}]"))),
        Value::Object(fields) => fields.iter().find_map(|(name, item)| {
            let here = match path {
                "" => name.clone(),
                _ => format!("{path}.{name}"),
            };
            if name.contains('\0') {
                Some(here)
            } else {
                nul_at(item, &here)
            }
        }),
        _ => None,
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

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    fn refused_field(body: &str) -> Option<(u16, String)> {
        let problem = parse::<Value>(body.as_bytes()).err()?.problem();
        Some((problem.status, problem.errors[0].field.clone()))
    }

    #[test]
    fn a_missing_field_is_named_with_its_path() {
        use crate::dto::course::PlanCourse;
        use crate::dto::protocol::CreateProtocol;
        let field = |body: &str, parse: fn(&[u8]) -> Result<(), ApiError>| {
            let problem = parse(body.as_bytes()).unwrap_err().problem();
            (problem.status, problem.errors[0].field.clone())
        };
        let plan: fn(&[u8]) -> Result<(), ApiError> = |b| parse::<PlanCourse>(b).map(|_| ());
        assert_eq!(
            field(r#"{"patient_id": 1, "protocol_id": 1}"#, plan),
            (422, "earliest".into())
        );
        let protocol: fn(&[u8]) -> Result<(), ApiError> =
            |b| parse::<CreateProtocol>(b).map(|_| ());
        assert_eq!(
            field(
                r#"{"code": "x", "definition": {"name": "x", "modality": "iv", "chair_time": {"pre_dose_check_minutes": 1, "treatment_minutes": 1}}}"#,
                protocol
            ),
            (422, "definition.chair_time.monitoring_minutes".into())
        );
    }

    #[test]
    fn text_with_a_nul_character_is_refused_naming_the_field() {
        let refused = |body| refused_field(body).unwrap();
        assert_eq!(
            refused(r#"{"display_name": "A\u0000"}"#),
            (422, "display_name".into())
        );
        assert_eq!(
            refused(r#"{"phases": [{"name": "x"}, {"name": "\u0000"}]}"#),
            (422, "phases[1].name".into())
        );
        assert_eq!(refused(r#"{"a\u0000": 1}"#), (422, "a\u{0}".into()));
        assert_eq!(refused(r#""\u0000""#), (422, "body".into()));
        // An escaped backslash before "u0000" is no NUL.
        assert_eq!(refused_field(r#"{"display_name": "\\u0000"}"#), None);
        assert_eq!(refused_field(r#"{"display_name": "A"}"#), None);
    }

    #[test]
    fn dates_outside_the_calendar_are_refused_naming_the_field() {
        use crate::dto::course::PlanCourse;
        use crate::dto::patient::CreatePatient;
        let field = |result: Result<(), ApiError>| {
            let problem = result.unwrap_err().problem();
            assert_eq!(problem.status, 422, "{problem:?}");
            problem.errors[0].field.clone()
        };
        let plan = |earliest: &str| {
            let body =
                format!(r#"{{"patient_id": 1, "protocol_id": 1, "earliest": "{earliest}"}}"#);
            parse::<PlanCourse>(body.as_bytes()).map(|_| ())
        };
        for earliest in ["1899-12-31", "3000-01-01", "-262143-01-01", "+262142-12-31"] {
            assert_eq!(field(plan(earliest)), "earliest");
        }
        plan("1900-01-01").unwrap();
        plan("2999-12-31").unwrap();
        // Closure spans and preference dates are checked where the clinic's
        // zone is known (service::clinics, service::patients), naming
        // `span.first`, `preferences.unavailable_dates[1]`.
        let patient = |body: &str| parse::<CreatePatient>(body.as_bytes()).map(|_| ());
        assert_eq!(
            field(patient(
                r#"{"external_ref": "M", "display_name": "A", "rems_enrolled_on": "-4714-11-23"}"#
            )),
            "rems_enrolled_on"
        );
    }
}
