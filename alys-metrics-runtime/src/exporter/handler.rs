//! Request routing and the three endpoints. Nothing here panics on a request: responses are
//! built from parts that cannot fail, and encoding runs on the blocking pool so that a
//! panicking collector becomes a 500 instead of a lost connection.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{json, Value};

use crate::catalogue::system::COLLECTOR_SECONDS_SINCE_SUCCESS;
use crate::collector::{CollectorState, ProcessHealthStatus};
use crate::encode::Negotiated;
use crate::registry::Registry;

use super::auth::Verdict;

/// The response body type of every endpoint.
pub(crate) type Body = Full<Bytes>;

const PLAIN: &str = "text/plain; charset=utf-8";
const JSON: &str = "application/json";

/// What every connection's handler shares.
pub(crate) struct Shared {
    pub(crate) registry: &'static Registry,
    pub(crate) collector: Arc<CollectorState>,
    pub(crate) shutting_down: AtomicBool,
    pub(crate) started: Instant,
    pub(crate) auth: super::auth::Authenticator,
    /// Bounds the `/metrics` encodes running on the blocking pool at once.
    pub(crate) encodes: tokio::sync::Semaphore,
}

/// The overall status `/health` reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Health {
    Healthy,
    Degraded,
    Unhealthy,
}

impl Health {
    /// The word `/health` writes.
    fn as_str(self) -> &'static str {
        match self {
            Health::Healthy => "healthy",
            Health::Degraded => "degraded",
            Health::Unhealthy => "unhealthy",
        }
    }
}

fn response(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<Body> {
    let mut resp = Response::new(Full::new(body.into()));
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// Tells a request's connection what the request is doing, so that the connection table can
/// tell a request that waits from one being answered.
pub(crate) trait Progress {
    /// The request waits for its password check: like an idle connection, it may be closed
    /// to make room for a new one.
    fn checking_credentials(&self);
    /// The request is being answered.
    fn answering(&self);
}

/// Routes a request from `peer`, checking its credentials where the endpoint needs them
/// (`/metrics` and the detail of `/health`). The request body is never read: the endpoints
/// take none.
pub(crate) async fn handle<B>(
    shared: Arc<Shared>,
    req: Request<B>,
    peer: IpAddr,
    progress: &(dyn Progress + Sync),
) -> Response<Body> {
    let path = req.uri().path();
    if !matches!(path, "/metrics" | "/health" | "/ready") {
        return response(
            StatusCode::NOT_FOUND,
            PLAIN,
            "not found: this exporter serves /metrics, /health and /ready\n",
        );
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return method_not_allowed();
    }
    if path == "/ready" {
        return ready(&shared);
    }
    let verdict = if shared.auth.required() {
        progress.checking_credentials();
        let verdict = shared.auth.check(req.headers(), peer).await;
        progress.answering();
        verdict
    } else {
        Verdict::Authenticated
    };
    // HEAD gets the same head as GET; hyper leaves out the body and keeps Content-Length.
    match (path, verdict) {
        ("/metrics", Verdict::Authenticated) => {
            // Closed only with the server; a closed semaphore still lets the scrape run.
            let _permit = shared.encodes.acquire().await;
            metrics(&shared, req.headers()).await
        }
        ("/metrics", Verdict::Refused) => unauthorized(),
        ("/metrics", Verdict::Throttled(after)) => too_many_failures(after),
        (_, Verdict::Authenticated) => health(&shared),
        _ => health_status_only(&shared),
    }
}

/// 429 for an address that has failed too many password checks, with `Retry-After`.
fn too_many_failures(after: Duration) -> Response<Body> {
    // Whole seconds, rounded up: a client that waits this long finds a check left.
    let seconds = after.as_secs_f64().ceil().max(1.0) as u64;
    let mut resp = response(
        StatusCode::TOO_MANY_REQUESTS,
        PLAIN,
        format!("too many failed password checks from your address; retry in {seconds} s\n"),
    );
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    resp
}

/// 405, without repeating the method (the client's input) in the body.
fn method_not_allowed() -> Response<Body> {
    let mut resp = response(
        StatusCode::METHOD_NOT_ALLOWED,
        PLAIN,
        "method not allowed; use GET or HEAD\n",
    );
    resp.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    resp
}

/// 401 with the schemes a client may use.
fn unauthorized() -> Response<Body> {
    let mut resp = response(
        StatusCode::UNAUTHORIZED,
        PLAIN,
        "unauthorized: this endpoint needs credentials\n",
    );
    let headers = resp.headers_mut();
    headers.insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"alys-metrics\", charset=\"UTF-8\""),
    );
    headers.append(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"alys-metrics\""),
    );
    resp
}

