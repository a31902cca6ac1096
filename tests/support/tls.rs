//! TLS on loopback for the exporter's tests: a test PKI written as PEM files, a rustls client
//! that trusts it, connections from any loopback source address, and HTTP/1.1 requests with
//! basic credentials on a kept-alive TLS connection.

#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
    SanType,
};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::AsyncWriteExt as _;
use tokio::net::{TcpSocket, TcpStream};
use tokio_rustls::rustls;

/// A temporary directory, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir =
            std::env::temp_dir().join(format!("alys-tls-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the temporary directory");
        Self(dir)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("write a test file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A CA, a server certificate for 127.0.0.1 and a client certificate, written as PEM files
/// (`ca.crt`, `node.crt`, `node.key`, `client.crt`, `client.key`), plus a second, unrelated
/// CA (`other-ca.crt`).
pub fn pki(dir: &TempDir) {
    let ca = issuer("alys test CA");
    let other = issuer("some other CA");
    dir.write("ca.crt", &ca.pem());
    dir.write("other-ca.crt", &other.pem());

    let mut node = CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
    node.subject_alt_names
        .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    node.distinguished_name
        .push(DnType::CommonName, "alys node");
    let key = KeyPair::generate().expect("a key");
    let cert = node
        .signed_by(&key, &ca)
        .expect("sign the node certificate");
    dir.write("node.crt", &cert.pem());
    dir.write("node.key", &key.serialize_pem());

    let mut client = CertificateParams::new(Vec::<String>::new()).expect("params");
    client
        .distinguished_name
        .push(DnType::CommonName, "scraper");
    client.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let key = KeyPair::generate().expect("a key");
    let cert = client
        .signed_by(&key, &ca)
        .expect("sign the client certificate");
    dir.write("client.crt", &cert.pem());
    dir.write("client.key", &key.serialize_pem());
}

fn issuer(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    CertifiedIssuer::self_signed(params, KeyPair::generate().expect("a key")).expect("a CA")
}

/// A client trusting the test CA, with the test client certificate when `client_cert`.
pub fn client_config(dir: &TempDir, client_cert: bool) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for ca in CertificateDer::pem_file_iter(dir.0.join("ca.crt")).expect("read ca.crt") {
        roots
            .add(ca.expect("a CA certificate"))
            .expect("add the CA");
    }
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocol versions")
    .with_root_certificates(roots);
    let config = if client_cert {
        let certs = CertificateDer::pem_file_iter(dir.0.join("client.crt"))
            .expect("read client.crt")
            .collect::<Result<Vec<_>, _>>()
            .expect("client certificates");
        let key = PrivateKeyDer::from_pem_file(dir.0.join("client.key")).expect("client key");
        builder
            .with_client_auth_cert(certs, key)
            .expect("a client certificate")
    } else {
        builder.with_no_client_auth()
    };
    Arc::new(config)
}

/// `Authorization: Basic` credentials for `user:password`.
pub fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// A loopback source address of its own for client `i` (127.9.x.y), so that per-address
/// limits see each as another host.
pub fn source(i: usize) -> Ipv4Addr {
    let i = u16::try_from(i).expect("fewer than 60,000 sources");
    Ipv4Addr::new(127, 9, (i / 250) as u8, (i % 250 + 1) as u8)
}

pub type Tls = tokio_rustls::client::TlsStream<TcpStream>;

/// A TLS connection to `addr` from the loopback address `from`.
pub async fn connect_tls(
    from: Ipv4Addr,
    addr: SocketAddr,
    config: &Arc<rustls::ClientConfig>,
) -> std::io::Result<Tls> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from((from, 0)))?;
    let tcp = socket.connect(addr).await?;
    let name = ServerName::IpAddress(Ipv4Addr::LOCALHOST.into());
    tokio_rustls::TlsConnector::from(Arc::clone(config))
        .connect(name, tcp)
        .await
}

/// `GET /metrics` with `authorization` on a kept-alive connection: the answer's status (0 when
/// the connection closed first) and the time from sending to the last byte.
pub async fn ask(tls: &mut Tls, authorization: &str) -> (u16, Duration) {
    let started = Instant::now();
    let req = format!("GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: {authorization}\r\n\r\n");
    if tls.write_all(req.as_bytes()).await.is_err() {
        return (0, started.elapsed());
    }
    let status = read_answer(tls).await.unwrap_or(0);
    (status, started.elapsed())
}

/// Reads one answer (head and `Content-Length` body): its status, `None` when the connection
/// closed first.
pub use crate::answer::read_status as read_answer;

/// One scrape on a fresh TLS connection from `from`: its status (0 when the connection was
/// refused or closed) and the time from connecting to the answer's last byte.
pub async fn scrape(
    from: Ipv4Addr,
    addr: SocketAddr,
    config: &Arc<rustls::ClientConfig>,
    authorization: &str,
) -> (u16, Duration) {
    let started = Instant::now();
    let status = match connect_tls(from, addr, config).await {
        Ok(mut tls) => ask(&mut tls, authorization).await.0,
        Err(_) => 0,
    };
    (status, started.elapsed())
}

/// The median of some durations.
pub fn median(mut v: Vec<Duration>) -> Duration {
    assert!(!v.is_empty(), "no samples");
    v.sort();
    v[v.len() / 2]
}

/// The `p` quantile (0..=1) of some durations, by the nearest-rank method.
pub fn quantile(mut v: Vec<Duration>, p: f64) -> Duration {
    assert!(!v.is_empty(), "no samples");
    v.sort();
    let rank = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}
