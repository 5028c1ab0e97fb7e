//! Moving a clinic in: one request imports a whole file.

use actix_web::http::header;
use actix_web::{post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::dto::import::ImportReport;
use crate::error::ApiError;
use crate::problem::Problem;
use crate::problem_kind::{answers, ProblemKind};
use crate::routes::{query::Query, write_replanning, ClinicPath};
use crate::service::imports::{self, parse};
use crate::state::AppState;

/// The largest import file: 32 MiB (about 100 000 rows).
pub const MAX_IMPORT_BYTES: usize = 32 << 20;

/// Whether to write.
#[derive(Clone, Copy, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// `true`: report every row's problem and write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(import_rows);
}

/// Imports patients, chair blocks and booked appointments from another
/// system as NDJSON
/// (`application/x-ndjson`, one object per line with its `kind`) or CSV
/// (`text/csv`, a header row with a `kind` column), keyed by the old
/// system's ids so a file imported twice changes nothing. `?dry_run=true`
/// answers every row's problem (row, field, reason) and writes nothing;
/// otherwise any problem writes nothing (422 listing them) and none writes
/// all, in one transaction. One request, whatever the rows: the rate limit
/// counts it once. At most 32 MiB and 50 000 rows.
#[utoipa::path(tag = "clinics", params(ClinicPath, ImportQuery),
    request_body(content((String = "application/x-ndjson"), (String = "text/csv")),
        description = "One row per line (NDJSON) or record (CSV)"),
    responses((status = 200, body = ImportReport),
        (status = 415, description = answers(&[ProblemKind::UnsupportedMediaType]), body = Problem, content_type = "application/problem+json"),
        (status = 413, description = answers(&[ProblemKind::TooLarge]), body = Problem, content_type = "application/problem+json"),
        (status = 422, description = answers(&[ProblemKind::Invalid]), body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["admin", "front_desk"])))]
#[post("/clinics/{clinic_id}/imports")]
pub async fn import_rows(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ClinicPath>,
    query: Query<ImportQuery>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let read: fn(&str) -> parse::Parsed = match content_type.as_str() {
        "application/x-ndjson" | "application/ndjson" => parse::ndjson,
        "text/csv" => parse::csv,
        other => {
            return Err(ApiError::UnsupportedMediaType(format!(
                "an import is application/x-ndjson or text/csv, not {other:?}"
            )))
        }
    };
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_field("body", e.to_string()))?;
        if body.len() + chunk.len() > MAX_IMPORT_BYTES {
            return Err(ApiError::TooLarge(format!(
                "an import is at most {} MiB",
                MAX_IMPORT_BYTES >> 20
            )));
        }
        body.extend_from_slice(&chunk);
    }
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| ApiError::bad_field("body", "not UTF-8 text"))?;
    let (clinic_id, dry_run, now) = (path.clinic_id, query.dry_run, state.clock.now());
    let report = write_replanning(&state, clinic_id, move |conn| {
        imports::run(conn, &caller, clinic_id, read(&text), (dry_run, now))
    })
    .await?;
    Ok(HttpResponse::Ok().json(report))
}
