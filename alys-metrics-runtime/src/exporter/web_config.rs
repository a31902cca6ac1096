//! The exporter-toolkit `web-config.yml` (the file every Prometheus exporter shares): TLS
//! with an optional client CA, and `basic_auth_users` with bcrypt hashes.
//!
//! ```yaml
//! tls_server_config:
//!   cert_file: node.crt          # relative paths are read from the file's directory
//!   key_file: node.key
//!   client_auth_type: RequireAndVerifyClientCert   # optional, with client_ca_file
//!   client_ca_file: clients-ca.crt
//!   min_version: TLS12           # TLS12 (default) or TLS13
//! basic_auth_users:
//!   prometheus: $2y$10$...       # htpasswd -nBC 10 prometheus
//! ```
//!
//! Everything is checked when the file is loaded: an unknown or unsupported field, a
//! certificate or key that does not load, a hash that is not bcrypt each stop the start with a
//! message that names the file and the field. Settings this exporter cannot honour
//! (`cipher_suites`, `curve_preferences`, `client_allowed_sans`, `http_server_config`, TLS 1.0
//! and 1.1, unverified client certificates) are refused rather than ignored.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde_norway::Value;
use subtle::ConstantTimeEq as _;
use tokio::sync::Semaphore;

use super::ServeError;

/// A loaded and checked `web-config.yml`: TLS settings and basic-auth users.
///
/// ```no_run
/// # extern crate alys_metrics_runtime as alys_metrics;
/// # async fn run() -> Result<(), alys_metrics::ServeError> {
/// use alys_metrics::{Access, MetricsConfig, WebConfig};
///
/// let web = WebConfig::from_file("/etc/alys/web-config.yml")?; // refuses a bad file
/// let node = alys_metrics::serve(MetricsConfig {
///     bind: "0.0.0.0:9001".parse().unwrap(),
///     access: Access { web_config: Some(web), ..Access::default() },
///     ..MetricsConfig::default()
/// })
/// .await?;
/// # Ok(())
/// # }
/// ```
///
/// Certificates are read once, when the file is loaded: restart the node to rotate them.
#[derive(Clone)]
pub struct WebConfig {
    path: PathBuf,
    tls: Option<Arc<ServerConfig>>,
    client_auth: ClientAuth,
    basic: Option<Arc<BasicAuth>>,
}

impl fmt::Debug for WebConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebConfig")
            .field("path", &self.path)
            .field("tls", &self.tls.is_some())
            .field("client_auth", &self.client_auth)
            .field(
                "basic_auth_users",
                &self.basic.as_ref().map(|b| b.users.len()).unwrap_or(0),
            )
            .finish()
    }
}

/// The `client_auth_type` values this exporter honours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ClientAuth {
    None,
    VerifyIfGiven,
    RequireAndVerify,
}

struct WebConfigFile {
    tls_server_config: Option<TlsServerConfig>,
    http_server_config: Option<Value>,
    basic_auth_users: Option<BTreeMap<String, String>>,
}

struct TlsServerConfig {
    cert_file: Option<String>,
    key_file: Option<String>,
    cert: Option<Value>,
    key: Option<Value>,
    client_auth_type: Option<String>,
    client_ca_file: Option<String>,
    client_ca: Option<Value>,
    client_allowed_sans: Option<Value>,
    min_version: Option<String>,
    max_version: Option<String>,
    cipher_suites: Option<Value>,
    curve_preferences: Option<Value>,
    prefer_server_cipher_suites: Option<Value>,
}

// The file is read as a YAML value and then field by field, refusing unknown fields as
// `#[serde(deny_unknown_fields)]` would: serde's derive would build a second `syn` major version
// into every node for these two structs.

