//! Exposed REST adapters: resources, their operations and forwarding resources.

use std::collections::{HashMap, HashSet};

use super::Resolver;
use super::ir::*;
use super::names::Name;
use super::outputs::Scope;
use super::path::YamlPath;
use super::syntax::*;
use crate::parse::model;

/// A router path and a method: what one handler of the router serves.
type RouterKey = (String, Method);

/// An operation by the index of its route and its index there.
type OpAt = (usize, usize);

/// The paths of the server's own endpoints beside each REST adapter.
const OPS_PATHS: &[&str] = &["/healthz", "/readyz", "/metrics", "/openapi.json"];

/// The routes of an adapter so far, and where each path's route is among them.
#[derive(Default)]
struct Routes {
    list: Vec<Route>,
    at: HashMap<String, usize>,
}

/// A resource of a REST adapter, as its operations are resolved.
struct Resource<'r> {
    rpath: &'r YamlPath,
    res: &'r model::ExposedResource,
    /// Its path variables, as inputs.
    path_inputs: &'r [Input],
    /// The adapter's namespace.
    ns: &'r str,
    consumes: &'r [Consumes],
    /// The adapter's `maxBinarySize`.
    max_binary: Option<u64>,
}

/// The input a REST operation gains for parameter `p` of what it calls, where the spec declares
/// none named `name`: the JSON body, and query parameters and headers that flow through by name
/// (`with: {x: rest.x}` or no `with` at all); with `forced`, a query parameter for anything the
/// route does not carry otherwise.
fn rest_input(name: &str, p: &Param, forced: bool, takes_body: bool) -> Option<Input> {
    let location = match p.location {
        ParamIn::Body
            if takes_body && (same_name(name, "body") || same_name(name, &p.name.wire)) =>
        {
            InputIn::Body
        }
        // Placeholders of a body template are read from the query string too.
        ParamIn::Query | ParamIn::Template => InputIn::Query,
        ParamIn::Header => InputIn::Header,
        // A cookie for the upstream is read from the caller's query string.
        ParamIn::Cookie => InputIn::Query,
        // What the route does not carry otherwise: a query parameter.
        _ if forced => InputIn::Query,
        _ => return None,
    };
    Some(Input::for_param(name, p, location))
}

