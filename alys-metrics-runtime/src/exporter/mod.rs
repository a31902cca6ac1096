//! The HTTP exporter: `/metrics`, `/health`, `/ready`.