/// The fields of the mapping at `at` (empty for the file itself); a field not in `known` is an
/// error naming it and the known ones. A `null` field counts as absent.
fn fields(at: &str, value: Value, known: &[&str]) -> Result<BTreeMap<String, Value>, String> {
    let within = if at.is_empty() {
        String::new()
    } else {
        format!("`{at}`: ")
    };
    let Value::Mapping(map) = value else {
        return Err(format!(
            "{within}invalid type: {}, expected a mapping",
            kind(&value)
        ));
    };
    let mut out = BTreeMap::new();
    for (key, v) in map {
        let Value::String(key) = key else {
            return Err(format!(
                "{within}invalid type: {}, expected a field name",
                kind(&key)
            ));
        };
        if !known.contains(&key.as_str()) {
            let expected: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
            return Err(format!(
                "{within}unknown field `{key}`, expected one of {}",
                expected.join(", ")
            ));
        }
        if !v.is_null() {
            out.insert(key, v);
        }
    }
    Ok(out)
}

/// The field `name` of the mapping at `at`, which must be a string when present.
fn string(
    at: &str,
    fields: &mut BTreeMap<String, Value>,
    name: &str,
) -> Result<Option<String>, String> {
    match fields.remove(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(format!(
            "`{at}.{name}`: invalid type: {}, expected a string",
            kind(&other)
        )),
    }
}

