//! The HTTP layer's own refusals, answered as problem documents.
//!
//! actix-http answers some requests before any route sees them: a head of
//! more than 96 headers or 128 KiB (431), a malformed request line, header
//! or `Content-Length` such as `-1` or one past 2^64 (400), a head that does
//! not arrive in time (408). It writes those responses itself, with no
//! body, and offers no hook to change them. Every 4xx of this API is a
//! problem document, so each connection is wrapped: when the server writes
//! one of those bodiless refusals, the wrapper writes the same status with
//! its problem document instead. Nothing the application answers is
//! touched: its refusals always carry a body (they are built by
//! [`ApiError`](crate::ApiError)), and only a response head that ends the
//! bytes written, says `content-length: 0` and has no `content-type` is
//! read as one of the HTTP layer's.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use actix_codec::{AsyncRead, AsyncWrite, ReadBuf};
use actix_web::rt::net::TcpStream;

use crate::problem::{Problem, PROBLEM_JSON};
use crate::problem_kind::ProblemKind;

/// How long a request's head may take to arrive before the server answers
/// 408 (the server's setting; `HttpServer`'s default).
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(5);

/// A connection whose bodiless HTTP-layer refusals become problem
/// documents.
pub struct ProblemRefusals<S = TcpStream> {
    inner: S,
    /// The bytes written in place of a refusal, and the length of what the
    /// server asked to write, answered once they are all out.
    rewriting: Option<Rewrite>,
}

struct Rewrite {
    bytes: Vec<u8>,
    written: usize,
    stands_for: usize,
}

impl<S> ProblemRefusals<S> {
    /// Wraps a connection.
    pub fn new(inner: S) -> ProblemRefusals<S> {
        ProblemRefusals {
            inner,
            rewriting: None,
        }
    }
}

