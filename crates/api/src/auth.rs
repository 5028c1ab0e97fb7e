//! Authentication and authorisation: `Authorization: Bearer <key>` → the
//! key's role and clinic scope, checked against [`crate::policy`].

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use chairside_store::models::{Actor, ApiKey, Role};
use chairside_store::repo;

use crate::error::ApiError;
use crate::policy::allowed_roles;
use crate::rate_limit::RateLimit;
use crate::request_id::RequestId;
use crate::state::AppState;

/// The authenticated caller of a request, already checked against the
/// route's roles and, for routes under `/v1/clinics/{clinic_id}`, the key's
/// clinic scope.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The API key's id.
    pub key_id: i64,
    pub role: Role,
    /// The one clinic it may act on; `None` = every clinic (admin).
    pub clinic_scope: Option<i64>,
    /// The request id, for the audit trail.
    pub request_id: String,
}

impl Caller {
    /// Chairside itself, for background work (automatic no-shows, reminders).
    pub fn system(request_id: impl Into<String>) -> Self {
        Caller {
            key_id: 0,
            role: Role::System,
            clinic_scope: None,
            request_id: request_id.into(),
        }
    }

    /// The actor recorded in history and audit rows.
    pub fn actor(&self) -> Actor {
        match self.role {
            Role::System => Actor::system(),
            role => Actor::key(self.key_id, role),
        }
    }

    /// Whether the caller may see this clinic.
    pub fn may_access(&self, clinic_id: i64) -> bool {
        self.clinic_scope.is_none_or(|scope| scope == clinic_id)
    }

    /// Clinical decisions (overrides) need a clinician or an admin.
    pub fn require_clinical(&self, what: &str) -> Result<(), ApiError> {
        match self.role {
            Role::Admin | Role::Clinician => Ok(()),
            _ => Err(ApiError::Forbidden(format!(
                "{what} needs a clinician or admin key"
            ))),
        }
    }
}

fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let header = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::Unauthenticated("send an API key as `Authorization: Bearer <key>`".into())
    })?;
    let text = header
        .to_str()
        .map_err(|_| ApiError::Unauthenticated("the Authorization header is not text".into()))?;
    match text.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim().to_string())
        }
        _ => Err(ApiError::Unauthenticated(
            "use the Bearer scheme: `Authorization: Bearer <key>`".into(),
        )),
    }
}

/// The answer to a key over its limit: when to come back, rounded up.
fn rate_limited(limit: RateLimit, wait: Duration) -> ApiError {
    ApiError::RateLimited {
        detail: format!(
            "this API key may make {} requests a minute, {} at once; try again in {} ms",
            limit.per_minute,
            limit.burst,
            wait.as_millis()
        ),
        retry_after_seconds: wait.as_secs_f64().ceil().max(1.0) as u64,
    }
}

/// What the `Authorization` header proved: a live key, or why not. Found
/// once per request, by [`authenticate`], before any other extractor runs.
#[derive(Clone, Debug)]
struct Credential(Result<ApiKey, Refusal>);

/// Why a credential was not accepted, kept cloneable for the extensions.
#[derive(Clone, Debug)]
struct Refusal {
    error: fn(String) -> ApiError,
    message: String,
}

impl From<ApiError> for Refusal {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::Unauthenticated(message) => Refusal {
                error: ApiError::Unauthenticated,
                message,
            },
            ApiError::Unavailable(message) => Refusal {
                error: ApiError::Unavailable,
                message,
            },
            other => Refusal {
                error: ApiError::Internal,
                message: other.to_string(),
            },
        }
    }
}

async fn check_credential(req: &HttpRequest) -> Credential {
    let token = match bearer(req) {
        Ok(token) => token,
        Err(error) => return Credential(Err(error.into())),
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Credential(Err(ApiError::Internal("no app state".into()).into()));
    };
    // The clinic's clock, so that a rotated key's grace ends when the
    // clinic's day says it does.
    let now = state.clock.now();
    let hash = chairside_store::sha256_hex(&token);
    if let Some(key) = state.keys.get(&hash, Instant::now()) {
        return Credential(if key.is_live(now) {
            Ok(key)
        } else {
            Err(ApiError::Unauthenticated("unknown or revoked API key".into()).into())
        });
    }
    let store = state.store.clone();
    let verified =
        web::block(move || store.read(|conn| repo::api_keys::verify(conn, &token, now))).await;
    Credential(match verified {
        Ok(Ok(Some(key))) => {
            state.keys.remember(hash, key.clone(), Instant::now());
            Ok(key)
        }
        Ok(Ok(None)) => Err(ApiError::Unauthenticated("unknown or revoked API key".into()).into()),
        Ok(Err(error)) => Err(ApiError::from(error).into()),
        Err(error) => Err(ApiError::from(error).into()),
    })
}

