//! Consumed APIs: `consumes` entries (inline or imported from another file) and their base URIs.

use std::collections::HashMap;

use super::Resolver;
use super::checks;
use super::ir::*;
use super::names::Name;
use super::path::YamlPath;
use super::syntax::*;
use crate::parse::Document;
use crate::parse::model;

/// The client methods each operation's method comes with (`get_user_raw`; a binary answer's
/// `_request` builder and `_streamed` form).
const TWINS: &[&str] = &["raw", "request", "streamed"];

impl<'a> Resolver<'a> {
    /// `baseUri`: a fixed URL, a template of bound variables, or nothing (then `--upstream` must
    /// give it at start-up).
    pub(super) fn base_uri(&mut self, path: &YamlPath, text: &str) -> BaseUri {
        let upath = path.key("baseUri");
        let text = text.trim();
        if text.is_empty() {
            self.warn(
                &upath,
                "no `baseUri`: the server needs `--upstream` for this API at start-up",
                "write the API's base URL here",
            );
            return BaseUri::Missing;
        }
        // `https://{region}.api.example/{stage}`: OpenAPI's server variables, read as variables
        // of the deployment (`{{region}}`).
        let doubled = server_variables(text);
        let text = match &doubled {
            Some(doubled) => {
                self.warn(
                    &upath,
                    format!("`{text}`: the single-brace server variables are read as `{doubled}`"),
                    format!("write `baseUri: {doubled}`, and declare its variables under `binds`"),
                );
                doubled.as_str()
            }
            None => text,
        };
        if !(text.starts_with("http://") || text.starts_with("https://")) && text.starts_with("//")
        {
            let https = format!("https:{text}");
            self.warn(
                &upath,
                format!("`{text}` has no scheme: read as `{https}`"),
                format!("write `baseUri: {https}`"),
            );
            return self.base_uri(path, &https);
        }
        if let Some(problem) = checks::base_uri_problem(text) {
            self.error_help(
                &upath,
                problem,
                "credentials belong in `authentication`, their values in `binds`; other characters are percent-encoded (`%20`)",
            );
            return BaseUri::Missing;
        }
        if !text.contains("{{") {
            if !(text.starts_with("http://") || text.starts_with("https://")) {
                self.error(
                    &upath,
                    format!("`baseUri` must be an absolute http(s) URL, found `{text}`"),
                );
            }
            return BaseUri::Fixed(text.trim_end_matches('/').to_owned());
        }
        match self.bind_template_or_env(&upath, text) {
            Ok(mut parts) => {
                if let Some(Part::Text(t)) = parts.last_mut() {
                    *t = t.trim_end_matches('/').to_owned();
                }
                BaseUri::Template(parts)
            }
            Err(placeholder) => {
                self.error_help(
                    &upath,
                    format!("`{placeholder}` in `baseUri` names no bound variable"),
                    "declare it under `binds`",
                );
                BaseUri::Missing
            }
        }
    }

