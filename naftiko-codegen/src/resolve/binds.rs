//! Bound variables: `binds` (the environment, or a file's keys), `in: environment` parameters, and
//! the templates that read them (`{{VARIABLE}}`).

use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use super::Resolver;
use super::checks;
use super::ir::*;
use super::names::Name;
use super::path::YamlPath;
use crate::parse::Document;
use crate::parse::model;

impl<'a> Resolver<'a> {
    /// The variables of every `binds` entry: the capability's, then those of the files it
    /// imports (bound for the whole capability, with a warning; a `location` there is relative
    /// to the imported file, as the engine reads it).
    pub(super) fn binds(&mut self) -> Vec<BindVar> {
        let mut vars = Vec::new();
        let mut docs = Vec::new();
        imported_docs(self.root, &mut docs);
        for doc in docs {
            self.doc = doc;
            self.binds_of(doc, &mut vars);
        }
        self.doc = self.root;
        vars
    }

    fn binds_of(&mut self, doc: &'a Document, vars: &mut Vec<BindVar>) {
        let imported = !std::ptr::eq(doc, self.root);
        // The imported file's folder, relative to the capability's.
        let folder = if imported {
            let root = self.root.source.path.parent().unwrap_or(Path::new(""));
            let here = doc.source.path.parent().unwrap_or(Path::new(""));
            here.strip_prefix(root)
                .unwrap_or(Path::new(""))
                .to_path_buf()
        } else {
            PathBuf::new()
        };
        let file_name = file_name_of(doc);
        if imported && !doc.spec.binds.is_empty() {
            self.warn(
                &YamlPath::root().key("binds"),
                format!("`binds` of the imported file `{file_name}`: its variables are bound for the whole capability"),
                "declare them under the capability's own `binds`",
            );
        }
        for (i, b) in doc.spec.binds.iter().enumerate() {
            let path = YamlPath::root().key("binds").index(i);
            if b.from.is_some() || b.import.is_some() {
                self.imported_bind(doc, i, b, vars);
                continue;
            }
            let source = BindSource {
                folder: &folder,
                file_name: &file_name,
                imported,
            };
            self.bind_entry(&path, (i, b), &source, vars);
        }
    }

    /// A bind of another file of `binds` (Ikanos `from` + `import`, `as` its local namespace):
    /// read as that file declares it (its `location` relative to it).
    fn imported_bind(
        &mut self,
        doc: &'a Document,
        i: usize,
        b: &model::Bind,
        vars: &mut Vec<BindVar>,
    ) {
        let path = YamlPath::root().key("binds").index(i);
        let (Some(from), Some(import)) = (&b.from, &b.import) else {
            let (field, other) = if b.from.is_some() {
                ("from", "import")
            } else {
                ("import", "from")
            };
            self.error_help(
                &path.key(field),
                format!("`{field}` without `{other}`"),
                "an imported bind names the file (`from`) and the namespace in it (`import`)",
            );
            return;
        };
        // A file that could not be read or parsed has been reported by the loader.
        let Some(source_doc) = doc.bind_imports.get(&i) else {
            return;
        };
        let Some(k) = source_doc
            .spec
            .binds
            .iter()
            .position(|e| bind_namespace(e) == Some(import.as_str()))
        else {
            let declared: Vec<String> = source_doc
                .spec
                .binds
                .iter()
                .filter_map(|e| Some(format!("`{}`", bind_namespace(e)?)))
                .collect();
            self.error_help(
                &path.key("import"),
                format!("`{from}` declares no bind namespace `{import}`"),
                if declared.is_empty() {
                    "it declares no root `binds`".to_owned()
                } else {
                    format!("it declares {}", declared.join(", "))
                },
            );
            return;
        };
        let entry = &source_doc.spec.binds[k];
        let epath = YamlPath::root().key("binds").index(k);
        let outer = std::mem::replace(&mut self.doc, source_doc);
        if entry.from.is_some() {
            self.error_help(
                &epath.key("from"),
                "an imported bind is itself imported",
                "declare the bind in the file others import it from (imports are not transitive)",
            );
        } else {
            let root = self.root.source.path.parent().unwrap_or(Path::new(""));
            let here = source_doc.source.path.parent().unwrap_or(Path::new(""));
            let folder = here
                .strip_prefix(root)
                .unwrap_or(Path::new(""))
                .to_path_buf();
            let file_name = file_name_of(source_doc);
            let mut entry = entry.clone();
            if let Some(alias) = &b.alias {
                entry.namespace = alias.clone();
            }
            let source = BindSource {
                folder: &folder,
                file_name: &file_name,
                imported: true,
            };
            self.bind_entry(&epath, (i, &entry), &source, vars);
        }
        self.doc = outer;
    }

