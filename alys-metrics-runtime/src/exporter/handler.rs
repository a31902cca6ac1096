//! Request routing and the three endpoints. Nothing here panics on a request: responses are
//! built from parts that cannot fail, and encoding runs on the blocking pool so that a
//! panicking collector becomes a 500 instead of a lost connection.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use crate::catalogue::system::COLLECTOR_SECONDS_SINCE_SUCCESS;
use crate::collector::{CollectorState, ProcessHealthStatus};
use crate::encode::TEXT_CONTENT_TYPE;
use crate::registry::Registry;

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

/// Routes a request, after checking its credentials. The request body is never read: the
/// endpoints take none.
pub(crate) async fn handle<B>(shared: Arc<Shared>, req: Request<B>) -> Response<Body> {
    let authenticated = shared.auth.check(req.headers()).await;
    let known = matches!(req.uri().path(), "/metrics" | "/health" | "/ready");
    if !known {
        return response(
            StatusCode::NOT_FOUND,
            PLAIN,
            "not found: this exporter serves /metrics, /health and /ready\n",
        );
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return method_not_allowed();
    }
    // HEAD gets the same head as GET; hyper leaves out the body and keeps Content-Length.
    match req.uri().path() {
        "/metrics" if !authenticated => unauthorized(),
        "/metrics" => {
            // Closed only with the server; a closed semaphore still lets the scrape run.
            let _permit = shared.encodes.acquire().await;
            metrics(&shared, accepts_gzip(req.headers())).await
        }
        "/health" if !authenticated => health_status_only(&shared),
        "/health" => health(&shared),
        _ => ready(&shared),
    }
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
    let mut out = String::with_capacity(32);
    out.push_str("{\"status\":");
    json_string(&mut out, health.as_str());
    out.push_str("}\n");
    response(health_code(health), JSON, out)
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
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let q = parts
                .filter_map(|p| {
                    let (k, v) = p.split_once('=')?;
                    k.trim().eq_ignore_ascii_case("q").then(|| v.trim())
                })
                .next()
                .map_or(1.0, |v| v.parse::<f32>().unwrap_or(0.0));
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

async fn metrics(shared: &Shared, gzip: bool) -> Response<Body> {
    COLLECTOR_SECONDS_SINCE_SUCCESS.set(shared.collector.seconds_since_success());
    let registry = shared.registry;
    let message =
        match tokio::task::spawn_blocking(move || super::render_metrics(registry, gzip)).await {
            Ok(Ok(body)) => {
                let mut resp = response(StatusCode::OK, TEXT_CONTENT_TYPE, body);
                let headers = resp.headers_mut();
                headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
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

fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_f64(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.6}")
    } else {
        "null".to_owned()
    }
}

fn health(shared: &Shared) -> Response<Body> {
    let (health, status, reasons) = assess(shared);
    let timestamp = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let ready = !shared.shutting_down.load(Ordering::Relaxed) && shared.collector.has_run();
    let mut out = String::with_capacity(512);
    out.push_str("{\"status\":");
    json_string(&mut out, health.as_str());
    let _ = write!(out, ",\"timestamp\":{timestamp},\"version\":");
    json_string(&mut out, env!("CARGO_PKG_VERSION"));
    let _ = write!(
        out,
        ",\"metrics_count\":{},\"uptime_seconds\":{},\"ready\":{ready}",
        shared.registry.metrics_count(),
        shared.started.elapsed().as_secs()
    );
    let _ = write!(
        out,
        ",\"collector\":{{\"ticks\":{},\"has_succeeded\":{},\"seconds_since_success\":{},\
         \"consecutive_failures\":{},\"total_failures\":{},\"last_duration_seconds\":{}}}",
        status.ticks,
        status.has_succeeded,
        json_f64(status.seconds_since_success),
        status.consecutive_failures,
        status.total_failures,
        json_f64(status.last_duration.as_secs_f64()),
    );
    out.push_str(",\"process_health\":");
    json_string(
        &mut out,
        status.process_health.map_or("unknown", |h| h.as_str()),
    );
    out.push_str(",\"process\":");
    match status.attribution {
        Some(a) => {
            let _ = write!(
                out,
                "{{\"pid\":{},\"memory_bytes\":{},\"memory_percentage\":{},\"cpu_percent\":{},\
                 \"relative_cpu_usage\":{},\"efficiency_score\":{}}}",
                a.pid,
                a.memory_bytes,
                json_f64(a.memory_percentage),
                json_f64(a.cpu_percent),
                json_f64(a.relative_cpu_usage),
                json_f64(a.efficiency_score()),
            );
        }
        None => out.push_str("null"),
    }
    out.push_str(",\"reasons\":[");
    for (i, r) in reasons.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_string(&mut out, r);
    }
    out.push_str("]}\n");
    response(health_code(health), JSON, out)
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
    }

    #[test]
    fn json_strings_are_escaped() {
        let mut s = String::new();
        json_string(&mut s, "a\"b\\c\n");
        assert_eq!(s, "\"a\\\"b\\\\c\\u000a\"");
        assert_eq!(json_f64(f64::NAN), "null");
        assert_eq!(json_f64(1.5), "1.500000");
    }
}
