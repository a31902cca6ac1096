//! [`WebConfig`] in a build without the `tls` feature: the same API, and loading a file says
//! that the feature is needed, so code that configures TLS compiles either way and a node
//! built without it refuses to start instead of serving plain HTTP by surprise.

use std::convert::Infallible;
use std::path::Path;

use super::ServeError;

/// An exporter-toolkit `web-config.yml`. This build has no `tls` feature, so none can be
/// loaded: [`from_file`](Self::from_file) and [`from_yaml`](Self::from_yaml) say so.
#[derive(Clone, Debug)]
pub struct WebConfig {
    never: Infallible,
}

fn disabled(what: &str) -> ServeError {
    ServeError::WebConfig(format!(
        "{what}: this build of alys-metrics has no `tls` feature; enable it for TLS and basic \
         authentication"
    ))
}

impl WebConfig {
    /// Always fails: the `tls` feature is off.
    ///
    /// # Errors
    ///
    /// [`ServeError::WebConfig`], naming the file and the missing feature.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, ServeError> {
        Err(disabled(&path.as_ref().display().to_string()))
    }

    /// Always fails: the `tls` feature is off.
    ///
    /// # Errors
    ///
    /// [`ServeError::WebConfig`], naming the missing feature.
    pub fn from_yaml(_text: &str, _dir: impl AsRef<Path>) -> Result<Self, ServeError> {
        Err(disabled("<web config>"))
    }

    /// Whether connections are served over TLS (no value of this type exists).
    pub fn tls_enabled(&self) -> bool {
        match self.never {}
    }

    /// Whether clients must present a certificate (no value of this type exists).
    pub fn requires_client_certificates(&self) -> bool {
        match self.never {}
    }
}