/// `/health` for a client that has not authenticated: the status and its code, nothing more.
fn health_status_only(shared: &Shared) -> Response<Body> {
    let (health, _, _) = assess(shared);
    json_response(health_code(health), &StatusOnly { status: health }.json())
}

/// The body `/health` sends a client that has not authenticated.
struct StatusOnly {
    status: Health,
}

/// The body of `/health`.
struct HealthBody<'a> {
    status: Health,
    /// Seconds since the Unix epoch.
    timestamp: u64,
    /// The node's build version, as given to [`set_build_info`](crate::set_build_info) (the
    /// `version` label of `alys_build_info`).
    version: &'a str,
    /// The node's build commit (the `commit` label of `alys_build_info`).
    commit: &'a str,
    /// This library's version.
    library_version: &'static str,
    metrics_count: usize,
    uptime_seconds: u64,
    ready: bool,
    collector: CollectorBody,
    process_health: &'static str,
    process: Option<ProcessBody>,
    reasons: &'a [String],
}

struct CollectorBody {
    ticks: u64,
    has_succeeded: bool,
    /// `null` when not finite (never succeeded).
    seconds_since_success: f64,
    consecutive_failures: u64,
    total_failures: u64,
    last_duration_seconds: f64,
}

struct ProcessBody {
    pid: u32,
    memory_bytes: u64,
    memory_percentage: f64,
    cpu_percent: f64,
    relative_cpu_usage: f64,
    efficiency_score: f64,
}

impl StatusOnly {
    fn json(&self) -> Value {
        json!({ "status": self.status.as_str() })
    }
}

impl HealthBody<'_> {
    fn json(&self) -> Value {
        json!({
            "status": self.status.as_str(),
            "timestamp": self.timestamp,
            "version": self.version,
            "commit": self.commit,
            "library_version": self.library_version,
            "metrics_count": self.metrics_count,
            "uptime_seconds": self.uptime_seconds,
            "ready": self.ready,
            "collector": self.collector.json(),
            "process_health": self.process_health,
            "process": self.process.as_ref().map(ProcessBody::json),
            "reasons": self.reasons,
        })
    }
}

impl CollectorBody {
    fn json(&self) -> Value {
        json!({
            "ticks": self.ticks,
            "has_succeeded": self.has_succeeded,
            "seconds_since_success": self.seconds_since_success,
            "consecutive_failures": self.consecutive_failures,
            "total_failures": self.total_failures,
            "last_duration_seconds": self.last_duration_seconds,
        })
    }
}

impl ProcessBody {
    fn json(&self) -> Value {
        json!({
            "pid": self.pid,
            "memory_bytes": self.memory_bytes,
            "memory_percentage": self.memory_percentage,
            "cpu_percent": self.cpu_percent,
            "relative_cpu_usage": self.relative_cpu_usage,
            "efficiency_score": self.efficiency_score,
        })
    }
}

/// A JSON response; serde_json writes a non-finite float as `null`. The bodies are built with
/// `serde_json::json!` rather than serde's derive, which would compile a second `syn` major
/// version into every user's tree.
fn json_response(status: StatusCode, body: &Value) -> Response<Body> {
    match serde_json::to_vec(body) {
        Ok(mut out) => {
            out.push(b'\n');
            response(status, JSON, out)
        }
        // The bodies above hold only strings, numbers and booleans: this does not happen.
        Err(e) => response(
            StatusCode::INTERNAL_SERVER_ERROR,
            PLAIN,
            format!("encoding the health report failed: {e}\n"),
        ),
    }
}

fn health_code(health: Health) -> StatusCode {
    if health == Health::Unhealthy {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    }
}

