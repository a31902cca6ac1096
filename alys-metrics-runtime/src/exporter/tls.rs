//! TLS from a web config's `tls_server_config`: the certificate and key, the protocol
//! versions, and client certificates verified against `client_ca_file`, as one rustls
//! [`ServerConfig`].
//!
//! The files are read by the caller (the web-config reader, which reads only bounded regular
//! files); this module parses their PEM and builds the configuration.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::ServeError;

/// The `client_auth_type` values this exporter honours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClientAuth {
    None,
    VerifyIfGiven,
    RequireAndVerify,
}

/// The `tls_server_config` fields this exporter honours (the reader refuses the others).
pub(crate) struct TlsSettings {
    pub(crate) cert_file: Option<String>,
    pub(crate) key_file: Option<String>,
    pub(crate) client_auth_type: Option<String>,
    pub(crate) client_ca_file: Option<String>,
    pub(crate) min_version: Option<String>,
    pub(crate) max_version: Option<String>,
}

/// Reads the file a field names: its path and its bytes, or an error naming both.
pub(crate) type ReadFile<'a> = &'a dyn Fn(&str, &str) -> Result<(PathBuf, Vec<u8>), ServeError>;

/// Builds the rustls configuration; `read(field, value)` reads a file the settings name and
/// `fail(field, why)` makes an error.
pub(crate) fn server_config(
    t: TlsSettings,
    read: ReadFile<'_>,
    fail: &dyn Fn(&str, String) -> ServeError,
) -> Result<(ServerConfig, ClientAuth), ServeError> {
    const P: &str = "tls_server_config";
    let read = |name: &str, value: Option<String>| -> Result<(PathBuf, Vec<u8>), ServeError> {
        match value {
            Some(v) if !v.trim().is_empty() => read(name, &v),
            _ => Err(fail(&format!("{P}.{name}"), "is missing".into())),
        }
    };
    let (cert_path, pem) = read("cert_file", t.cert_file)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
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
    let (key_path, pem) = read("key_file", t.key_file)?;
    let key = PrivateKeyDer::from_pem_slice(&pem).map_err(|e| {
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
        let (ca_path, pem) = read("client_ca_file", t.client_ca_file)?;
        let cas = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
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
