//! Who may connect (an IP allow-list) and what authenticates a request (a bearer token, and
//! with the `tls` feature the `basic_auth_users` of a web-config file). Every secret is
//! compared in constant time.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;
use std::time::Duration;

use hyper::header::{self, HeaderMap};
use subtle::ConstantTimeEq as _;

#[cfg(feature = "tls")]
use super::basic_auth::{BasicAuth, Outcome};
use super::WebConfig;

/// Who may use the exporter, and how requests authenticate.
///
/// - `allow`: when not empty, a connection from an address outside every range is closed as
///   soon as it is accepted, before a byte is read.
/// - `bearer_token`: a request that presents `Authorization: Bearer <token>` is
///   authenticated.
/// - `web_config` (feature `tls`): TLS, optional client certificates, and `basic_auth_users`
///   whose bcrypt hashes authenticate `Authorization: Basic`.
///
/// When a bearer token or basic-auth users are configured, authentication is *on*:
/// `/metrics` answers 401 without valid credentials (either kind is enough), and `/health`
/// tells an unauthenticated client only its status. `/ready` stays open for orchestrator
/// probes.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::MetricsConfig;
/// use alys_metrics::exporter::Access;
///
/// let config = MetricsConfig {
///     bind: "0.0.0.0:9001".parse().unwrap(),
///     access: Access {
///         allow: vec!["10.0.0.0/8".parse().unwrap(), "127.0.0.1".parse().unwrap()],
///         bearer_token: Some("s3cret-token".into()),
///         ..Access::default()
///     },
///     ..MetricsConfig::default()
/// };
/// assert!(config.access.allows("10.1.2.3".parse().unwrap()));
/// assert!(!config.access.allows("192.168.1.1".parse().unwrap()));
/// ```
#[derive(Clone, Default)]
pub struct Access {
    /// Address ranges allowed to connect; empty allows every address.
    pub allow: Vec<IpNet>,
    /// A token that authenticates `Authorization: Bearer <token>`.
    pub bearer_token: Option<String>,
    /// TLS and basic authentication, from an exporter-toolkit `web-config.yml` (needs the
    /// `tls` feature to load one).
    pub web_config: Option<WebConfig>,
}

impl fmt::Debug for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Access");
        d.field("allow", &self.allow).field(
            "bearer_token",
            &self.bearer_token.as_ref().map(|_| "<redacted>"),
        );
        d.field("web_config", &self.web_config);
        d.finish()
    }
}

impl Access {
    /// Whether a peer at `addr` may connect.
    pub fn allows(&self, addr: IpAddr) -> bool {
        self.allow.is_empty() || self.allow.iter().any(|net| net.contains(addr))
    }

    /// Whether requests must authenticate (a bearer token or basic-auth users are set).
    pub fn auth_required(&self) -> bool {
        #[cfg(feature = "tls")]
        if self
            .web_config
            .as_ref()
            .is_some_and(|w| w.basic_auth().is_some())
        {
            return true;
        }
        self.bearer_token.is_some()
    }
}

/// An address range: `10.0.0.0/8`, `::1/128`, or a single address (`127.0.0.1`).
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::exporter::IpNet;
///
/// let net: IpNet = "192.168.0.0/16".parse().unwrap();
/// assert!(net.contains("192.168.7.9".parse().unwrap()));
/// assert!(!net.contains("192.169.0.1".parse().unwrap()));
/// // An IPv4 peer seen on an IPv6 socket (`::ffff:192.168.7.9`) matches too.
/// assert!(net.contains("::ffff:192.168.7.9".parse().unwrap()));
/// assert!("10.0.0.0/33".parse::<IpNet>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// The range of addresses sharing `addr`'s first `prefix` bits; `None` when `prefix` is
    /// longer than the address (32 for IPv4, 128 for IPv6).
    pub fn new(addr: IpAddr, prefix: u8) -> Option<Self> {
        let max = if addr.is_ipv4() { 32 } else { 128 };
        (prefix <= max).then_some(Self { addr, prefix })
    }

    /// Whether `ip` is in the range. IPv4-mapped IPv6 addresses count as their IPv4 address.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                prefix_eq(&net.octets(), &ip.octets(), self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                prefix_eq(&net.octets(), &ip.octets(), self.prefix)
            }
            _ => false,
        }
    }
}

fn prefix_eq(a: &[u8], b: &[u8], prefix: u8) -> bool {
    let full = usize::from(prefix / 8);
    let rest = prefix % 8;
    if a[..full] != b[..full] {
        return false;
    }
    if rest == 0 {
        return true;
    }
    let mask = 0xffu8 << (8 - rest);
    a[full] & mask == b[full] & mask
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Why a string is not an [`IpNet`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpNetError(String);

impl fmt::Display for IpNetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not an address range; expected e.g. `10.0.0.0/8`, `::1/128` or `127.0.0.1`",
            self.0
        )
    }
}

impl std::error::Error for IpNetError {}

impl FromStr for IpNet {
    type Err = IpNetError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || IpNetError(s.to_owned());
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| err())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().map_err(|_| err())?,
            None => max,
        };
        Self::new(addr, prefix).ok_or_else(err)
    }
}

