//! Requests and replies, with the problem-document checks every error needs.

use serde_json::Value;
use ureq::http;

/// A request being built.
pub struct Call {
    agent: ureq::Agent,
    request: http::request::Builder,
    body: Vec<u8>,
    description: String,
}

impl Call {
    pub fn new(agent: ureq::Agent, method: &str, url: String) -> Call {
        Call {
            agent,
            request: http::Request::builder().method(method).uri(&url),
            body: Vec::new(),
            description: format!("{method} {url}"),
        }
    }

    /// `Authorization: Bearer <key>`.
    pub fn key(self, key: &str) -> Call {
        self.header("Authorization", &format!("Bearer {key}"))
    }

    pub fn header(mut self, name: &str, value: &str) -> Call {
        self.request = self.request.header(name, value);
        self
    }

    pub fn if_match(self, etag: &str) -> Call {
        self.header("If-Match", etag)
    }

    pub fn idempotency_key(self, key: &str) -> Call {
        self.header("Idempotency-Key", key)
    }

    /// A JSON body.
    pub fn json(self, body: &Value) -> Call {
        self.raw("application/json", &body.to_string())
    }

    /// A body sent exactly as given.
    pub fn raw(mut self, content_type: &str, body: &str) -> Call {
        self.request = self.request.header("Content-Type", content_type);
        self.body = body.as_bytes().to_vec();
        self
    }

    /// A body of bytes that need not be UTF-8.
    pub fn raw_bytes(mut self, content_type: &str, body: &[u8]) -> Call {
        self.request = self.request.header("Content-Type", content_type);
        self.body = body.to_vec();
        self
    }

    pub fn send(self) -> Reply {
        self.try_send().unwrap_or_else(|e| panic!("{e}"))
    }

    /// Sends the request; a transport failure (refused, reset, timed out,
    /// a body cut short) is an `Err` naming the request, not a panic.
    pub fn try_send(self) -> Result<Reply, String> {
        let request = self
            .request
            .body(self.body)
            .unwrap_or_else(|e| panic!("{}: cannot build the request: {e}", self.description));
        let mut response = self
            .agent
            .run(request)
            .map_err(|e| format!("{}: {e}", self.description))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| format!("{}: reading the body: {e}", self.description))?;
        Ok(Reply {
            status,
            headers,
            text,
            request: self.description,
        })
    }
}

/// A response, read whole.
pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub text: String,
    /// `METHOD url`, for failure messages.
    pub request: String,
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} -> {} {}", self.request, self.status, self.text)
    }
}

impl Reply {
    /// A header's value, if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or("")
    }

    /// The ETag, which must be there.
    pub fn etag(&self) -> String {
        self.header("etag")
            .unwrap_or_else(|| panic!("{self:?}: no ETag"))
            .to_string()
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{self:?}: not JSON: {e}"))
    }

    /// Asserts the status and returns the JSON body.
    #[track_caller]
    pub fn expect(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "{self:?}");
        if self.text.is_empty() {
            Value::Null
        } else {
            self.json()
        }
    }

    /// Asserts an RFC 9457 problem document with this status and returns it.
    #[track_caller]
    pub fn problem(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "{self:?}");
        assert!(
            self.content_type().starts_with("application/problem+json"),
            "{self:?}: content-type {:?}",
            self.content_type()
        );
        let problem = self.json();
        for field in ["type", "title", "detail"] {
            assert!(
                problem[field].as_str().is_some_and(|s| !s.is_empty()),
                "{self:?}: `{field}` missing"
            );
        }
        assert_eq!(problem["status"], status, "{self:?}: `status` member");
        problem
    }
}

/// The `field`s of a problem's `errors` list.
pub fn error_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["field"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The `rule`s of a problem's `violations` list.
pub fn violation_rules(problem: &Value) -> Vec<String> {
    problem["violations"]
        .as_array()
        .map(|violations| {
            violations
                .iter()
                .filter_map(|v| v["rule"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}
