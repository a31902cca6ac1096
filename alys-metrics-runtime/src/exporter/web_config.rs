//! The exporter-toolkit `web-config.yml` (the file every Prometheus exporter shares), read
//! and checked: TLS with an optional client CA ([`tls`]), and `basic_auth_users`
//! with bcrypt hashes ([`basic_auth`](super::basic_auth)).
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
//!
//! The web config, `cert_file`, `key_file` and `client_ca_file` must be regular files of at
//! most 4 MiB ([`MAX_FILE_BYTES`]): a device (`/dev/zero`), a FIFO, a directory or a larger
//! file is refused, naming it and why, before a byte is read; a file is opened without
//! blocking and read no further than the limit.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::ServerConfig;
use serde_norway::Value;

use super::basic_auth::BasicAuth;
use super::tls::{self, ClientAuth, TlsSettings};
use super::ServeError;

/// The largest file a web config reads: itself, a certificate chain, a key, a CA bundle.
pub(crate) const MAX_FILE_BYTES: u64 = 4 << 20;

/// A loaded and checked `web-config.yml`: TLS settings and basic-auth users.
///
/// ```no_run
/// # extern crate alys_metrics_runtime as alys_metrics;
/// # async fn run() -> Result<(), alys_metrics::exporter::ServeError> {
/// use alys_metrics::MetricsConfig;
/// use alys_metrics::exporter::{Access, WebConfig};
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
///
/// # Limits
///
/// What a hostile file or client cannot make the node do:
///
/// | limit | value |
/// |---|---|
/// | files read (the web config, `cert_file`, `key_file`, `client_ca_file`) | regular files of at most 4 MiB; anything else is refused, naming the file and why, before it is read |
/// | bcrypt cost of a `basic_auth_users` hash | 4..=14 (each step doubles a check's time: 10 takes about 70 ms, 14 about 1.1 s); another cost is refused at start, naming the user and the cost |
/// | a wrong password for an unknown user, or for a user at a lower cost than the highest | the bcrypt work of the highest cost (a decoy at that cost, or decoys at the costs between): the time of a failure does not say which names exist |
/// | failed password checks per source address (IPv4 address or IPv6 /64) | 5 at once, then 1 a second; beyond it `429 Too Many Requests` with `Retry-After`, at once and without a bcrypt check; at most 4096 addresses remembered |
/// | password checks at once | one per source address, one per two CPUs in all (1 to 4), addresses without failures or other checks under way served first; a remembered success (64 kept) is answered before any queue |
/// | TLS handshake | within [`Limits::tls_handshake_timeout`](super::Limits::tls_handshake_timeout) (1 s) of its first byte, or the connection is closed |
///
/// A connection waiting for its password check counts as waiting: when every connection slot
/// is taken and no idle connection can make room, it is closed to make room for a new scrape.
/// A check from an address with no failure to its name and no other check under way (a
/// scraper logging in) is served before the others.
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
                &self.basic.as_ref().map_or(0, |b| b.user_count()),
            )
            .finish()
    }
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
    /// The settings this exporter honours; a field it cannot honour is an error.
    fn settings(
        self,
        fail: &dyn Fn(&str, String) -> ServeError,
    ) -> Result<TlsSettings, ServeError> {
        const P: &str = "tls_server_config";
        for (name, set) in [
            ("cipher_suites", self.cipher_suites.is_some()),
            ("curve_preferences", self.curve_preferences.is_some()),
            ("client_allowed_sans", self.client_allowed_sans.is_some()),
            (
                "prefer_server_cipher_suites",
                self.prefer_server_cipher_suites.is_some(),
            ),
            ("cert", self.cert.is_some()),
            ("key", self.key.is_some()),
            ("client_ca", self.client_ca.is_some()),
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
        Ok(TlsSettings {
            cert_file: self.cert_file,
            key_file: self.key_file,
            client_auth_type: self.client_auth_type,
            client_ca_file: self.client_ca_file,
            min_version: self.min_version,
            max_version: self.max_version,
        })
    }

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
    /// file's directory, as exporter-toolkit does. See [Limits](Self#limits) for what is
    /// refused.
    ///
    /// # Errors
    ///
    /// [`ServeError::WebConfig`], naming the file and the field, when the file cannot be
    /// read, is not a regular file of at most 4 MiB, is not valid YAML, has an unknown or
    /// unsupported field, or names a certificate, key or bcrypt hash that cannot be used.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, ServeError> {
        let path = path.as_ref();
        let text = read_regular(path)
            .and_then(|bytes| {
                String::from_utf8(bytes)
                    .map_err(|_| format!("{} is not UTF-8 text", path.display()))
            })
            .map_err(ServeError::WebConfig)?;
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
                let read = |field: &str, name: &str| {
                    let at = dir.join(name);
                    read_regular(&at)
                        .map(|bytes| (at, bytes))
                        .map_err(|why| fail(&format!("tls_server_config.{field}"), why))
                };
                let (config, auth) = tls::server_config(t.settings(&fail)?, &read, &fail)?;
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

/// The bytes of the regular file at `path`, at most [`MAX_FILE_BYTES`]; otherwise why not,
/// naming the file. The type and size are checked before the file is opened, the file is
/// opened without blocking (a FIFO put in its place meanwhile cannot hang the start), checked
/// again once open, and read no further than the limit.
fn read_regular(path: &Path) -> Result<Vec<u8>, String> {
    let shown = path.display();
    let cannot = |e: std::io::Error| format!("cannot read {shown}: {e}");
    let before = std::fs::metadata(path).map_err(cannot)?;
    regular(path, &before)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let file = options.open(path).map_err(cannot)?;
    let opened = file.metadata().map_err(cannot)?;
    regular(path, &opened)?;
    let mut bytes = Vec::with_capacity(usize::try_from(opened.len()).unwrap_or(0));
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(path));
    }
    Ok(bytes)
}

/// Whether `meta` is a regular file within the size limit; otherwise why not.
fn regular(path: &Path, meta: &std::fs::Metadata) -> Result<(), String> {
    if !meta.is_file() {
        return Err(format!(
            "{} is {}, not a regular file; give the path of a file",
            path.display(),
            file_kind(&meta.file_type())
        ));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(path));
    }
    Ok(())
}

fn too_large(path: &Path) -> String {
    format!(
        "{} is larger than {} MiB, more than any certificate, key or web config needs; \
         give the right file",
        path.display(),
        MAX_FILE_BYTES >> 20
    )
}

fn file_kind(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
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
