//! The modules of `naftiko-runtime`, read when the generator is compiled.

/// A module of `naftiko-runtime`: its name, the Cargo feature that holds it (`None`: always
/// there) and its source.
pub(super) struct Source {
    pub(super) name: &'static str,
    pub(super) feature: Option<&'static str>,
    pub(super) text: &'static str,
}

macro_rules! sources {
    ($($name:literal $(: $feature:literal)?),* $(,)?) => {
        &[$(Source {
            name: $name,
            feature: sources!(@feature $($feature)?),
            text: include_str!(concat!("../../../../naftiko-runtime/src/", $name, ".rs")),
        }),*]
    };
    (@feature) => { None };
    (@feature $feature:literal) => { Some($feature) };
}

/// Every module of `naftiko-runtime`, with the feature `src/lib.rs` gates it behind (a test
/// checks the two agree).
pub(super) const SOURCES: &[Source] = sources![
    "args",
    "bind_files": "yaml",
    "budget",
    "cli": "server",
    "client_credentials",
    "context",
    "delimited": "delimited",
    "digest": "digest",
    "encode",
    "error",
    "html": "html",
    "http",
    "inbound": "server",
    "map",
    "markdown": "markdown",
    "mcp": "mcp",
    "mcp_direct": "mcp",
    "oauth1": "oauth1",
    "oauth2": "oauth2",
    "observe": "server",
    "ops": "server",
    "origin": "server",
    "problem": "server",
    "rest": "rest",
    "secret",
    "server": "server",
    "skills": "server",
    "startup",
    "steps",
    "telemetry",
    "wire": "server",
    "xml": "xml",
    "yaml": "yaml",
];