/// What a request's credentials are worth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Valid credentials, or authentication is off.
    Authenticated,
    /// No credentials, or invalid ones.
    Refused,
    /// The client's address has failed too many password checks; it may try again after
    /// this long.
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    Throttled(Duration),
}

/// The request-time side of [`Access`]: checks credentials.
pub(crate) struct Authenticator {
    bearer: Option<Box<[u8]>>,
    #[cfg(feature = "tls")]
    basic: Option<std::sync::Arc<BasicAuth>>,
}

impl Authenticator {
    pub(crate) fn new(access: &Access) -> Self {
        Self {
            bearer: access
                .bearer_token
                .as_ref()
                .map(|t| t.as_bytes().to_vec().into_boxed_slice()),
            #[cfg(feature = "tls")]
            basic: access.web_config.as_ref().and_then(WebConfig::basic_auth),
        }
    }

    /// Whether requests must authenticate.
    pub(crate) fn required(&self) -> bool {
        #[cfg(feature = "tls")]
        if self.basic.is_some() {
            return true;
        }
        self.bearer.is_some()
    }

    /// What the request's `Authorization` header from `peer` is worth (always
    /// [`Verdict::Authenticated`] when authentication is off).
    pub(crate) async fn check(&self, headers: &HeaderMap, peer: IpAddr) -> Verdict {
        if !self.required() {
            return Verdict::Authenticated;
        }
        let granted = |yes: bool| {
            if yes {
                Verdict::Authenticated
            } else {
                Verdict::Refused
            }
        };
        // One Authorization header only: two are ambiguous.
        let mut values = headers.get_all(header::AUTHORIZATION).iter();
        let (Some(value), None) = (values.next(), values.next()) else {
            return Verdict::Refused;
        };
        let value = value.as_bytes();
        let (scheme, credentials) = match value.iter().position(|b| *b == b' ') {
            Some(i) => (&value[..i], trim(&value[i + 1..])),
            None => return Verdict::Refused,
        };
        if scheme.eq_ignore_ascii_case(b"bearer") {
            return granted(
                self.bearer
                    .as_deref()
                    .is_some_and(|token| bool::from(token.ct_eq(credentials))),
            );
        }
        #[cfg(feature = "tls")]
        if scheme.eq_ignore_ascii_case(b"basic") {
            if let Some(basic) = &self.basic {
                return match basic.check(peer, credentials).await {
                    Outcome::Valid => Verdict::Authenticated,
                    Outcome::Invalid => Verdict::Refused,
                    Outcome::Throttled(after) => Verdict::Throttled(after),
                };
            }
        }
        #[cfg(not(feature = "tls"))]
        let _ = peer;
        Verdict::Refused
    }
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|c| *c != b' ').unwrap_or(b.len());
    let end = b.iter().rposition(|c| *c != b' ').map_or(start, |i| i + 1);
    &b[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    #[test]
    fn ranges_parse_and_match() {
        let v4: IpNet = "10.1.0.0/16".parse().unwrap();
        assert!(v4.contains("10.1.255.1".parse().unwrap()));
        assert!(!v4.contains("10.2.0.1".parse().unwrap()));
        assert!(!v4.contains("::1".parse().unwrap()));
        let odd: IpNet = "10.0.0.128/25".parse().unwrap();
        assert!(odd.contains("10.0.0.200".parse().unwrap()));
        assert!(!odd.contains("10.0.0.100".parse().unwrap()));
        let host: IpNet = "::1".parse().unwrap();
        assert!(host.contains("::1".parse().unwrap()));
        assert_eq!(host.to_string(), "::1/128");
        let all: IpNet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
        for bad in ["10.0.0.0/33", "::/129", "nope", "10.0.0.0/", "10.0.0.0/x"] {
            let err = bad.parse::<IpNet>().unwrap_err();
            assert!(err.to_string().contains(bad), "{err}");
        }
    }

    #[tokio::test]
    async fn bearer_tokens_are_checked() {
        let access = Access {
            bearer_token: Some("tok-123".into()),
            ..Access::default()
        };
        assert!(format!("{access:?}").contains("<redacted>"));
        assert!(!format!("{access:?}").contains("tok-123"));
        let auth = Authenticator::new(&access);
        assert!(auth.required());
        let me: IpAddr = "127.0.0.1".parse().unwrap();
        let ok = |v: Verdict| v == Verdict::Authenticated;
        let with = |v: &[&str]| {
            let mut h = HeaderMap::new();
            for v in v {
                h.append(header::AUTHORIZATION, HeaderValue::from_str(v).unwrap());
            }
            h
        };
        assert!(ok(auth.check(&with(&["Bearer tok-123"]), me).await));
        assert!(ok(auth.check(&with(&["bearer  tok-123 "]), me).await));
        assert!(!ok(auth.check(&with(&["Bearer tok-12"]), me).await));
        assert!(!ok(auth.check(&with(&["Bearer tok-1234"]), me).await));
        assert!(!ok(auth.check(&with(&["Basic dG9rLTEyMw=="]), me).await));
        assert!(!ok(auth.check(&with(&[]), me).await));
        assert!(!ok(auth
            .check(&with(&["Bearer tok-123", "Bearer tok-123"]), me)
            .await));
        assert!(ok(Authenticator::new(&Access::default())
            .check(&with(&[]), me)
            .await));
    }
}
