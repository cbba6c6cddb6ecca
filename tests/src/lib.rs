//! Helpers for the integration tests: a stateful fake of the Humanitec token API, a handle on
//! the generated server binary and a round-robin load balancer.

pub mod balancer;
pub mod fake_humanitec;
pub mod raw;
pub mod server;
pub mod skip;

use std::path::PathBuf;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}