/// `basic_auth_users`: user names to bcrypt hashes, both strings.
fn users(value: Value) -> Result<BTreeMap<String, String>, String> {
    const AT: &str = "basic_auth_users";
    let Value::Mapping(map) = value else {
        return Err(format!(
            "`{AT}`: invalid type: {}, expected a mapping of user names to bcrypt hashes",
            kind(&value)
        ));
    };
    let mut out = BTreeMap::new();
    for (user, hash) in map {
        match (user, hash) {
            (Value::String(user), Value::String(hash)) => {
                out.insert(user, hash);
            }
            (user, hash) => {
                return Err(format!(
                    "`{AT}`: invalid type: {} user with {} hash, expected a string user name \
                     with a string bcrypt hash",
                    kind(&user),
                    kind(&hash)
                ))
            }
        }
    }
    Ok(out)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a sequence",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

impl TlsServerConfig {
    fn read(value: Value) -> Result<Self, String> {
        const AT: &str = "tls_server_config";
        let mut f = fields(
            AT,
            value,
            &[
                "cert_file",
                "key_file",
                "cert",
                "key",
                "client_auth_type",
                "client_ca_file",
                "client_ca",
                "client_allowed_sans",
                "min_version",
                "max_version",
                "cipher_suites",
                "curve_preferences",
                "prefer_server_cipher_suites",
            ],
        )?;
        Ok(Self {
            cert_file: string(AT, &mut f, "cert_file")?,
            key_file: string(AT, &mut f, "key_file")?,
            client_auth_type: string(AT, &mut f, "client_auth_type")?,
            client_ca_file: string(AT, &mut f, "client_ca_file")?,
            min_version: string(AT, &mut f, "min_version")?,
            max_version: string(AT, &mut f, "max_version")?,
            cert: f.remove("cert"),
            key: f.remove("key"),
            client_ca: f.remove("client_ca"),
            client_allowed_sans: f.remove("client_allowed_sans"),
            cipher_suites: f.remove("cipher_suites"),
            curve_preferences: f.remove("curve_preferences"),
            prefer_server_cipher_suites: f.remove("prefer_server_cipher_suites"),
        })
    }
}

impl WebConfigFile {
    fn read(value: Value) -> Result<Self, String> {
        let mut top = fields(
            "",
            value,
            &[
                "tls_server_config",
                "http_server_config",
                "basic_auth_users",
            ],
        )?;
        let tls_server_config = match top.remove("tls_server_config") {
            Some(v) => Some(TlsServerConfig::read(v)?),
            None => None,
        };
        let basic_auth_users = match top.remove("basic_auth_users") {
            Some(v) => Some(users(v)?),
            None => None,
        };
        Ok(Self {
            tls_server_config,
            http_server_config: top.remove("http_server_config"),
            basic_auth_users,
        })
    }
}

impl WebConfig {
    /// Reads and checks a `web-config.yml`. Relative file names inside it are read from the
    /// file's directory, as exporter-toolkit does.
    ///
    /// # Errors
    ///
    /// [`ServeError::WebConfig`], naming the file and the field, when the file cannot be
    /// read, is not valid YAML, has an unknown or unsupported field, or names a certificate,
    /// key or bcrypt hash that cannot be used.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, ServeError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ServeError::WebConfig(format!("cannot read {}: {e}", path.display())))?;
        let dir = path.parent().unwrap_or_else(|| Path::new("."));
        Self::parse(&text, path, dir)
    }

    /// Checks a `web-config.yml` given as text; relative file names are read from `dir`.
    ///
    /// # Errors
    ///
    /// As [`from_file`](Self::from_file).
    pub fn from_yaml(text: &str, dir: impl AsRef<Path>) -> Result<Self, ServeError> {
        Self::parse(text, Path::new("<web config>"), dir.as_ref())
    }

    /// Whether connections are served over TLS.
    pub fn tls_enabled(&self) -> bool {
        self.tls.is_some()
    }

    /// Whether clients must present a certificate signed by the client CA.
    pub fn requires_client_certificates(&self) -> bool {
        self.client_auth == ClientAuth::RequireAndVerify
    }

    pub(crate) fn basic_auth(&self) -> Option<Arc<BasicAuth>> {
        self.basic.clone()
    }

    pub(crate) fn tls_config(&self) -> Option<Arc<ServerConfig>> {
        self.tls.clone()
    }

    fn parse(text: &str, path: &Path, dir: &Path) -> Result<Self, ServeError> {
        let file = path.display();
        let fail =
            |field: &str, what: String| ServeError::WebConfig(format!("{file}: `{field}`: {what}"));
        if text.trim().is_empty() {
            return Err(ServeError::WebConfig(format!(
                "{file} is empty; give `tls_server_config` and/or `basic_auth_users`"
            )));
        }
        let raw = serde_norway::from_str::<Value>(text)
            .map_err(|e| e.to_string())
            .and_then(WebConfigFile::read)
            .map_err(|e| ServeError::WebConfig(format!("{file}: {e}")))?;
        if raw.http_server_config.is_some() {
            return Err(fail(
                "http_server_config",
                "is not supported by this exporter (it serves HTTP/1.1 only and sets its own \
                 headers); remove it"
                    .into(),
            ));
        }
        let (tls, client_auth) = match raw.tls_server_config {
            Some(t) => {
                let (config, auth) = tls_config(t, dir, &fail)?;
                (Some(Arc::new(config)), auth)
            }
            None => (None, ClientAuth::None),
        };
        let basic = match raw.basic_auth_users {
            Some(users) if users.is_empty() => {
                return Err(fail(
                    "basic_auth_users",
                    "is empty; list `user: bcrypt-hash` pairs or remove it".into(),
                ))
            }
            Some(users) => Some(Arc::new(BasicAuth::new(users, &fail)?)),
            None => None,
        };
        if tls.is_none() && basic.is_none() {
            return Err(ServeError::WebConfig(format!(
                "{file} sets neither `tls_server_config` nor `basic_auth_users`"
            )));
        }
        Ok(Self {
            path: path.to_owned(),
            tls,
            client_auth,
            basic,
        })
    }
}

