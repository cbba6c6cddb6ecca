//! Wire names → Rust identifiers. Every [`Name`] keeps both, so emitted code can say
//! `user_id` while sending `userId`.

use std::fmt;

/// A spec name and the Rust identifier made from it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name {
    /// As written in the spec (and sent on the wire).
    pub wire: String,
    /// A valid Rust identifier (snake_case; keywords get a trailing `_`).
    pub rust: String,
}

impl Name {
    /// A snake_case identifier for `wire` (functions, fields, modules, locals).
    pub fn snake(wire: &str) -> Self {
        Self {
            wire: wire.to_owned(),
            rust: sanitize(&snake_case(wire)),
        }
    }

    /// A PascalCase identifier for `wire` (types).
    pub fn pascal(wire: &str) -> Self {
        let snake = snake_case(wire);
        let pascal: String = snake
            .split('_')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let mut c = p.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect();
        Self {
            wire: wire.to_owned(),
            rust: sanitize(&pascal),
        }
    }

    /// A `SCREAMING_SNAKE_CASE` identifier (constants).
    pub fn screaming(wire: &str) -> Self {
        Self {
            wire: wire.to_owned(),
            rust: sanitize(&snake_case(wire).to_ascii_uppercase()),
        }
    }

    /// The same name, its identifier followed by `_` when it is one of `taken` (the locals of
    /// the code it is a local in).
    pub fn avoiding(mut self, taken: &[&str]) -> Self {
        if taken.contains(&self.rust.as_str()) {
            self.rust.push('_');
        }
        self
    }

    /// The identifier of something made from this one: `{rust}_{suffix}` (`get_user_raw`;
    /// `type_` → `type_raw`, never a double `_`).
    pub fn suffixed(&self, suffix: &str) -> String {
        format!("{}_{suffix}", self.rust.trim_end_matches('_'))
    }

    /// [`Name::suffixed`] as a token.
    pub fn suffixed_ident(&self, suffix: &str) -> proc_macro2::Ident {
        proc_macro2::Ident::new(&self.suffixed(suffix), proc_macro2::Span::call_site())
    }

    /// The identifier as a token.
    pub fn ident(&self) -> proc_macro2::Ident {
        proc_macro2::Ident::new(&self.rust, proc_macro2::Span::call_site())
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.wire)
    }
}

/// `userId` → `user_id`, `users-userId-tokens` → `users_user_id_tokens`, `HTTPServer` →
/// `http_server`. Anything that is not ASCII alphanumeric separates words.
pub fn snake_case(wire: &str) -> String {
    let chars: Vec<char> = wire.chars().collect();
    let mut out = String::with_capacity(wire.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() {
                let prev = i.checked_sub(1).map(|j| chars[j]);
                let next = chars.get(i + 1);
                let boundary = match prev {
                    Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                    Some(p) if p.is_ascii_uppercase() => {
                        next.is_some_and(|n| n.is_ascii_lowercase())
                    }
                    _ => false,
                };
                if boundary && !out.ends_with('_') && !out.is_empty() {
                    out.push('_');
                }
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// The locals of a client method (its parameters are locals beside them).
pub const CLIENT_LOCALS: &[&str] = &["url", "request", "answer", "http"];

/// The methods of an MCP adapter's server besides its tools' (its own and those of rmcp's
/// `ServerHandler`, which a method of the same name would shadow).
pub const MCP_SERVER_METHODS: &[&str] = &[
    "new",
    "upstreams",
    "call",
    "call_directly",
    "call_tool",
    "complete",
    "get_info",
    "get_prompt",
    "get_tool",
    "initialize",
    "list_prompts",
    "list_resource_templates",
    "list_resources",
    "list_tools",
    "ping",
    "read_resource",
    "set_level",
    "subscribe",
    "unsubscribe",
];

/// Rust keywords (strict and reserved, all editions) — these get a trailing `_`.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Make `ident` a valid, non-raw Rust identifier.
pub fn sanitize(ident: &str) -> String {
    let mut s = if ident.is_empty() {
        "x".to_owned()
    } else {
        ident.to_owned()
    };
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'n');
    }
    if s == "_" {
        s.push('_');
    }
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_splits_words() {
        assert_eq!(snake_case("userId"), "user_id");
        assert_eq!(snake_case("users-userId-tokens"), "users_user_id_tokens");
        assert_eq!(snake_case("HTTPServer"), "http_server");
        assert_eq!(snake_case("listusertokens"), "listusertokens");
        assert_eq!(snake_case("a.b c"), "a_b_c");
        assert_eq!(snake_case("tokenId2"), "token_id2");
    }

    #[test]
    fn keywords_get_a_trailing_underscore_never_raw() {
        assert_eq!(Name::snake("self").rust, "self_");
        assert_eq!(Name::snake("type").rust, "type_");
        assert_eq!(Name::pascal("self").rust, "Self_");
        assert_eq!(Name::snake("3d").rust, "n3d");
        assert_eq!(Name::snake("---").rust, "x");
    }

    #[test]
    fn pascal_and_screaming() {
        assert_eq!(
            Name::pascal("humanitec-tokeninfo").rust,
            "HumanitecTokeninfo"
        );
        assert_eq!(Name::screaming("userId").rust, "USER_ID");
    }
}