    /// An `ImportedConsumesHttp` (`location` + `import` [+ `as`]): the named adapter of the
    /// imported file, resolved in that file (its diagnostics point there), under its local name.
    pub(super) fn imported(
        &mut self,
        path: &YamlPath,
        i: usize,
        c: &model::Consumes,
    ) -> Option<Consumes> {
        let (Some(_), Some(import)) = (&c.location, &c.import) else {
            let (field, other) = if c.location.is_some() {
                ("location", "import")
            } else {
                ("import", "location")
            };
            self.error_help(
                &path.key(field),
                format!("`{field}` without `{other}`"),
                "an imported adapter names the file (`location`) and the namespace in it (`import`)",
            );
            return None;
        };
        let inline = [
            ("namespace", c.namespace.is_some()),
            ("baseUri", c.base_uri.is_some()),
            ("authentication", c.authentication.is_some()),
            ("resources", !c.resources.is_empty()),
            ("inputParameters", !c.input_parameters.is_empty()),
        ];
        if let Some((field, _)) = inline.iter().find(|(_, set)| *set) {
            self.error_help(
                &path.key(field),
                format!("an imported adapter cannot also declare `{field}`"),
                "change the imported file, or declare the adapter inline without `location`",
            );
            return None;
        }
        // A file that could not be read or parsed has been reported by the loader.
        let doc: &'a Document = self.doc.imports.get(&i)?;
        let (prefix, entries) = doc.consumes();
        let Some(k) = entries
            .iter()
            .position(|e| local_name(e) == Some(import.as_str()))
        else {
            let declared: Vec<String> = entries
                .iter()
                .filter_map(|e| local_name(e).map(|n| format!("`{n}`")))
                .collect();
            self.error_help(
                &path.key("import"),
                format!(
                    "{} declares no consumes namespace `{import}`",
                    doc.source.path.display()
                ),
                if declared.is_empty() {
                    "it declares no root `consumes`".to_owned()
                } else {
                    format!("it declares {}", declared.join(", "))
                },
            );
            return None;
        };
        let outer = std::mem::replace(&mut self.doc, doc);
        let entry = &entries[k];
        let epath = YamlPath::root().key(prefix).index(k);
        let broken_before = self.broken.len();
        let resolved = if entry.location.is_some() || entry.import.is_some() {
            self.imported(&epath, k, entry)
        } else {
            self.consumes(&epath, entry)
        };
        self.doc = outer;
        if let Some(alias) = &c.alias {
            // Operations refused in the imported file are called by the local name.
            for b in &mut self.broken[broken_before..] {
                if let Some(op) = b.strip_prefix(&format!("{import}.")) {
                    *b = format!("{alias}.{op}");
                }
            }
        }
        let mut resolved = resolved?;
        if let Some(alias) = &c.alias {
            if !self.check_namespace(&path.key("as"), alias) {
                return None;
            }
            resolved.namespace = Name::snake(alias);
        }
        if c.description.is_some() {
            resolved.description.clone_from(&c.description);
        }
        Some(resolved)
    }

    /// The client method of an operation: its name, unless an earlier operation or the client
    /// itself has it (its constructors, `base_url`, `forward`, each method's twins: `_raw`, and
    /// for a binary answer `_request` and `_streamed`);
    /// then the name with a number (a located warning). `taken` holds the methods so far, each
    /// with the operation that made it.
    fn client_method_name(
        &mut self,
        opath: &YamlPath,
        namespace: &str,
        name: &mut Name,
        taken: &mut HashMap<String, Option<String>>,
    ) {
        /// The methods every client has besides its operations'.
        const CLIENT_METHODS: &[&str] = &["new", "with_http_client", "base_url", "forward"];
        if taken.is_empty() {
            taken.extend(CLIENT_METHODS.iter().map(|m| (m.to_string(), None)));
        }
        let free = |rust: &Name, taken: &HashMap<String, Option<String>>| {
            !taken.contains_key(&rust.rust)
                && TWINS
                    .iter()
                    .all(|twin| !taken.contains_key(&rust.suffixed(twin)))
        };
        if !free(name, taken) {
            let mut n = 2;
            let mut renamed = name.clone();
            while {
                renamed.rust = format!("{}_{n}", name.rust);
                !free(&renamed, taken)
            } {
                n += 1;
            }
            let message = match taken.get(&name.rust) {
                // Seen in the wild: the same name twice. Both are generated; a `call` naming it
                // is refused as ambiguous.
                Some(Some(prev)) => format!(
                    "operation `{}` is declared twice in consumes `{namespace}` (also as `{prev}`); the second is the client method `{}`",
                    name.wire, renamed.rust
                ),
                _ => format!(
                    "operation `{}` would be the client method `{}`, which the client has already; it is `{}`",
                    name.wire, name.rust, renamed.rust
                ),
            };
            self.warn(
                &opath.key("name"),
                message,
                "give each operation of a namespace a name of its own",
            );
            *name = renamed;
        }
        taken.insert(name.rust.clone(), Some(name.wire.clone()));
        for twin in TWINS {
            taken.insert(name.suffixed(twin), Some(name.wire.clone()));
        }
    }

