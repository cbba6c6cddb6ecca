//! The intermediate representation: one resolved capability, with no YAML left in it. Every
//! `call` points at a consumed operation by index, every argument names where its value comes
//! from, every name carries its Rust identifier beside its wire name.

mod auth;
mod consumes;
mod exposed;
mod id;
mod output;
mod template;

pub use auth::*;
pub use consumes::*;
pub use exposed::*;
pub use id::*;
pub use output::*;
pub use template::*;

/// A resolved capability — everything the emitters need.
#[derive(Debug, Clone)]
pub struct Capability {
    /// `info.label` (or `info.title`), for docs and the MCP server's title.
    pub label: String,
    /// `info.description`.
    pub description: Option<String>,
    /// Variables bound from the environment, in spec order.
    pub binds: Vec<BindVar>,
    /// Consumed HTTP APIs.
    pub consumes: Vec<Consumes>,
    /// Exposed REST adapters.
    pub rest: Vec<RestAdapter>,
    /// Exposed MCP adapters.
    pub mcp: Vec<McpAdapter>,
    /// Exposed skill catalogs.
    pub skills: Vec<SkillAdapter>,
    /// The control adapter (health, status, configuration), if any.
    pub control: Option<ControlAdapter>,
}

impl Capability {
    /// The path of `endpoint` (`healthz`, `readyz`) on the first adapter, the one the
    /// deployment files probe (REST adapters come first).
    pub fn probe_path(&self, endpoint: &str) -> String {
        let prefix = self.rest.first().map_or("", |a| a.ops_prefix);
        format!("{prefix}/{endpoint}")
    }

    /// Does the crate serve anything (a REST, MCP or skill adapter)? Without one it holds the
    /// typed clients only: no server, binary or deployment files.
    pub fn serves(&self) -> bool {
        !(self.rest.is_empty()
            && self.mcp.is_empty()
            && self.skills.is_empty()
            && self.control.is_none())
    }

    /// Does a consumed API use digest authentication (the crate then has a `digest` module)?
    pub fn uses_digest(&self) -> bool {
        self.consumes
            .iter()
            .any(|c| matches!(c.auth, UpstreamAuth::Digest { .. }))
    }

    /// Does an adapter check OAuth 2.1 tokens (the crate then has the `oauth2` module)?
    pub fn uses_oauth2(&self) -> bool {
        self.rest
            .iter()
            .map(|a| &a.auth)
            .chain(self.mcp.iter().map(|a| &a.auth))
            .chain(self.skills.iter().map(|a| &a.auth))
            .chain(self.control.iter().map(|a| &a.auth))
            .any(|auth| matches!(auth, InboundAuth::OAuth2(_)))
    }

    /// Does an exposed input carry a `pattern` (the crate then needs `regex`)?
    pub fn has_patterns(&self) -> bool {
        let rest = self
            .rest
            .iter()
            .flat_map(|a| &a.routes)
            .flat_map(|r| &r.operations)
            .flat_map(|o| &o.inputs);
        let mcp = self
            .mcp
            .iter()
            .flat_map(|a| &a.tools)
            .flat_map(|t| &t.inputs);
        rest.chain(mcp).any(|i| i.pattern.is_some())
    }

    /// The non-JSON formats read into JSON (the generated `formats` module): by shaped outputs
    /// and by the clients' methods, sorted.
    pub fn formats(&self) -> Vec<RawFormat> {
        let rest = self
            .rest
            .iter()
            .flat_map(|a| &a.routes)
            .flat_map(|r| &r.operations)
            .filter_map(|o| o.runs.output());
        let mcp = self
            .mcp
            .iter()
            .flat_map(|a| &a.tools)
            .filter_map(|t| t.runs.output());
        let clients = self
            .consumes
            .iter()
            .flat_map(|c| &c.operations)
            .map(|o| &o.output);
        let mut formats: Vec<RawFormat> = rest
            .chain(mcp)
            .chain(clients)
            .filter_map(|o| match o {
                Output::Shaped { format, .. } | Output::PassThrough { format, .. }
                    if format.is_converted() =>
                {
                    Some(format.clone())
                }
                _ => None,
            })
            .collect();
        formats.sort_unstable();
        formats.dedup();
        formats
    }
}
