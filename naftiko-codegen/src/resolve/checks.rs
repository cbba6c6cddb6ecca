//! Names and values that cross from the spec into file names, command lines, Dockerfiles, YAML
//! manifests and route tables: checked where they are read, so that none of them can mean
//! anything else there. A namespace is a word of letters, digits, `-`, `_` and `.`; a variable
//! is an environment variable's name; a port is not 0 and not taken twice; a route is one the
//! router takes.

use std::collections::HashMap;

use super::Resolver;
use super::names::Name;
use super::path::YamlPath;

/// The longest namespace: it names files, modules and `--listen` keys.
const MAX_NAMESPACE: usize = 100;

/// Why `namespace` cannot name an adapter or an API, if it cannot.
pub(super) fn namespace_problem(namespace: &str) -> Option<String> {
    let first_ok = namespace
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    let all_ok = namespace
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if namespace.is_empty() {
        Some("a namespace cannot be empty".to_owned())
    } else if !first_ok || !all_ok || namespace.contains("..") {
        Some(format!(
            "namespace {} must start with a letter or digit and hold only letters, digits, `-`, `_` and `.`: it names files, modules and command-line keys",
            quoted(namespace)
        ))
    } else if namespace.len() > MAX_NAMESPACE {
        Some(format!(
            "namespace `{}…` is longer than {MAX_NAMESPACE} characters",
            &namespace[..20]
        ))
    } else {
        None
    }
}

/// Why `name` cannot name an environment variable, if it cannot.
pub(super) fn variable_problem(name: &str) -> Option<String> {
    let first_ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let all_ok = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (!(first_ok && all_ok)).then(|| {
        format!(
            "{} is not an environment variable's name (letters, digits and `_`, not starting with a digit): it is written into the deployment files",
            quoted(name)
        )
    })
}

/// Why `location` (a file the server reads at start-up, relative to the spec's folder) cannot
/// be written into deployment files, if it cannot.
pub(super) fn file_path_problem(location: &str) -> Option<String> {
    let ok = location
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '_' | '-' | ':'));
    (!ok).then(|| {
        format!(
            "location {} holds characters a deployment file cannot carry as they are: use letters, digits, `.`, `/`, `_` and `-`",
            quoted(location)
        )
    })
}

/// Why `text` (a `baseUri`, bound variables' placeholders aside) cannot be written into the
/// crate as a URL, if it cannot: characters no URL holds, or a user name and password (they
/// would be written into the crate, its `--help` and its README).
pub(super) fn base_uri_problem(text: &str) -> Option<String> {
    // A placeholder stands for a value (bound at start-up): its braces and spaces are not the URL's.
    let mut literal = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((before, after)) = rest.split_once("{{") {
        literal.push_str(before);
        literal.push('x');
        rest = after.split_once("}}").map_or("", |(_, after)| after);
    }
    literal.push_str(rest);
    let text = literal.as_str();
    if let Some(c) = text
        .chars()
        .find(|c| c.is_control() || c.is_whitespace() || "\"<>\\^`{|}".contains(*c))
    {
        return Some(format!(
            "`baseUri` holds {}, which no URL holds",
            quoted(&c.to_string())
        ));
    }
    let authority = text.split_once("://").map_or("", |(_, rest)| rest);
    let authority = authority.split(['/', '?', '#']).next().unwrap_or("");
    authority.contains('@').then(|| {
        "`baseUri` holds a user name or password (`user:password@`): they would be written into the generated crate".to_owned()
    })
}

/// `text` in backticks, its control characters escaped (it is shown in a message).
pub(super) fn quoted(text: &str) -> String {
    format!("`{}`", text.escape_debug())
}

/// One segment of an exposed path: literal text, or a variable with the text around it in its
/// segment (`act_{id}`, `{id}:cancel`; most often none).
enum Segment<'a> {
    Literal(&'a str),
    Variable {
        before: &'a str,
        name: &'a str,
        after: &'a str,
    },
}