impl<S: AsyncWrite + Unpin> ProblemRefusals<S> {
    /// Writes what is left of a rewritten refusal.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some(rewrite) = self.rewriting.as_mut() {
            if rewrite.written == rewrite.bytes.len() {
                break;
            }
            let n = ready!(
                Pin::new(&mut self.inner).poll_write(cx, &rewrite.bytes[rewrite.written..])
            )?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            rewrite.written += n;
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for ProblemRefusals<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for ProblemRefusals<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.rewriting.is_none() {
            match rewritten(buf) {
                None => return Pin::new(&mut this.inner).poll_write(cx, buf),
                Some(bytes) => {
                    this.rewriting = Some(Rewrite {
                        bytes,
                        written: 0,
                        stands_for: buf.len(),
                    })
                }
            }
        }
        ready!(this.drain(cx))?;
        let written = this.rewriting.take().map_or(0, |r| r.stands_for);
        Poll::Ready(Ok(written))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// `written` with a bodiless refusal at its end answered as a problem
/// document; `None` when it ends with none.
fn rewritten(written: &[u8]) -> Option<Vec<u8>> {
    // Most writes end with a body: settled without a scan.
    if !written.ends_with(b"\r\n\r\n") {
        return None;
    }
    let start = last_head_start(written)?;
    let head = std::str::from_utf8(&written[start..]).ok()?;
    let head = head.strip_suffix("\r\n\r\n")?;
    if head.contains("\r\n\r\n") {
        return None;
    }
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let kind = refusal_kind(status_line)?;
    // Each header as written, with its name and value.
    let headers: Vec<(&str, &str, &str)> = lines
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            Some((line, name.trim(), value.trim()))
        })
        .collect();
    let value = |wanted: &str| {
        headers
            .iter()
            .find(|(_, name, _)| name.eq_ignore_ascii_case(wanted))
            .map(|(_, _, value)| *value)
    };
    if value("content-length") != Some("0") || value("content-type").is_some() {
        return None;
    }
    let body = serde_json::to_string(&Problem::of(kind, detail(kind))).expect("problem serialises");
    let mut out = written[..start].to_vec();
    out.extend_from_slice(status_line.as_bytes());
    out.extend_from_slice(b"\r\n");
    for (line, name, _) in &headers {
        if !name.eq_ignore_ascii_case("content-length") {
            out.extend_from_slice(line.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(
        format!(
            "content-type: {PROBLEM_JSON}\r\ncontent-length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(body.as_bytes());
    Some(out)
}

/// Where the last response head in `written` starts, looked for in its
/// last kilobyte (a refusal's head is under 200 bytes).
fn last_head_start(written: &[u8]) -> Option<usize> {
    let from = written.len().saturating_sub(1024);
    [&b"HTTP/1.1 "[..], &b"HTTP/1.0 "[..]]
        .iter()
        .filter_map(|prefix| {
            written[from..]
                .windows(prefix.len())
                .rposition(|w| w == *prefix)
        })
        .max()
        .map(|at| from + at)
}

/// The kind of an HTTP-layer refusal, by its status line.
fn refusal_kind(status_line: &str) -> Option<ProblemKind> {
    let code = status_line.split(' ').nth(1)?;
    match code {
        "400" => Some(ProblemKind::BadRequest),
        "408" => Some(ProblemKind::RequestTimeout),
        "431" => Some(ProblemKind::HeadersTooLarge),
        _ => None,
    }
}

/// What went wrong, as far as the HTTP layer tells.
fn detail(kind: ProblemKind) -> String {
    match kind {
        ProblemKind::HeadersTooLarge => {
            "the request's head is over 128 KiB or has more than 96 headers".into()
        }
        ProblemKind::RequestTimeout => format!(
            "the request's head did not arrive within {} seconds",
            HEAD_TIMEOUT.as_secs()
        ),
        _ => "the request line or a header is malformed (a Content-Length that is not a number below 2^64, say)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFUSAL: &str =
        "HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\nconnection: close\r\ndate: Mon, 07 Dec 2026 13:00:00 GMT\r\n\r\n";

    fn parts(bytes: &[u8]) -> (String, serde_json::Value) {
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        (head.to_string(), serde_json::from_str(body).unwrap())
    }

    #[test]
    fn a_bodiless_refusal_becomes_a_problem_document() {
        let out = rewritten(REFUSAL.as_bytes()).expect("a refusal");
        let (head, body) = parts(&out);
        assert!(head.starts_with("HTTP/1.1 431 "), "{head}");
        assert!(
            head.contains("content-type: application/problem+json"),
            "{head}"
        );
        assert!(head.contains("connection: close"), "{head}");
        assert!(!head.contains("content-length: 0"), "{head}");
        assert_eq!(body["status"], 431);
        assert_eq!(body["type"], ProblemKind::HeadersTooLarge.type_uri());
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(length, body.to_string().len());
    }

    #[test]
    fn a_refusal_after_an_answered_request_keeps_that_answer() {
        let answered =
            "HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: application/json\r\n\r\n{}";
        let bad = "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
        let out = rewritten(format!("{answered}{bad}").as_bytes()).expect("a refusal");
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with(answered), "{text}");
        let (_, body) = parts(&text.as_bytes()[answered.len()..]);
        assert_eq!(body["type"], ProblemKind::BadRequest.type_uri());
    }

    #[test]
    fn what_the_application_answers_is_left_alone() {
        for written in [
            // A problem document of the application's.
            "HTTP/1.1 400 Bad Request\r\ncontent-length: 2\r\ncontent-type: application/problem+json\r\n\r\n{}",
            // A bodiless answer that is no refusal.
            "HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n",
            "HTTP/1.1 304 Not Modified\r\n\r\n",
            // A head still followed by its body.
            "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\nmore",
            // A body that merely mentions a refusal.
            "HTTP/1.1 200 OK\r\ncontent-length: 40\r\n\r\nHTTP/1.1 400 Bad Request\r\ncontent-type: x\r\n\r\n",
        ] {
            assert!(rewritten(written.as_bytes()).is_none(), "{written:?}");
        }
    }
}
