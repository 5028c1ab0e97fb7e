//! The board: the day's chairs and a course's weeks as a page people can
//! look at, served from the binary itself (`/board`). Its three files are
//! embedded at build time — plain HTML, CSS and JavaScript, no framework
//! and no build step — and read everything through the public API with
//! the caller's own key, so roles, ETags and idempotency apply as for any
//! client. The page holds no data: it is public; the API is not.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

const INDEX: &str = include_str!("../board/index.html");
const SCRIPT: &str = include_str!("../board/board.js");
const STYLE: &str = include_str!("../board/board.css");

/// Only the board's own files run or style it; it is never framed, and
/// sends no referrer (a patient's name is never in a URL, but a key must
/// not leak with a click either).
const POLICY: &str = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Registers `/board` and its files.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/board",
        web::get().to(|| async { asset(INDEX, "text/html; charset=utf-8") }),
    )
    .route(
        "/board/",
        web::get().to(|| async { asset(INDEX, "text/html; charset=utf-8") }),
    )
    .route(
        "/board/board.js",
        web::get().to(|| async { asset(SCRIPT, "text/javascript; charset=utf-8") }),
    )
    .route(
        "/board/board.css",
        web::get().to(|| async { asset(STYLE, "text/css; charset=utf-8") }),
    );
}

fn asset(body: &'static str, content_type: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CONTENT_SECURITY_POLICY, POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}