    pub(super) fn consumes(&mut self, path: &YamlPath, c: &model::Consumes) -> Option<Consumes> {
        let path = path.to_owned();
        if let Some(kind) = &c.kind
            && kind != "http"
        {
            self.unsupported(&path.key("type"), &format!("consumes `type: {kind}`"));
            return None;
        }
        let Some(namespace) = &c.namespace else {
            self.error(&path, "consumes entry without `namespace`");
            return None;
        };
        if !self.check_namespace(&path.key("namespace"), namespace) {
            return None;
        }
        let base_uri = self.base_uri(&path, c.base_uri.as_deref().unwrap_or(""));
        let auth = self.auth(&path, c);
        let mut operations: Vec<ConsumedOp> = Vec::new();
        let mut opaths: Vec<YamlPath> = Vec::new();
        let mut methods = HashMap::new();
        for (ri, res) in c.resources.iter().enumerate() {
            let rpath = path.key("resources").index(ri);
            // Consumes- and resource-level parameters apply to every operation below them.
            let inherited: Vec<(YamlPath, &model::ConsumedInput)> = res
                .input_parameters
                .iter()
                .enumerate()
                .map(|(i, p)| (rpath.key("inputParameters").index(i), p))
                .chain(
                    c.input_parameters
                        .iter()
                        .enumerate()
                        .map(|(i, p)| (path.key("inputParameters").index(i), p)),
                )
                .collect();
            for (oi, op) in res.operations.iter().enumerate() {
                let opath = rpath.key("operations").index(oi);
                let Some(mut resolved) = self.consumed_op(&opath, res, op, &inherited) else {
                    self.broken.push(format!("{namespace}.{}", op.name));
                    continue;
                };
                self.client_method_name(&opath, namespace, &mut resolved.name, &mut methods);
                operations.push(resolved);
                opaths.push(opath);
            }
        }
        // The API's own fixed parameters, as an operation without parameters of its own has them.
        // (Path parameters belong to the operations whose paths name them.)
        let own: Vec<(YamlPath, &model::ConsumedInput)> = c
            .input_parameters
            .iter()
            .enumerate()
            .filter(|(_, p)| p.location != "path")
            .map(|(i, p)| (path.key("inputParameters").index(i), p))
            .collect();
        let bare = model::ConsumedOperation {
            name: "forward".to_owned(),
            label: None,
            description: None,
            method: None,
            input_parameters: Vec::new(),
            body: None,
            output_raw_format: None,
            output_schema: None,
            output_parameters: Vec::new(),
            output_media_type: None,
            max_binary_size: None,
        };
        let root = model::ConsumedResource {
            name: None,
            path: "/".to_owned(),
            description: None,
            input_parameters: Vec::new(),
            operations: Vec::new(),
        };
        let constants = self
            .consumed_op(&path, &root, &bare, &own)
            .map(|op| op.constants)
            .unwrap_or_default();
        let base_path = match &base_uri {
            BaseUri::Fixed(url) => url_path(url),
            BaseUri::Template(_) | BaseUri::Missing => String::new(),
        };
        let schemas = self.openapi_types(&path, namespace, &base_path, &mut operations, &opaths);
        Some(Consumes {
            namespace: Name::snake(namespace),
            base_uri,
            description: c.description.clone(),
            auth,
            operations,
            constants,
            forwarded: false,
            schemas,
        })
    }
}

/// The path of a URL (`https://host/v1/` → `/v1`), without a trailing `/`.
fn url_path(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("", |i| &after_scheme[i..]);
    let path = path.split(['?', '#']).next().unwrap_or("");
    path.trim_end_matches('/').to_owned()
}

/// `text` with each single-brace `{name}` written `{{name}}`, when it holds one (and no `{{`).
fn server_variables(text: &str) -> Option<String> {
    if text.contains("{{") || !text.contains('{') {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let end = rest[start..].find('}')? + start;
        let name = &rest[start + 1..end];
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return None;
        }
        out.push_str(&rest[..start]);
        out.push_str("{{");
        out.push_str(name);
        out.push_str("}}");
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}