/// Whether `Accept-Encoding` accepts gzip: `gzip`, `x-gzip` or `*` with a non-zero q-value,
/// unless gzip is explicitly refused with `q=0`.
pub(crate) fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut star = false;
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let Some((coding, q)) = coding(item) else {
                continue;
            };
            if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
                return q > 0.0;
            }
            if coding == "*" {
                star = q > 0.0;
            }
        }
    }
    star
}

/// One member of `Accept-Encoding`: the coding and its weight (1 when absent). `None` when it
/// is malformed by RFC 9110 (a parameter without `=`, a `q` given twice or that is not a
/// weight from 0 to 1): such a member is ignored.
fn coding(item: &str) -> Option<(&str, f32)> {
    let mut parts = item.split(';');
    let coding = parts.next().unwrap_or("").trim();
    let mut q = None;
    for p in crate::encode::parameters(parts) {
        let (name, value) = p?;
        if name.eq_ignore_ascii_case("q") && q.replace(value).is_some() {
            return None;
        }
    }
    let q = match q {
        Some(v) => crate::encode::qvalue(v)?,
        None => 1.0,
    };
    Some((coding, q))
}

/// What the request's `Accept` headers ask for ([`Negotiated::from_accept`]): the format,
/// the text version and the escaping scheme.
pub(crate) fn negotiate_format(headers: &HeaderMap) -> Negotiated {
    Negotiated::from_accept(
        headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok()),
    )
}

async fn metrics(shared: &Shared, request: &HeaderMap) -> Response<Body> {
    let gzip = accepts_gzip(request);
    let negotiated = negotiate_format(request);
    let format = negotiated.format;
    COLLECTOR_SECONDS_SINCE_SUCCESS.set(shared.collector.seconds_since_success());
    let registry = shared.registry;
    let message =
        match tokio::task::spawn_blocking(move || crate::encode::render(registry, format, gzip))
            .await
        {
            Ok(Ok(body)) => {
                let mut resp = response(StatusCode::OK, format.content_type(), body);
                let headers = resp.headers_mut();
                // Text 1.0.0 and the escaping scheme, when asked for (ASCII, so always a
                // valid header value).
                if let Ok(v) = HeaderValue::from_str(&negotiated.content_type()) {
                    headers.insert(header::CONTENT_TYPE, v);
                }
                headers.insert(
                    header::VARY,
                    HeaderValue::from_static("Accept, Accept-Encoding"),
                );
                if gzip {
                    headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                }
                return resp;
            }
            Ok(Err(e)) => format!("compressing the metrics failed: {e}"),
            Err(e) if e.is_panic() => {
                let panic = e.into_panic();
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a non-string payload".to_owned());
                format!("encoding the metrics failed: a collector panicked: {what}")
            }
            Err(e) => format!("encoding the metrics failed: {e}"),
        };
    tracing::error!(error = %message, "a scrape of /metrics failed; the exporter goes on");
    response(
        StatusCode::INTERNAL_SERVER_ERROR,
        PLAIN,
        format!("{message}\nThe exporter goes on; the next scrape tries again.\n"),
    )
}

/// The overall status and why it is not healthy.
pub(crate) fn assess(shared: &Shared) -> (Health, crate::collector::CollectorStatus, Vec<String>) {
    let status = shared.collector.status();
    let mut reasons = Vec::new();
    let mut health = Health::Healthy;
    if status.stale {
        health = Health::Degraded;
        reasons.push(format!(
            "resource collection has not succeeded for {:.0} s (limit 300 s)",
            status.seconds_since_success
        ));
    }
    if status.process_health_stale && status.ticks > 0 {
        health = health.max(Health::Degraded);
        reasons.push(
            "the process's health has not been read for over 300 s: the process or \
             system_memory sub-collection keeps failing (see the collector's warnings)"
                .to_owned(),
        );
    }
    if let (Some(h), Some(a)) = (status.process_health, status.attribution.as_ref()) {
        let from_process = match h {
            ProcessHealthStatus::Healthy => Health::Healthy,
            ProcessHealthStatus::Warning => Health::Degraded,
            ProcessHealthStatus::Critical => Health::Unhealthy,
        };
        if from_process != Health::Healthy {
            health = health.max(from_process);
            reasons.push(format!(
                "process health is {h}: memory {:.1} % of the host, CPU {:.1} % of its CPUs",
                a.memory_percentage, a.relative_cpu_usage
            ));
        }
    }
    (health, status, reasons)
}