impl Resolver<'_> {
    pub(super) fn rest(
        &mut self,
        path: &YamlPath,
        r: &model::ExposesRest,
        consumes: &[Consumes],
    ) -> Option<RestAdapter> {
        if !self.check_namespace(&path.key("namespace"), &r.namespace) {
            return None;
        }
        if r.kind == "http" {
            self.warn(
                &path.key("type"),
                "`type: http` read as `type: rest`",
                "write `type: rest`",
            );
        }
        let auth = self.inbound_auth(path, r.authentication.as_deref());
        let max_binary = self.adapter_binary_size(path, r.max_binary_size.as_ref());
        let mut routes = Routes::default();
        let mut forwards: Vec<Forward> = Vec::new();
        let mut handler_names: HashSet<String> = HashSet::new();
        // Each resource's path as the router reads it, for the router's rules.
        let mut route_paths: Vec<(YamlPath, String)> = Vec::new();
        // Whether a resource takes a path of the server's own endpoints.
        let mut ops_moved = false;
        for (ri, res) in r.resources.iter().enumerate() {
            let rpath = path.key("resources").index(ri);
            if let Some(forward) = &res.forward {
                if let Some(f) = self.forward(
                    &rpath,
                    res,
                    forward,
                    consumes,
                    &forwards,
                    &mut handler_names,
                ) {
                    forwards.push(f);
                }
                continue;
            }
            let (axum_path, path_inputs) = self.route_path(&rpath, res);
            if !self.route_placed(&rpath, res, &axum_path, &mut ops_moved) {
                continue;
            }
            route_paths.push((rpath.clone(), axum_path.clone()));
            let mut route = Route {
                path: axum_path,
                router: String::new(),
                suffixes: Vec::new(),
                description: res.description.clone(),
                operations: Vec::new(),
            };
            let resource = Resource {
                rpath: &rpath,
                res,
                path_inputs: &path_inputs,
                ns: r.namespace.as_str(),
                consumes,
                max_binary,
            };
            for (oi, op) in res.operations.iter().enumerate() {
                let opath = rpath.key("operations").index(oi);
                if let Some(op) = self.rest_op(&resource, &opath, op, &route, &mut handler_names) {
                    route.operations.push(op);
                }
            }
            self.add_route(&rpath, &mut routes, route);
        }
        for f in &forwards {
            if routes.at.contains_key(&f.path) {
                self.error(
                    &path.key("resources"),
                    format!("`{}` both forwards and has operations", f.path),
                );
            }
        }
        let mut routes = routes.list;
        self.place_routers(&route_paths, &mut routes)?;
        let dispatchers = self.dispatchers(path, &mut routes, &mut handler_names);
        Some(RestAdapter {
            namespace: Name::snake(&r.namespace),
            port: r.port.unwrap_or(8080),
            address: r.address.clone(),
            description: r.description.clone(),
            auth,
            routes,
            forwards,
            dispatchers,
            ops_prefix: if ops_moved { OPS_PREFIX } else { "" },
        })
    }

    /// A resource's path as the router reads it (`/users/{id}`), and its path variables as
    /// inputs.
    fn route_path(
        &mut self,
        rpath: &YamlPath,
        res: &model::ExposedResource,
    ) -> (String, Vec<Input>) {
        let mut axum_path = String::new();
        let mut path_inputs = Vec::new();
        for part in split_path(&res.path) {
            match part {
                Ok(text) => axum_path.push_str(&text),
                Err(var) => {
                    let name = Name::snake(&var);
                    if path_inputs.iter().any(|i: &Input| i.name.rust == name.rust) {
                        self.error(
                            &rpath.key("path"),
                            format!("path variable `{var}` appears twice"),
                        );
                    }
                    axum_path.push('{');
                    axum_path.push_str(&var);
                    axum_path.push('}');
                    path_inputs.push(Input {
                        name,
                        location: InputIn::Path,
                        ty: ParamType::String,
                        required: true,
                        description: None,
                        pattern: None,
                        body_path: None,
                    });
                }
            }
        }
        (axum_path, path_inputs)
    }

    /// Whether a resource at `axum_path` can be served: not under the server's own prefix and
    /// starting with `/`. One on a path of the server's own endpoints moves them (`ops_moved`).
    fn route_placed(
        &mut self,
        rpath: &YamlPath,
        res: &model::ExposedResource,
        axum_path: &str,
        ops_moved: &mut bool,
    ) -> bool {
        if OPS_PATHS.contains(&axum_path) {
            if !*ops_moved {
                self.warn(
                    &rpath.key("path"),
                    format!("`{}` is also an endpoint of the generated server: this adapter serves its own /healthz, /readyz, /metrics and /openapi.json under `{OPS_PREFIX}`", res.path),
                    "choose another path to keep the server's endpoints at the root",
                );
            }
            *ops_moved = true;
        }
        if axum_path == OPS_PREFIX || axum_path.starts_with(&format!("{OPS_PREFIX}/")) {
            self.error_help(
                &rpath.key("path"),
                format!(
                    "`{}` is under `{OPS_PREFIX}`, the generated server's own",
                    res.path
                ),
                "choose another path",
            );
            return false;
        }
        if !axum_path.starts_with('/') {
            self.error(
                &rpath.key("path"),
                format!("exposed path `{}` must start with `/`", res.path),
            );
            return false;
        }
        true
    }

    /// One operation of a resource, served on `route` (which holds the operations before it).
    fn rest_op(
        &mut self,
        resource: &Resource<'_>,
        opath: &YamlPath,
        op: &model::ExposedOperation,
        route: &Route,
        handler_names: &mut HashSet<String>,
    ) -> Option<RestOp> {
        // A `ref` operation is its function's, resolved where the function is written.
        let merged;
        let (op, opath) = if op.reference.is_some() {
            if op.call.is_some() || op.steps.is_some() {
                self.error(
                    &opath.key("ref"),
                    "an operation with `ref` takes its `call` or `steps` from the function; remove them",
                );
                return None;
            }
            let elsewhere: Vec<String> = resource
                .path_inputs
                .iter()
                .map(|i| i.name.wire.clone())
                .chain(resource.res.input_parameters.iter().map(|i| i.name.clone()))
                .collect();
            let (fpath, operation) = self.referenced_operation(opath, op, &elsewhere)?;
            merged = operation;
            (&merged, fpath)
        } else {
            (op, opath.clone())
        };
        let method = match method(op.method.as_deref()) {
            Ok(m) => m,
            Err(e) => {
                self.error(&opath.key("method"), e);
                return None;
            }
        };
        if route.operations.iter().any(|o| o.method == method) {
            self.warn(
                &opath.key("method"),
                format!(
                    "`{}` is declared twice on `{}`: the first is served, this one left out",
                    method.as_str(),
                    resource.res.path
                ),
                "give one of them another method or path, or remove it",
            );
            return None;
        }
        let (mut runs, inputs) = self.rest_runs(resource, &opath, op, method)?;
        let base = op.name.clone().unwrap_or_else(|| {
            let words = format!("{} {}", method.lower(), resource.res.path);
            derived_name(&words, "operation")
        });
        let name = handler_name(&base, handler_names);
        let responses = self.responses(&opath, op.responses.as_ref(), runs.output());
        let declared = super::binary::contract_media_type(&responses)
            .or(op.output_media_type.as_deref())
            .map(str::to_owned);
        if let Runs::Call { output, .. } = &mut runs {
            self.served(output, resource.max_binary, declared.as_deref());
        }
        Some(RestOp {
            name,
            method,
            description: op.description.clone().or_else(|| op.label.clone()),
            tags: tags(&[&resource.res.tags, &op.tags]),
            inputs,
            runs,
            responses,
        })
    }

    /// What an operation runs — fixed outputs (mock mode), steps, or one call — and its inputs.
    fn rest_runs(
        &mut self,
        resource: &Resource<'_>,
        opath: &YamlPath,
        op: &model::ExposedOperation,
        method: Method,
    ) -> Option<(Runs, Vec<Input>)> {
        let ns = resource.ns;
        let mut inputs = resource.path_inputs.to_vec();
        self.exposed_inputs(
            resource.rpath,
            &resource.res.input_parameters,
            &mut inputs,
            false,
        );
        self.exposed_inputs(opath, &op.input_parameters, &mut inputs, false);
        let mock = op.call.is_none()
            && op.steps.is_none()
            && op.reference.is_none()
            && !op.output_parameters.is_empty();
        if mock {
            // Mock mode: fixed outputs and input templates, nothing called.
            let fields = self.mock_fields(opath, &op.output_parameters, &inputs)?;
            return Some((Runs::Mock { fields }, inputs));
        }
        if let (Some(steps), None, None) = (&op.steps, &op.reference, &op.call) {
            let (steps, output) = self.orchestration(
                opath,
                steps,
                &op.mappings,
                &op.output_parameters,
                resource.consumes,
                &["rest", ns],
                &mut inputs,
            )?;
            return Some((Runs::Steps { steps, output }, inputs));
        }
        let target = (
            op.steps.is_some(),
            op.reference.is_some(),
            op.call.as_deref(),
            Some(method),
        );
        let (ci, coi) = self.simple_call(opath, target, resource.consumes)?;
        let consumed = &resource.consumes[ci].operations[coi];
        let takes_body = !matches!(method, Method::Get | Method::Head);
        let synthesize =
            |name: &str, p: &Param, forced: bool| rest_input(name, p, forced, takes_body);
        let args = self.args(
            opath,
            (&op.with, Vec::new()),
            consumed,
            &["rest", ns],
            &mut inputs,
            &synthesize,
        );
        self.warn_unused_path_inputs(resource, &args, &inputs, (ci, coi));
        let scope = Scope {
            inputs: &inputs,
            prefixes: &["rest", ns],
        };
        let output = self.exposed_output(opath, &op.output_parameters, consumed, &scope);
        let call = Call {
            consumes: ci,
            operation: coi,
            args,
        };
        Some((Runs::Call { call, output }, inputs))
    }

    /// A path variable the call does not pass on is a warning.
    fn warn_unused_path_inputs(
        &mut self,
        resource: &Resource<'_>,
        args: &[Arg],
        inputs: &[Input],
        (ci, coi): (ConsumesId, OperationId),
    ) {
        let consumes = &resource.consumes[ci];
        for (ii, input) in with_ids(inputs) {
            let used = args.iter().any(|a| match &a.source {
                ArgSource::Input(i) => *i == ii,
                ArgSource::Template(parts) => parts.contains(&Part::Slot(ii)),
                ArgSource::Literal(_) | ArgSource::Step { .. } => false,
            });
            if !used && input.location == InputIn::Path && !input.name.wire.is_empty() {
                self.warn(
                    &resource.rpath.key("path"),
                    format!(
                        "path variable `{}` is not passed to `{}.{}`",
                        input.name.wire,
                        consumes.namespace.wire,
                        consumes.operations[coi].name.wire
                    ),
                    "pass it with `with`, or remove it from the path",
                );
            }
        }
    }

    /// Add `route`'s operations to the route of its path (a method declared twice there is
    /// left out, warned), or add it as a new route.
    fn add_route(&mut self, rpath: &YamlPath, routes: &mut Routes, route: Route) {
        let Some(existing) = routes.at.get(&route.path).map(|&i| &mut routes.list[i]) else {
            if !route.operations.is_empty() {
                routes.at.insert(route.path.clone(), routes.list.len());
                routes.list.push(route);
            }
            return;
        };
        for op in route.operations {
            if existing.operations.iter().any(|o| o.method == op.method) {
                self.warn(
                    &rpath.key("path"),
                    format!(
                        "`{} {}` is declared twice: the first is served, this one left out",
                        op.method.as_str(),
                        existing.path
                    ),
                    "give one of them another method or path, or remove it",
                );
            } else {
                existing.operations.push(op);
            }
        }
    }

    /// The router path and suffixes of each route, by the router's rules (`None` when the
    /// paths cannot share one router).
    fn place_routers(
        &mut self,
        route_paths: &[(YamlPath, String)],
        routes: &mut [Route],
    ) -> Option<()> {
        let router_paths = self.check_routes(route_paths)?;
        let by_path: HashMap<&str, &(String, Vec<String>)> = route_paths
            .iter()
            .map(|(_, p)| p.as_str())
            .zip(&router_paths.0)
            .collect();
        for route in routes {
            if let Some((router, suffixes)) = by_path.get(route.path.as_str()) {
                route.router = router.clone();
                route.suffixes = suffixes.clone();
            }
        }
        Some(())
    }

    /// The operations that share a router path and method (`/{id}:cancel` and
    /// `/{id}:approve`), told apart by the text after their variables; one that no request
    /// could reach (the same text as an earlier one) is left out with a warning.
    fn dispatchers(
        &mut self,
        path: &YamlPath,
        routes: &mut [Route],
        handler_names: &mut HashSet<String>,
    ) -> Vec<Dispatcher> {
        // Operations by (route, operation) index, grouped by router path and method in the
        // order first seen.
        let mut groups: Vec<(RouterKey, Vec<OpAt>)> = Vec::new();
        let mut group_of: HashMap<RouterKey, usize> = HashMap::new();
        let mut unreachable: Vec<OpAt> = Vec::new();
        for (ri, route) in routes.iter().enumerate() {
            for (oi, op) in route.operations.iter().enumerate() {
                let key = (route.router.clone(), op.method);
                let at = *group_of.entry(key.clone()).or_insert_with(|| {
                    groups.push((key, Vec::new()));
                    groups.len() - 1
                });
                let same = groups[at]
                    .1
                    .iter()
                    .find(|&&(r, _)| routes[r].suffixes == route.suffixes);
                match same {
                    Some(&(r, _)) => {
                        self.warn(
                            &path.key("resources"),
                            format!(
                                "`{} {}` is reached by the same requests as `{}`: the first is served, this one left out",
                                op.method.as_str(),
                                route.path,
                                routes[r].path
                            ),
                            "name the variable alike and declare the method once, or change one path",
                        );
                        unreachable.push((ri, oi));
                    }
                    None => groups[at].1.push((ri, oi)),
                }
            }
        }
        for &(ri, oi) in unreachable.iter().rev() {
            routes[ri].operations.remove(oi);
        }
        // Indexes of operations after the removed ones moved down: count them again.
        let moved = |(ri, oi): OpAt| {
            let before = unreachable
                .iter()
                .filter(|&&(r, o)| r == ri && o < oi)
                .count();
            (ri, oi - before)
        };
        let mut dispatchers = Vec::new();
        for ((router, method), members) in groups {
            if members.len() < 2 {
                continue;
            }
            let mut candidates: Vec<OpAt> = members.into_iter().map(moved).collect();
            // The most text to match first: `/{id}` takes whatever the others do not.
            candidates.sort_by_key(|&(r, _)| {
                std::cmp::Reverse(routes[r].suffixes.iter().map(String::len).sum::<usize>())
            });
            let base = format!("{} {router}", method.lower());
            dispatchers.push(Dispatcher {
                name: handler_name(&base, handler_names),
                method,
                router,
                candidates,
            });
        }
        dispatchers
    }

    /// A resource that forwards every request to a consumed API: the method, the path after
    /// the resource's fixed prefix, the query and the body as received, the trusted headers.
    pub(super) fn forward(
        &mut self,
        rpath: &YamlPath,
        res: &model::ExposedResource,
        forward: &model::Forward,
        consumes: &[Consumes],
        earlier: &[Forward],
        handler_names: &mut HashSet<String>,
    ) -> Option<Forward> {
        let fpath = rpath.key("forward");
        if !res.operations.is_empty() {
            self.error_help(
                &fpath,
                "a resource either forwards or declares `operations`, not both",
                "move the operations to a resource of their own",
            );
            return None;
        }
        let Some(target) = forward.target_namespace.as_deref() else {
            self.error(
                &fpath,
                "`forward` needs `targetNamespace` (a consumes namespace)",
            );
            return None;
        };
        if self.broken.iter().any(|b| b == target) {
            return None;
        }
        let Some(ci) = find_id(consumes, |c| c.namespace.wire == target) else {
            let known: Vec<&str> = consumes.iter().map(|c| c.namespace.wire.as_str()).collect();
            self.error_help(
                &fpath.key("targetNamespace"),
                format!("`{target}` is not a consumes namespace"),
                format!("known namespaces: {}", known.join(", ")),
            );
            return None;
        };
        let mut trusted_headers = Vec::new();
        for (i, name) in forward.trusted_headers.iter().enumerate() {
            match name {
                name if !reqwest_header_name_invalid(name) => {
                    trusted_headers.push(name.to_ascii_lowercase())
                }
                _ => {
                    self.error(
                        &fpath.key("trustedHeaders").index(i),
                        "not a valid header name",
                    );
                    return None;
                }
            }
        }
        // No variable: the request path is forwarded; one final variable: what follows the
        // fixed prefix (any number of segments).
        let parts = split_path(&res.path);
        let (path, prefix) = match parts.as_slice() {
            [Ok(fixed)] => (fixed.clone(), None),
            [Ok(prefix), Err(var)] if prefix.ends_with('/') => {
                (format!("{prefix}{{*{var}}}"), Some(prefix.clone()))
            }
            _ => {
                self.unsupported(
                    &rpath.key("path"),
                    "a forwarding path other than a fixed path or a fixed prefix and one final variable",
                );
                return None;
            }
        };
        if !path.starts_with('/') {
            self.error(
                &rpath.key("path"),
                format!("exposed path `{}` must start with `/`", res.path),
            );
            return None;
        }
        if earlier.iter().any(|f| f.path == path) {
            self.error(
                &rpath.key("path"),
                format!("`{}` is forwarded twice", res.path),
            );
            return None;
        }
        let base = res
            .name
            .clone()
            .unwrap_or_else(|| derived_name(&format!("forward {}", res.path), "forward"));
        let name = handler_name(&base, handler_names);
        Some(Forward {
            name,
            path,
            prefix,
            consumes: ci,
            trusted_headers,
        })
    }
}

/// The name of a handler of an adapter module made from `base`: with a number when another
/// handler (in `taken`) or the module's own items have it. A handler `x` may come with the
/// function `x_output` (what it answers): `taken` holds both.
fn handler_name(base: &str, taken: &mut HashSet<String>) -> Name {
    // The adapter module's own items keep their names.
    const OWN: &[&str] = &["router", "router_with_body_limit", "routing", "rest"];
    if taken.is_empty() {
        taken.extend(OWN.iter().map(ToString::to_string));
    }
    let clashes = |name: &Name, taken: &HashSet<String>| {
        taken.contains(&name.rust) || taken.contains(&name.suffixed("output"))
    };
    let mut name = Name::snake(base);
    let mut n = 2;
    while clashes(&name, taken) {
        name = Name::snake(&format!("{base}-{n}"));
        n += 1;
    }
    taken.insert(name.suffixed("output"));
    taken.insert(name.rust.clone());
    name
}

/// The strings of `lists` (each a `tags` value), each once, in order.
pub(super) fn tags(lists: &[&serde_json::Value]) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in lists
        .iter()
        .filter_map(|l| l.as_array())
        .flatten()
        .filter_map(|t| t.as_str())
    {
        if !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_owned());
        }
    }
    tags
}