    /// The variables of one `binds` entry (`i` its index in the capability's).
    fn bind_entry(
        &mut self,
        path: &YamlPath,
        (i, b): (usize, &model::Bind),
        source: &BindSource<'_>,
        vars: &mut Vec<BindVar>,
    ) {
        let BindSource {
            folder,
            file_name,
            imported,
        } = *source;
        {
            let file = match b.location.as_deref() {
                None => None,
                Some(location) => match crate::parse::file_location(location, "bind location")
                    .and_then(|file| match imported {
                        true => rebased(folder, &file, location),
                        false => Ok(file),
                    })
                    .and_then(|file| match checks::file_path_problem(&file) {
                        Some(problem) => Err(problem),
                        None => Ok(file),
                    }) {
                    Ok(file) => Some(file),
                    Err(message) => {
                        // Reported; its variables are still declared, so that their uses do
                        // not add errors of their own.
                        self.error(&path.key("location"), message);
                        None
                    }
                },
            };
            for (var, env) in &b.keys {
                let Value::String(env) = env else {
                    self.error(
                        &path.key("keys").key(var),
                        format!("bind key `{var}` must name an environment variable (a string)"),
                    );
                    continue;
                };
                let bad_name = checks::variable_problem(var).or_else(|| {
                    // A file's key is read from the file; a variable is an environment's.
                    if file.is_some() {
                        None
                    } else {
                        checks::variable_problem(env)
                    }
                });
                if let Some(problem) = bad_name {
                    self.error(&path.key("keys").key(var), problem);
                    continue;
                }
                let bound = BindVar {
                    name: Name::snake(var),
                    env: if file.is_some() {
                        var.clone()
                    } else {
                        env.clone()
                    },
                    file: file.as_ref().map(|path: &String| BindFile {
                        path: path.clone(),
                        key: env.clone(),
                    }),
                    namespace: b.namespace.clone(),
                    bind_index: i,
                    declared: if imported {
                        format!(
                            "bound by `binds[{i}]` of `{file_name}`, namespace `{}`",
                            b.namespace
                        )
                    } else {
                        format!("bound by `binds[{i}]`, namespace `{}`", b.namespace)
                    },
                    from_binds: true,
                };
                if let Some(earlier) = vars.iter().find(|v: &&BindVar| v.name.wire == *var) {
                    // An imported file may repeat the capability's own bind.
                    let same = earlier.env == bound.env && earlier.file == bound.file;
                    if !(imported && same) {
                        self.error(
                            &path.key("keys").key(var),
                            format!("variable `{var}` is bound twice"),
                        );
                    }
                    continue;
                }
                vars.push(bound);
            }
        }
    }