fn tls_config(
    t: TlsServerConfig,
    dir: &Path,
    fail: &dyn Fn(&str, String) -> ServeError,
) -> Result<(ServerConfig, ClientAuth), ServeError> {
    const P: &str = "tls_server_config";
    for (name, set) in [
        ("cipher_suites", t.cipher_suites.is_some()),
        ("curve_preferences", t.curve_preferences.is_some()),
        ("client_allowed_sans", t.client_allowed_sans.is_some()),
        (
            "prefer_server_cipher_suites",
            t.prefer_server_cipher_suites.is_some(),
        ),
        ("cert", t.cert.is_some()),
        ("key", t.key.is_some()),
        ("client_ca", t.client_ca.is_some()),
    ] {
        if set {
            let hint = match name {
                "cert" | "key" | "client_ca" => "give the PEM in a file with the `_file` field",
                _ => "rustls chooses safe suites and groups itself; remove it",
            };
            return Err(fail(
                &format!("{P}.{name}"),
                format!("is not supported by this exporter; {hint}"),
            ));
        }
    }
    let file = |name: &str, value: Option<String>| -> Result<PathBuf, ServeError> {
        match value {
            Some(v) if !v.trim().is_empty() => Ok(dir.join(v)),
            _ => Err(fail(&format!("{P}.{name}"), "is missing".into())),
        }
    };
    let cert_path = file("cert_file", t.cert_file)?;
    let key_path = file("key_file", t.key_file)?;
    let certs = CertificateDer::pem_file_iter(&cert_path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| {
            fail(
                &format!("{P}.cert_file"),
                format!("cannot load {}: {e}", cert_path.display()),
            )
        })?;
    if certs.is_empty() {
        return Err(fail(
            &format!("{P}.cert_file"),
            format!("{} holds no PEM certificate", cert_path.display()),
        ));
    }
    let key = PrivateKeyDer::from_pem_file(&key_path).map_err(|e| {
        fail(
            &format!("{P}.key_file"),
            format!(
                "cannot load a PEM private key from {}: {e}",
                key_path.display()
            ),
        )
    })?;

    let version = |name: &str, v: Option<String>| -> Result<Option<u8>, ServeError> {
        match v.as_deref() {
            None | Some("") => Ok(None),
            Some("TLS12") => Ok(Some(12)),
            Some("TLS13") => Ok(Some(13)),
            Some(other) => Err(fail(
                &format!("{P}.{name}"),
                format!("`{other}` is not supported; use TLS12 or TLS13"),
            )),
        }
    };
    let min = version("min_version", t.min_version)?.unwrap_or(12);
    let max = version("max_version", t.max_version)?.unwrap_or(13);
    if min > max {
        return Err(fail(
            &format!("{P}.max_version"),
            "is below `min_version`".into(),
        ));
    }
    let versions: Vec<&'static rustls::SupportedProtocolVersion> =
        [(12, &rustls::version::TLS12), (13, &rustls::version::TLS13)]
            .into_iter()
            .filter(|(v, _)| (min..=max).contains(v))
            .map(|(_, p)| p)
            .collect();

    let auth = match t.client_auth_type.as_deref() {
        None | Some("") if t.client_ca_file.is_some() => ClientAuth::RequireAndVerify,
        None | Some("" | "NoClientCert") => ClientAuth::None,
        Some("VerifyClientCertIfGiven") => ClientAuth::VerifyIfGiven,
        Some("RequireAndVerifyClientCert") => ClientAuth::RequireAndVerify,
        Some(other @ ("RequestClientCert" | "RequireAnyClientCert")) => {
            return Err(fail(
                &format!("{P}.client_auth_type"),
                format!(
                    "`{other}` accepts certificates nobody verified and is not supported; use \
                     VerifyClientCertIfGiven or RequireAndVerifyClientCert with client_ca_file"
                ),
            ))
        }
        Some(other) => {
            return Err(fail(
                &format!("{P}.client_auth_type"),
                format!(
                    "`{other}` is not a client auth type; use NoClientCert, \
                     VerifyClientCertIfGiven or RequireAndVerifyClientCert"
                ),
            ))
        }
    };
    // AES-128-GCM first, and the server's order wins: as safe as AES-256 for this use and
    // cheaper on every scrape (Go's clients, Prometheus's, prefer it too).
    let mut provider = rustls::crypto::ring::default_provider();
    provider.cipher_suites.sort_by_key(|s| {
        use rustls::CipherSuite::*;
        !matches!(
            s.suite(),
            TLS13_AES_128_GCM_SHA256
                | TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
                | TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
        )
    });
    let provider = Arc::new(provider);
    let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(&versions)
        .map_err(|e| fail(&format!("{P}.min_version"), e.to_string()))?;
    let builder = if auth == ClientAuth::None {
        if t.client_ca_file.is_some() {
            return Err(fail(
                &format!("{P}.client_ca_file"),
                "is set but `client_auth_type` is NoClientCert; remove one".into(),
            ));
        }
        builder.with_no_client_auth()
    } else {
        let ca_path = file("client_ca_file", t.client_ca_file)?;
        let cas = CertificateDer::pem_file_iter(&ca_path)
            .and_then(|it| it.collect::<Result<Vec<_>, _>>())
            .map_err(|e| {
                fail(
                    &format!("{P}.client_ca_file"),
                    format!("cannot load {}: {e}", ca_path.display()),
                )
            })?;
        let mut roots = RootCertStore::empty();
        for ca in cas {
            roots.add(ca).map_err(|e| {
                fail(
                    &format!("{P}.client_ca_file"),
                    format!(
                        "{} holds an unusable CA certificate: {e}",
                        ca_path.display()
                    ),
                )
            })?;
        }
        if roots.is_empty() {
            return Err(fail(
                &format!("{P}.client_ca_file"),
                format!("{} holds no PEM certificate", ca_path.display()),
            ));
        }
        let mut verifier =
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider));
        if auth == ClientAuth::VerifyIfGiven {
            verifier = verifier.allow_unauthenticated();
        }
        let verifier = verifier
            .build()
            .map_err(|e| fail(&format!("{P}.client_ca_file"), e.to_string()))?;
        builder.with_client_cert_verifier(verifier)
    };
    let mut config = builder.with_single_cert(certs, key).map_err(|e| {
        fail(
            &format!("{P}.key_file"),
            format!("the key does not fit the certificate or is unusable: {e}"),
        )
    })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config.ignore_client_order = true;
    Ok((config, auth))
}