/// The segments of an exposed path (`/users/{id}/tokens`), or why the router could not take it.
fn segments(path: &str) -> Result<Vec<Segment<'_>>, String> {
    let mut out = Vec::new();
    for segment in path.split('/').skip(1) {
        let Some(open) = segment.find('{') else {
            if segment.contains('}') {
                return Err(format!("`{segment}`: a `}}` without its `{{`"));
            }
            out.push(Segment::Literal(segment));
            continue;
        };
        let Some(close) = segment[open..].find('}').map(|c| open + c) else {
            return Err(format!("`{segment}`: a `{{` without its `}}`"));
        };
        let (before, name, after) = (
            &segment[..open],
            &segment[open + 1..close],
            &segment[close + 1..],
        );
        if name.starts_with('*') {
            return Err(format!(
                "`{segment}`: a catch-all variable is not an exposed path's (write each segment)"
            ));
        }
        if name.is_empty() || name.contains('{') {
            return Err(format!("`{segment}`: a variable needs a name"));
        }
        if after.contains(['{', '}']) || before.contains('}') {
            return Err(format!(
                "`{segment}`: two variables in one segment have no one reading (where does the first end?)"
            ));
        }
        out.push(Segment::Variable {
            before,
            name,
            after,
        });
    }
    Ok(out)
}

/// How the router takes the exposed paths of one adapter: for each, its router path (variables
/// named as the first path names the variable at their place, the text after a variable taken
/// off) and that text of each variable.
pub(super) struct RouterPaths(pub Vec<(String, Vec<String>)>);

impl Resolver<'_> {
    /// Is `namespace` usable? A located error when it is not.
    pub(super) fn check_namespace(&mut self, path: &YamlPath, namespace: &str) -> bool {
        match namespace_problem(namespace) {
            Some(problem) => {
                self.error(path, problem);
                false
            }
            None => true,
        }
    }

    /// The exposed paths of one adapter, each at `(path of its resource, path)`, as the router
    /// takes them; a located error for a path it cannot take.
    pub(super) fn check_routes(&mut self, routes: &[(YamlPath, String)]) -> Option<RouterPaths> {
        let mut ok = true;
        // What comes before a variable → the name the router knows it by.
        let mut variables: HashMap<String, String> = HashMap::new();
        let mut out = Vec::with_capacity(routes.len());
        for (path, route) in routes {
            let parts = match segments(route) {
                Ok(parts) => parts,
                Err(problem) => {
                    self.error(&path.key("path"), problem);
                    ok = false;
                    continue;
                }
            };
            let mut router = String::new();
            let mut suffixes = Vec::new();
            for part in parts {
                router.push('/');
                match part {
                    Segment::Literal(text) => router.push_str(text),
                    Segment::Variable {
                        before,
                        name,
                        after,
                    } => {
                        router.push_str(before);
                        let known = variables
                            .entry(router.clone())
                            .or_insert_with(|| name.to_owned());
                        router.push('{');
                        router.push_str(known);
                        router.push('}');
                        suffixes.push(after.to_owned());
                    }
                }
            }
            out.push((router, suffixes));
        }
        ok.then_some(RouterPaths(out))
    }

    /// The adapters a capability exposes, together: namespaces distinct (as written and as
    /// Rust names), listen addresses distinct, no port 0.
    pub(super) fn check_adapters(&mut self, adapters: &[(YamlPath, Name, Option<u16>)]) {
        let mut seen: Vec<(&str, &str, &YamlPath)> = Vec::new();
        let mut listening: Vec<(u16, &YamlPath)> = Vec::new();
        for (path, name, listen) in adapters {
            if let Some((wire, _, first)) = seen
                .iter()
                .find(|(wire, rust, _)| *wire == name.wire || *rust == name.rust)
            {
                self.error_help(
                    &path.key("namespace"),
                    format!(
                        "namespace `{}` is taken by the adapter at `{first}` (`{wire}`): each adapter has a namespace of its own (its module and its --listen key)",
                        name.wire
                    ),
                    "rename one of them",
                );
            }
            seen.push((&name.wire, &name.rust, path));
            let Some(port) = listen else { continue };
            if *port == 0 {
                self.error_help(
                    &path.key("port"),
                    "port 0 is not a port to serve on",
                    "give the port the adapter serves on (`--listen NAMESPACE=ADDR:0` picks a free one when run)",
                );
                continue;
            }
            // One port, one adapter: each is a port of the container (and of `0.0.0.0`).
            if let Some((_, first)) = listening.iter().find(|(p, _)| *p == *port) {
                self.error(
                    &path.key("port"),
                    format!("port {port} is taken by the adapter at `{first}`"),
                );
            }
            listening.push((*port, path));
        }
    }
}
