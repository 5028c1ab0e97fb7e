//! A creating `POST`: one extractor takes what every creation needs, and
//! runs the use case once under the request's `Idempotency-Key`.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use chairside_store::DbConnection;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::auth::Caller;
use crate::body::Body;
use crate::error::ApiError;
use crate::idempotency::{fingerprint, write_once, IdempotencyKey, Keyed, Stored};
use crate::service::BOOKING_ATTEMPTS;
use crate::state::AppState;

/// What a creating `POST` takes — the caller's key, the ids in its path
/// (`P`, `()` for none), its `Idempotency-Key` and its JSON body (`T`) —
/// extracted in that order, which is the order their problems are
/// answered in: 401/403, then 404, then 400, then 413/415/422.
pub struct Creation<P, T> {
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    key: IdempotencyKey,
    pub path: P,
    body: T,
    raw: web::Bytes,
}

impl<P, T> FromRequest for Creation<P, T>
where
    P: DeserializeOwned + 'static,
    T: DeserializeOwned + 'static,
{
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let state = web::Data::<AppState>::from_request(req, payload);
        let caller = Caller::from_request(req, payload);
        let path = web::Path::<P>::from_request(req, payload);
        let key = IdempotencyKey::from_request(req, payload);
        let body = Body::<T>::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let state = state.await?;
            let caller = caller.await?;
            let path = path.await?.into_inner();
            let key = key.await?;
            let Body(body, raw) = body.await?;
            Ok(Creation {
                state,
                req,
                caller,
                key,
                path,
                body,
                raw,
            })
        })
    }
}

impl<P, T> Creation<P, T>
where
    P: Send + 'static,
    T: Send + 'static,
{
    /// *Now* on the clinic's clock, for a record stamped with it.
    pub fn now(&self) -> DateTime<Utc> {
        self.state.clock.now()
    }

    /// Runs `make` in one write transaction under the request's
    /// `Idempotency-Key` (a retry gets the stored response) and answers 201
    /// with the created resource and its ETag. Re-run when a concurrent
    /// writer took a chair or won a lock; `clinic`'s re-plans take turns.
    pub async fn run<R, F>(self, clinic: Option<i64>, mut make: F) -> Result<HttpResponse, ApiError>
    where
        R: Serialize,
        F: FnMut(&mut DbConnection, &Caller, &P, &T) -> Result<R, ApiError> + Send + 'static,
    {
        let Creation {
            state,
            req,
            caller,
            key,
            path,
            body,
            raw,
        } = self;
        let request = Keyed {
            key_id: caller.key_id,
            clinic_id: clinic,
            key,
            fingerprint: fingerprint(&req, &raw),
            ttl: state.settings.idempotency_ttl,
        };
        let store = state.store.clone();
        let span = tracing::Span::current();
        let stored = web::block(move || {
            span.in_scope(|| {
                write_once(
                    &store,
                    clinic.unwrap_or(0),
                    BOOKING_ATTEMPTS,
                    &request,
                    |conn| {
                        let made = make(conn, &caller, &path, &body)?;
                        Ok(Stored::resource(
                            actix_web::http::StatusCode::CREATED,
                            &made,
                        ))
                    },
                )
            })
        })
        .await??;
        Ok(stored.respond())
    }
}