/// Successful basic-auth checks remembered (as SHA-256 digests), so that a scraper's
/// repeated requests cost one bcrypt verification, not one each.
const CACHE_ENTRIES: usize = 64;

/// The `basic_auth_users` of a web config, checked against `Authorization: Basic`.
pub(crate) struct BasicAuth {
    users: Vec<(String, String)>,
    /// A hash of the users' cost that no password matches, verified for unknown users so
    /// that the answer takes as long as for a known one.
    dummy: String,
    cache: Mutex<Vec<[u8; 32]>>,
    /// One bcrypt verification at a time: a flood of wrong passwords costs at most one core.
    gate: Semaphore,
}

impl BasicAuth {
    fn new(
        users: BTreeMap<String, String>,
        fail: &dyn Fn(&str, String) -> ServeError,
    ) -> Result<Self, ServeError> {
        let mut cost = 10;
        for (user, hash) in &users {
            let field = format!("basic_auth_users.{user}");
            if user.is_empty() || user.contains(':') {
                return Err(fail(
                    &field,
                    "a user name must be non-empty and hold no `:`".into(),
                ));
            }
            let parts: bcrypt::HashParts = hash.parse().map_err(|e| {
                fail(
                    &field,
                    format!("is not a bcrypt hash ({e}); make one with `htpasswd -nBC 10 {user}`"),
                )
            })?;
            cost = parts.get_cost();
        }
        let dummy = bcrypt::hash_with_salt(b"not a password", cost, [7; 16])
            .map_err(|e| fail("basic_auth_users", e.to_string()))?
            .to_string();
        Ok(Self {
            users: users.into_iter().collect(),
            dummy,
            cache: Mutex::new(Vec::new()),
            gate: Semaphore::new(1),
        })
    }