fn health(shared: &Shared) -> Response<Body> {
    let (health, status, reasons) = assess(shared);
    let timestamp = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let ready = !shared.shutting_down.load(Ordering::Relaxed) && shared.collector.has_run();
    let (version, commit) = crate::registry::build_info();
    let body = HealthBody {
        status: health,
        timestamp,
        version,
        commit,
        library_version: env!("CARGO_PKG_VERSION"),
        metrics_count: shared.registry.metrics_count(),
        uptime_seconds: shared.started.elapsed().as_secs(),
        ready,
        collector: CollectorBody {
            ticks: status.ticks,
            has_succeeded: status.has_succeeded,
            seconds_since_success: status.seconds_since_success,
            consecutive_failures: status.consecutive_failures,
            total_failures: status.total_failures,
            last_duration_seconds: status.last_duration.as_secs_f64(),
        },
        process_health: status.process_health.map_or("unknown", |h| h.as_str()),
        process: status.attribution.as_ref().map(|a| ProcessBody {
            pid: a.pid,
            memory_bytes: a.memory_bytes,
            memory_percentage: a.memory_percentage,
            cpu_percent: a.cpu_percent,
            relative_cpu_usage: a.relative_cpu_usage,
            efficiency_score: a.efficiency_score(),
        }),
        reasons: &reasons,
    };
    json_response(health_code(health), &body.json())
}

fn ready(shared: &Shared) -> Response<Body> {
    if shared.shutting_down.load(Ordering::Relaxed) {
        response(
            StatusCode::SERVICE_UNAVAILABLE,
            PLAIN,
            "not ready: shutting down\n",
        )
    } else if !shared.collector.has_run() {
        response(
            StatusCode::SERVICE_UNAVAILABLE,
            PLAIN,
            "not ready: the first resource collection has not run yet\n",
        )
    } else {
        response(StatusCode::OK, PLAIN, "ready\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepts(values: &[&str]) -> bool {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        }
        accepts_gzip(&h)
    }

    #[test]
    fn gzip_negotiation_follows_q_values() {
        assert!(accepts(&["gzip"]));
        assert!(accepts(&["deflate, GZIP;q=0.5"]));
        assert!(accepts(&["identity", "gzip"]));
        assert!(accepts(&["*"]));
        assert!(accepts(&["x-gzip"]));
        assert!(!accepts(&[]));
        assert!(!accepts(&["identity"]));
        assert!(!accepts(&["gzip;q=0"]));
        assert!(!accepts(&["gzip; q=0.000"]));
        assert!(!accepts(&["*;q=0"]));
        assert!(!accepts(&["*, gzip;q=0"]));
        assert!(!accepts(&["gzip;q=bogus"]));
        // A member that is not well formed is ignored, whatever it says.
        assert!(!accepts(&["gzip;q=2"]));
        assert!(!accepts(&["gzip;q=1;q=1"]));
        assert!(!accepts(&["gzip;q"]));
        assert!(
            accepts(&["gzip;q=7, *;q=0.5"]),
            "the valid `*` still counts"
        );
        assert!(!accepts(&["*;q=1.5"]));
        assert!(accepts(&["gzip;q=1.000"]));
    }

    #[test]
    fn health_json_escapes_strings_and_writes_non_finite_floats_as_null() {
        let body = CollectorBody {
            ticks: 0,
            has_succeeded: false,
            seconds_since_success: f64::INFINITY,
            consecutive_failures: 0,
            total_failures: 0,
            last_duration_seconds: 1.5,
        };
        let json = body.json().to_string();
        assert!(json.contains("\"seconds_since_success\":null"), "{json}");
        assert!(json.contains("\"last_duration_seconds\":1.5"), "{json}");
        let reasons = ["a\"b\\c\n".to_owned()];
        let json = serde_json::to_string(&reasons).unwrap();
        assert_eq!(json, "[\"a\\\"b\\\\c\\n\"]");
        let json = StatusOnly {
            status: Health::Degraded,
        }
        .json()
        .to_string();
        assert_eq!(json, "{\"status\":\"degraded\"}");
    }
}
