//! One simulated client's HTTP connection: a keep-alive agent, requests
//! timed from the first byte sent to the last byte of the body read.

use std::time::{Duration, Instant};

use serde_json::Value;

/// How long any phase of a request (connect, send, await the response,
/// read the body) may take before it counts as a transport error.
const TIMEOUT: Duration = Duration::from_secs(60);

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    /// `ETag`, if sent.
    pub etag: Option<String>,
    pub body: String,
    /// From sending to the end of the body.
    pub took: Duration,
}

impl Reply {
    /// The body as JSON (`Null` if it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// Whether the status is 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// A client of one server, with its own connection.
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    base: String,
}

impl Client {
    /// A client of `base` (`http://127.0.0.1:port`) that keeps its
    /// connection alive, returns 4xx/5xx as replies and never waits forever.
    ///
    /// The timeouts are per phase, not global: with a global timeout ureq
    /// resolves the address on every call in a thread of its own (to abort
    /// a slow lookup), and that spawn was 9 % of the tool's time and a
    /// thread start in every booking's latency at one client. The base is
    /// an IP address; there is nothing to look up.
    pub fn new(base: &str) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(TIMEOUT))
            .timeout_send_request(Some(TIMEOUT))
            .timeout_send_body(Some(TIMEOUT))
            .timeout_recv_response(Some(TIMEOUT))
            .timeout_recv_body(Some(TIMEOUT))
            .build()
            .new_agent();
        Client {
            agent,
            base: base.to_string(),
        }
    }

    /// The server's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `GET path` with an optional bearer key.
    pub fn get(&self, key: Option<&str>, path: &str) -> Result<Reply, String> {
        self.send("GET", key, path, &[], None)
    }

    /// `POST path` with a JSON body and extra headers.
    pub fn post(
        &self,
        key: Option<&str>,
        path: &str,
        headers: &[(&str, &str)],
        body: &Value,
    ) -> Result<Reply, String> {
        self.send("POST", key, path, headers, Some(body.to_string()))
    }

    fn send(
        &self,
        method: &str,
        key: Option<&str>,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<String>,
    ) -> Result<Reply, String> {
        let mut request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(key) = key {
            request = request.header("Authorization", format!("Bearer {key}"));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if body.is_some() {
            request = request.header("Content-Type", "application/json");
        }
        let request = request
            .body(body.unwrap_or_default())
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let started = Instant::now();
        let mut response = self
            .agent
            .run(request)
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let body = response
            .body_mut()
            .read_to_string()
            .map_err(|e| format!("{method} {path}: reading the body: {e}"))?;
        let took = started.elapsed();
        Ok(Reply {
            status: response.status().as_u16(),
            etag: response
                .headers()
                .get("etag")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            body,
            took,
        })
    }

    /// Like [`Client::send`] for set-up: any non-2xx is an error.
    pub fn expect(
        &self,
        method: &str,
        key: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, String> {
        let reply = self.send(method, Some(key), path, &[], body.map(Value::to_string))?;
        if !reply.ok() {
            return Err(format!(
                "{method} {path} during set-up: {} {}",
                reply.status, reply.body
            ));
        }
        Ok(reply.json())
    }
}