    /// Consumed `in: environment` parameters (the engine reads the environment variable of the
    /// parameter's name and makes it a template variable of the operation): each is a variable
    /// read at start-up, like a bound one, unless a bind already declares the name.
    pub(super) fn environment_params(&mut self, vars: &mut Vec<BindVar>) {
        fn walk(doc: &Document, out: &mut Vec<(String, String)>) {
            let (_, consumes) = doc.consumes();
            for c in consumes {
                let ns = c
                    .alias
                    .clone()
                    .or_else(|| c.namespace.clone())
                    .unwrap_or_default();
                let shared = c.input_parameters.iter().map(|p| (p, format!("`{ns}`")));
                let resources = c.resources.iter().flat_map(|r| {
                    let ops = r.operations.iter().flat_map(|op| {
                        op.input_parameters
                            .iter()
                            .map(|p| (p, format!("`{ns}.{}`", op.name)))
                    });
                    r.input_parameters
                        .iter()
                        .map(|p| (p, format!("the resource `{}` of `{ns}`", r.path)))
                        .chain(ops)
                        .collect::<Vec<_>>()
                });
                for (p, owner) in shared.chain(resources) {
                    if p.location == "environment" && p.value.is_none() {
                        out.push((p.name.clone(), owner));
                    }
                }
            }
            for imported in doc.imports.values() {
                walk(imported, out);
            }
        }
        let mut found = Vec::new();
        walk(self.root, &mut found);
        // `$env.NAME` in an authentication field (the schema's form).
        fn env_refs(auth: &model::Authentication, owner: &str, out: &mut Vec<(String, String)>) {
            for (_, text) in auth.texts() {
                let Some(name) = text.trim().strip_prefix("$env.") else {
                    continue;
                };
                if !name.is_empty()
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !name.starts_with(|c: char| c.is_ascii_digit())
                {
                    out.push((name.to_owned(), owner.to_owned()));
                }
            }
        }
        let mut env_found = Vec::new();
        fn auth_refs(doc: &Document, out: &mut Vec<(String, String)>) {
            let (_, consumes) = doc.consumes();
            for c in consumes {
                let ns = c
                    .alias
                    .clone()
                    .or_else(|| c.namespace.clone())
                    .unwrap_or_default();
                if let Some(auth) = &c.authentication {
                    env_refs(auth, &format!("the authentication of `{ns}`"), out);
                }
            }
            for imported in doc.imports.values() {
                auth_refs(imported, out);
            }
        }
        auth_refs(self.root, &mut env_found);
        for adapter in &self.root.exposes {
            if let Some(auth) = adapter.authentication() {
                let ns = adapter.namespace().unwrap_or("control");
                env_refs(
                    auth,
                    &format!("the authentication of `{ns}`"),
                    &mut env_found,
                );
            }
        }
        for (name, owner) in env_found {
            if vars.iter().any(|v| v.file.is_none() && v.env == name) {
                continue;
            }
            let declared = format!("read by `$env.{name}` in {owner}");
            vars.push(BindVar {
                name: Name::snake(&format!("env_{name}")),
                env: name,
                file: None,
                namespace: "env".to_owned(),
                bind_index: 0,
                declared,
                from_binds: false,
            });
        }
        for (name, owner) in found {
            // An unusable name is refused where the parameter is read.
            if vars.iter().any(|v| v.name.wire == name) || checks::variable_problem(&name).is_some()
            {
                continue;
            }
            vars.push(BindVar {
                name: Name::snake(&name),
                env: name.clone(),
                file: None,
                namespace: "environment".to_owned(),
                bind_index: 0,
                declared: format!("read by the `in: environment` parameter of {owner}"),
                from_binds: false,
            });
        }
    }

    /// The bound variable a `{{VAR}}` / `{{env.VAR}}` template names.
    pub(super) fn bind_ref(&self, template: &str) -> Option<BindId> {
        let t = template.trim();
        // `$env.NAME` (the schema's form in authentication fields): the environment variable.
        if let Some(name) = t.strip_prefix("$env.") {
            return find_id(&self.binds, |b| b.file.is_none() && b.env == name);
        }
        let inner = t.strip_prefix("{{")?.strip_suffix("}}")?.trim();
        find_id(&self.binds, |b| {
            inner == b.name.wire
                || inner.strip_prefix(&format!("{}.", b.namespace)) == Some(&b.name.wire)
        })
    }