/// Middleware: checks the API key before the handler's extractors run.
///
/// Looking the key up takes a database read (unless [`crate::key_cache`]
/// remembers it). Done inside the [`Caller`]
/// extractor, it raced the handler's other extractors, and a caller with a
/// bad key could learn from a 415 or 428 what the route expects instead of
/// getting 401. Here the key is settled first, so [`Caller`], always a
/// handler's first parameter, answers at once.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.headers().contains_key(header::AUTHORIZATION) {
        let credential = check_credential(req.request()).await;
        req.extensions_mut().insert(credential);
    }
    next.call(req).await
}

/// The request's live key, inside its rate limit: what the middleware
/// settled, or (an app assembled by hand) looked up now.
async fn key_of(req: &HttpRequest, settled: Option<Credential>) -> Result<ApiKey, ApiError> {
    let credential = match settled {
        Some(credential) => credential,
        None => check_credential(req).await,
    };
    let key = credential
        .0
        .map_err(|refusal| (refusal.error)(refusal.message))?;
    if let Some(limiter) = req
        .app_data::<web::Data<AppState>>()
        .and_then(|state| state.limiter.clone())
    {
        limiter
            .check(key.id, Instant::now())
            .map_err(|wait| rate_limited(limiter.limit(), wait))?;
    }
    Ok(key)
}

/// A reader of the FHIR view (`/fhir/r4`): any role with a key, scoped to
/// one clinic, whose resources are all it sees. FHIR routes are not in the
/// OpenAPI document (their CapabilityStatement describes them), so their
/// policy is this one rule rather than a declaration per route.
#[derive(Clone, Debug)]
pub struct FhirReader {
    pub clinic_id: i64,
    pub role: Role,
    key_id: i64,
    request_id: String,
}

impl FhirReader {
    /// The caller, for an operation that writes (`$book`): as the REST API
    /// knows it, in the audit trail too.
    pub fn caller(&self) -> Caller {
        Caller {
            key_id: self.key_id,
            role: self.role,
            clinic_scope: Some(self.clinic_id),
            request_id: self.request_id.clone(),
        }
    }
}

impl FromRequest for FhirReader {
    type Error = crate::fhir::outcome::FhirError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        let settled = req.extensions().get::<Credential>().cloned();
        Box::pin(async move {
            let key = key_of(&req, settled).await?;
            let clinic_id = key.clinic_id.ok_or_else(|| {
                ApiError::Forbidden(
                    "the FHIR view is a clinic's: use a key scoped to the clinic".into(),
                )
            })?;
            let request_id = req
                .extensions()
                .get::<RequestId>()
                .map(|r| r.0.clone())
                .unwrap_or_default();
            Ok(FhirReader {
                clinic_id,
                role: key.role,
                key_id: key.id,
                request_id,
            })
        })
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        let settled = req.extensions().get::<Credential>().cloned();
        Box::pin(async move {
            let key = key_of(&req, settled).await?;
            let pattern = req.match_pattern().unwrap_or_default();
            let roles = allowed_roles(req.method(), &pattern).ok_or_else(|| {
                ApiError::Forbidden(format!("no role may call {} {pattern}", req.method()))
            })?;
            if !roles.contains(&key.role) {
                return Err(ApiError::Forbidden(format!(
                    "a {} key may not call {} {pattern}",
                    key.role.as_str(),
                    req.method()
                )));
            }
            if let (Some(scope), Some(clinic)) = (key.clinic_id, req.match_info().get("clinic_id"))
            {
                if clinic.parse::<i64>().ok() != Some(scope) {
                    return Err(ApiError::Forbidden(format!(
                        "this key is scoped to clinic {scope}"
                    )));
                }
            }
            let request_id = req
                .extensions()
                .get::<RequestId>()
                .map(|r| r.0.clone())
                .unwrap_or_default();
            Ok(Caller {
                key_id: key.id,
                role: key.role,
                clinic_scope: key.clinic_id,
                request_id,
            })
        })
    }
}