    /// Checks the base64 `user:password` of a `Basic` header.
    pub(crate) async fn verify_header(self: &Arc<Self>, credentials: &[u8]) -> bool {
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(credentials) else {
            return false;
        };
        let Some(colon) = decoded.iter().position(|b| *b == b':') else {
            return false;
        };
        let (user, password) = (&decoded[..colon], &decoded[colon + 1..]);
        // Every user name is compared, in constant time, so the time taken does not say
        // which names exist.
        let mut found: Option<&str> = None;
        for (name, hash) in &self.users {
            if bool::from(name.as_bytes().ct_eq(user)) {
                found = Some(hash);
            }
        }
        let hash = found.unwrap_or(&self.dummy);
        let key = digest(user, password, hash);
        if self.cached(&key) {
            return found.is_some();
        }
        let Ok(_permit) = self.gate.acquire().await else {
            return false;
        };
        let (password, hash_owned) = (password.to_vec(), hash.to_owned());
        let ok = tokio::task::spawn_blocking(move || {
            bcrypt::verify(&password, &hash_owned).unwrap_or(false)
        })
        .await
        .unwrap_or(false);
        let ok = ok && found.is_some();
        if ok {
            let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            if cache.len() >= CACHE_ENTRIES {
                cache.remove(0);
            }
            cache.push(key);
        }
        ok
    }

    fn cached(&self, key: &[u8; 32]) -> bool {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .iter()
            .fold(false, |hit, k| hit | bool::from(k.ct_eq(key)))
    }
}

fn digest(user: &[u8], password: &[u8], hash: &str) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for part in [user, password, hash.as_bytes()] {
        ctx.update(&(part.len() as u64).to_le_bytes());
        ctx.update(part);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(yaml: &str) -> String {
        match WebConfig::from_yaml(yaml, ".") {
            Ok(c) => panic!("{yaml:?} was accepted: {c:?}"),
            Err(e) => e.to_string(),
        }
    }

    fn users(extra: &str) -> String {
        let hash = bcrypt::hash_with_salt(b"pw", 4, [1; 16])
            .unwrap()
            .to_string();
        format!("basic_auth_users:\n  prometheus: \"{hash}\"\n{extra}")
    }

    #[test]
    fn fields_of_the_wrong_type_are_refused_naming_them() {
        for (yaml, wants) in [
            (
                "tls_server_config:\n  cert_file: 5\n  key_file: k\n",
                "`tls_server_config.cert_file`: invalid type: a number, expected a string",
            ),
            (
                "tls_server_config:\n  - cert_file\n",
                "`tls_server_config`: invalid type: a sequence, expected a mapping",
            ),
            (
                "basic_auth_users:\n  alice: 7\n",
                "`basic_auth_users`: invalid type: a string user with a number hash",
            ),
            (
                "basic_auth_users: [alice]\n",
                "`basic_auth_users`: invalid type: a sequence, expected a mapping",
            ),
            ("- tls_server_config\n", "invalid type: a sequence, expected a mapping"),
            ("7: x\n", "invalid type: a number, expected a field name"),
            (
                "tls_server_config:\n  cert_file: c\n  key_fil: k\n",
                "`tls_server_config`: unknown field `key_fil`, expected one of `cert_file`, `key_file`",
            ),
        ] {
            let e = refused(yaml);
            assert!(e.contains(wants), "{yaml:?}: {e}");
            assert!(e.contains("<web config>"), "{yaml:?}: names the file: {e}");
        }
    }

    #[test]
    fn null_fields_are_absent_and_present_ones_are_refused() {
        let c = WebConfig::from_yaml(
            &users("tls_server_config: ~\nhttp_server_config: null\n"),
            ".",
        )
        .unwrap();
        assert!(!c.tls_enabled());
        assert!(c.basic_auth().is_some());
        let e = refused(&users("http_server_config: {}\n"));
        assert!(e.contains("`http_server_config`: is not supported"), "{e}");
        let e = refused("tls_server_config:\n  cert: PEM\n  cert_file: c\n  key_file: k\n");
        assert!(
            e.contains("`tls_server_config.cert`: is not supported"),
            "{e}"
        );
    }
}