    /// [`Self::bind_template`] for a value that can only come from the deployment (credentials,
    /// base URIs): a `{{NAME}}` no bind declares is read as the environment variable `NAME`, at
    /// start-up like a bound one, with a warning at `path`. `Err` with a placeholder that cannot
    /// name an environment variable.
    pub(super) fn bind_template_or_env(
        &mut self,
        path: &YamlPath,
        text: &str,
    ) -> Result<Template<BindId>, String> {
        loop {
            let placeholder = match self.bind_template(text) {
                Ok(parts) => return Ok(parts),
                Err(placeholder) => placeholder,
            };
            let name = placeholder
                .trim_start_matches('{')
                .trim_end_matches('}')
                .trim()
                .to_owned();
            // The variable's name, or (`api-id`, `env.x`) its upper-case form.
            let env = if checks::variable_problem(&name).is_none() {
                name.clone()
            } else {
                name.to_ascii_uppercase().replace(['-', '.'], "_")
            };
            if checks::variable_problem(&env).is_some() {
                return Err(placeholder);
            }
            self.warn(
                path,
                format!("`{{{{{name}}}}}` names no bound variable: read from the environment variable `{env}`"),
                format!("declare it under `binds` (`- namespace: env`, `keys: {{{name}: {env}}}`)"),
            );
            self.binds.push(BindVar {
                name: Name::snake(&name),
                env,
                file: None,
                namespace: "environment".to_owned(),
                bind_index: 0,
                declared: format!("read by `{{{{{name}}}}}` (no bind declares it)"),
                from_binds: false,
            });
        }
    }

    /// Split `text` into literal text and bound variables; `Err` with the first placeholder that
    /// names no bound variable.
    pub(super) fn bind_template(&self, text: &str) -> Result<Template<BindId>, String> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            let Some(len) = rest[start..].find("}}") else {
                break;
            };
            if start > 0 {
                parts.push(Part::Text(rest[..start].to_owned()));
            }
            let placeholder = &rest[start..start + len + 2];
            match self.bind_ref(placeholder) {
                Some(bind) => parts.push(Part::Slot(bind)),
                None => return Err(placeholder.to_owned()),
            }
            rest = &rest[start + len + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_owned()));
        }
        Ok(parts)
    }
}

/// `doc` and every file it imports, recursively, in import order.
/// Where a `binds` entry is written: the folder of its file (relative to the capability's), the
/// file's name, and whether it is another file than the capability's.
#[derive(Clone, Copy)]
struct BindSource<'a> {
    folder: &'a Path,
    file_name: &'a str,
    imported: bool,
}

/// The namespace a `binds` entry declares: its own, or an imported one's local name.
fn bind_namespace(b: &model::Bind) -> Option<&str> {
    match (&b.from, &b.alias, &b.import) {
        (None, _, _) => Some(b.namespace.as_str()),
        (Some(_), Some(alias), _) => Some(alias),
        (Some(_), None, import) => import.as_deref(),
    }
}

/// The file name of `doc`, for messages.
fn file_name_of(doc: &Document) -> String {
    doc.source
        .path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn imported_docs<'a>(doc: &'a Document, out: &mut Vec<&'a Document>) {
    out.push(doc);
    for imported in doc.imports.values() {
        imported_docs(imported, out);
    }
}

/// `file` (relative to an imported file's `folder`) relative to the capability's folder.
fn rebased(folder: &Path, file: &str, location: &str) -> Result<String, String> {
    let mut parts: Vec<String> = Vec::new();
    for part in folder.join(file).components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.pop().is_none() {
                    return Err(format!(
                        "bind location `{location}` leaves the spec's folder"
                    ));
                }
            }
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!(
                    "bind location `{location}` must be relative to the spec's folder"
                ));
            }
        }
    }
    Ok(parts.join("/"))
}
