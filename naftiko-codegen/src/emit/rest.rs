//! One axum router per exposed REST adapter: `src/rest/<namespace>.rs`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::code::{docs, module_docs};
use crate::resolve::ir::ParamId;
use crate::resolve::ir::{
    Arg, ArgSource, Call, Capability, Dispatcher, Forward, Input, InputIn, Method, MockValue,
    Output, Param, ParamType, RawFormat, RestAdapter, RestOp, Route, Runs, Step,
};
use crate::resolve::names::Name;

pub(super) fn emit(cap: &Capability, a: &RestAdapter, root: &TokenStream) -> TokenStream {
    let module_docs = module_docs(&adapter_text(cap, a));
    let port = proc_macro2::Literal::u16_unsuffixed(a.port);
    let routes = route_table(a);
    let dispatchers = a.dispatchers.iter().map(|d| dispatcher(a, d));
    let forward_routes = a.forwards.iter().map(|f| {
        let path = &f.path;
        let h = f.name.ident();
        quote! { .route(#path, routing::any(#h)) }
    });
    let forward_handlers = a.forwards.iter().map(|f| forward_handler(cap, f, root));
    let outputs = a
        .routes
        .iter()
        .flat_map(|r| &r.operations)
        .filter_map(|op| match op.runs.output() {
            Some(Output::Shaped { root: shape, .. }) => {
                Some(super::shape::output(&op.name, shape, root).0)
            }
            Some(Output::PassThrough { .. }) | None => None,
        });
    let handlers = a.routes.iter().flat_map(|route| {
        route
            .operations
            .iter()
            .map(move |op| handler(cap, route, op, root))
    });
    let uses_path = a
        .routes
        .iter()
        .flat_map(|r| &r.operations)
        .any(|op| op.inputs.iter().any(|i| i.location == InputIn::Path));
    let uses_query = a
        .routes
        .iter()
        .flat_map(|r| &r.operations)
        .any(|op| op.inputs.iter().any(|i| i.location == InputIn::Query));
    let uses_headers = a
        .routes
        .iter()
        .flat_map(|r| &r.operations)
        .any(|op| op.inputs.iter().any(|i| i.location == InputIn::Header));
    let uses_body = a.routes.iter().flat_map(|r| &r.operations).any(|op| {
        op.inputs
            .iter()
            .any(|i| matches!(i.location, InputIn::Body | InputIn::BodyField))
    });
    // Mock operations call nothing: they take no upstreams.
    let uses_state = !a.forwards.is_empty()
        || a.routes
            .iter()
            .flat_map(|r| &r.operations)
            .any(|op| !matches!(op.runs, Runs::Mock { .. }));
    let mut extract: Vec<TokenStream> = uses_state.then(|| quote!(State)).into_iter().collect();
    let mut rejections = Vec::new();
    if uses_path {
        extract.push(quote!(Path));
        rejections.push(quote!(PathRejection));
    }
    if uses_query {
        extract.push(quote!(Query));
        rejections.push(quote!(QueryRejection));
    }
    if uses_body {
        rejections.push(quote!(BytesRejection));
    }
    let extract_use = (!extract.is_empty()).then(|| quote!(use axum::extract::{#(#extract),*};));
    let rejection_use =
        (!rejections.is_empty()).then(|| quote!(use axum::extract::rejection::{#(#rejections),*};));
    let body_use = uses_body.then(|| {
        quote!(
            use axum::body::Bytes;
        )
    });
    // Handlers that read a JSON body read its `Content-Type` too.
    let headers_use = (uses_headers || uses_body).then(|| {
        quote!(
            use axum::http::HeaderMap;
        )
    });
    let map_use = uses_query.then(|| {
        quote!(
            use std::collections::HashMap;
        )
    });
    let adapter = &a.namespace.wire;
    let router = quote! {
        rest::with_answer_budget(
            Router::new()
                #(#routes)*
                #(#forward_routes)*
                .fallback(rest::not_found)
                .method_not_allowed_fallback(rest::method_not_allowed)
                .layer(axum::extract::DefaultBodyLimit::max(max_body_bytes))
                .with_state(upstreams),
            #adapter,
        )
    };
    let (guard_param, guard_arg, guard_doc, guarded) =
        super::adapter::guard_parts(&a.auth, root, router);
    quote! {
        #module_docs

        #map_use
        use std::sync::Arc;

        #body_use
        #rejection_use
        #extract_use
        #headers_use
        use axum::response::Response;
        use axum::{Router, routing};

        use #root::runtime::rest;
        use #root::Upstreams;

        /// The port the spec declares for this adapter.
        pub const DEFAULT_PORT: u16 = #port;

        /// The adapter's routes, ready to serve or to mount in your own app (`Router::merge`,
        /// `Router::nest`). Request bodies are limited to 1 MiB.
        #guard_doc
        pub fn router(upstreams: Arc<Upstreams> #guard_param) -> Router {
            router_with_body_limit(upstreams, rest::DEFAULT_MAX_BODY_BYTES #guard_arg)
        }

        /// [`router`] with another limit on request bodies (larger bodies get 413).
        pub fn router_with_body_limit(upstreams: Arc<Upstreams>, max_body_bytes: usize #guard_param) -> Router {
            #guarded
        }

        #(#handlers)*

        #(#dispatchers)*

        #(#forward_handlers)*

        #(#outputs)*
    }
}

/// The module docs of a REST adapter: what it is, and the table of its routes and what they
/// call.
fn adapter_text(cap: &Capability, a: &RestAdapter) -> String {
    let mut text = format!("REST adapter `{}`.", a.namespace.wire);
    if let Some(d) = &a.description {
        text.push_str("\n\n");
        text.push_str(d.trim());
    }
    text.push_str("\n\n| Method | Path | Calls |\n|---|---|---|");
    for route in &a.routes {
        for op in &route.operations {
            let target = super::adapter::target(cap, &op.runs);
            text.push_str(&format!(
                "\n| {} | `{}` | `{target}` |",
                op.method.as_str(),
                route.path
            ));
        }
    }
    text
}

/// The router's `.route(…)` calls: one per router path, each method to its handler (or to
/// the dispatcher of the operations that share it).
fn route_table(a: &RestAdapter) -> Vec<TokenStream> {
    let mut paths: Vec<&str> = Vec::new();
    for route in &a.routes {
        if !route.operations.is_empty() && !paths.contains(&route.router.as_str()) {
            paths.push(&route.router);
        }
    }
    paths
        .into_iter()
        .map(|router| {
            let mut methods: Vec<(Method, &Name)> = Vec::new();
            for route in a.routes.iter().filter(|r| r.router == router) {
                for op in &route.operations {
                    if methods.iter().any(|(m, _)| *m == op.method) {
                        continue;
                    }
                    let name = a
                        .dispatchers
                        .iter()
                        .find(|d| d.router == router && d.method == op.method)
                        .map_or(&op.name, |d| &d.name);
                    methods.push((op.method, name));
                }
            }
            let calls = methods.iter().enumerate().map(|(i, (method, name))| {
                let m = format_ident!("{}", method.lower());
                let h = name.ident();
                if i == 0 {
                    quote!(routing::#m(#h))
                } else {
                    quote!(.#m(#h))
                }
            });
            quote! { .route(#router, #(#calls)*) }
        })
        .collect()
}

/// The handler of operations that share a router path and method: the first whose texts after
/// its variables the request's path has serves it.
fn dispatcher(a: &RestAdapter, d: &Dispatcher) -> TokenStream {
    let name = d.name.ident();
    // How many segments after each variable's own: the router may be nested under a prefix.
    let segments: Vec<&str> = d.router.split('/').collect();
    let from_end: Vec<usize> = segments
        .iter()
        .enumerate()
        .filter(|(_, s)| s.contains('{'))
        .map(|(i, _)| segments.len() - 1 - i)
        .collect();
    let mut text = format!(
        "`{} {}`, told apart by the end of its segments:\n",
        d.method.as_str(),
        d.router
    );
    let mut branches = Vec::new();
    let mut fallback = None;
    for &(ri, oi) in &d.candidates {
        let (route, op) = (&a.routes[ri], &a.routes[ri].operations[oi]);
        text.push_str(&format!("\n- `{}` → [`{}`]", route.path, op.name.rust));
        let h = op.name.ident();
        let checks: Vec<TokenStream> = route
            .suffixes
            .iter()
            .zip(&from_end)
            .filter(|(suffix, _)| !suffix.is_empty())
            .map(|(suffix, &n)| {
                let n = proc_macro2::Literal::usize_unsuffixed(n);
                quote!(rest::segment_ends_with(path, #n, #suffix))
            })
            .collect();
        if checks.is_empty() {
            fallback = Some(quote!(Handler::call(#h, request, upstreams).await));
            break;
        }
        branches.push(quote! {
            if #(#checks)&&* {
                return Handler::call(#h, request, upstreams).await;
            }
        });
    }
    let fallback = fallback.unwrap_or_else(|| quote!(rest::not_found().await));
    let doc = docs(Some(&text));
    quote! {
        #doc
        async fn #name(
            axum::extract::State(upstreams): axum::extract::State<Arc<Upstreams>>,
            request: axum::extract::Request,
        ) -> Response {
            use axum::handler::Handler;
            let path = request.uri().path();
            #(#branches)*
            #fallback
        }
    }
}

fn handler(cap: &Capability, route: &Route, op: &RestOp, root: &TokenStream) -> TokenStream {
    let path = &route.path;
    let mut text = op.description.clone().unwrap_or_default();
    let target = super::adapter::target(cap, &op.runs);
    text.push_str(&format!("\n\n`{} {path}` → `{target}`", op.method.as_str()));
    let doc = docs(Some(text.trim()));
    let used = op.runs.used_inputs(op.inputs.len());
    let mut x = Extractors {
        params: vec![quote!(State(upstreams): State<Arc<Upstreams>>)],
        reads: Vec::new(),
    };
    x.path(route, op, &used);
    x.query(op, &used);
    x.headers(op, &used);
    x.body(op, &used);
    x.body_fields(op, &used, root);
    for (i, input) in op.inputs.iter().enumerate() {
        if used[i] {
            x.reads.push(super::adapter::pattern_check(
                input,
                &quote!(rest::pattern_mismatch),
                &quote!(#root::runtime),
            ));
        }
    }
    let Extractors { params, reads } = x;
    match &op.runs {
        Runs::Call { call, output } => {
            call_handler(cap, op, (call, output), &doc, &params, &reads, root)
        }
        Runs::Mock { fields } => mock_handler(op, fields, &doc, &params, &reads, root),
        Runs::Steps { steps, .. } => {
            orchestrated_handler(cap, op, steps, &doc, &params, &reads, root)
        }
    }
}

/// A handler's extractors (its parameters) and the statements that read its inputs from them.
struct Extractors {
    params: Vec<TokenStream>,
    reads: Vec<TokenStream>,
}

impl Extractors {
    /// The path variables (one `Path` extractor), with the text after a variable in its segment
    /// stripped.
    fn path(&mut self, route: &Route, op: &RestOp, used: &[bool]) {
        let used = |i: usize| used[i];
        let (params, reads) = (&mut self.params, &mut self.reads);
        let path_inputs: Vec<(usize, &Input)> = op
            .inputs
            .iter()
            .enumerate()
            .filter(|(_, i)| i.location == InputIn::Path)
            .collect();
        if path_inputs.is_empty() {
            return;
        }
        {
            let pats: Vec<TokenStream> = path_inputs
                .iter()
                .map(|(i, input)| {
                    if used(*i) {
                        let l = super::adapter::local(input);
                        quote!(#l)
                    } else {
                        quote!(_)
                    }
                })
                .collect();
            // A variable with text after it in its segment binds even where unused: the text
            // tells whether the path is this route's.
            let suffixed = |k: usize| route.suffixes.get(k).is_some_and(|s| !s.is_empty());
            let pats: Vec<TokenStream> = pats
                .into_iter()
                .enumerate()
                .map(|(k, pat)| {
                    if suffixed(k) {
                        let l = super::adapter::local(path_inputs[k].1);
                        quote!(#l)
                    } else {
                        pat
                    }
                })
                .collect();
            let strips: Vec<TokenStream> = path_inputs
                .iter()
                .enumerate()
                .filter(|&(k, _)| suffixed(k))
                .map(|(k, (i, input))| {
                    let l = super::adapter::local(input);
                    let suffix = &route.suffixes[k];
                    if used(*i) {
                        quote! { let #l = rest::strip_suffix(#l, #suffix)?; }
                    } else {
                        quote! { rest::strip_suffix(#l, #suffix)?; }
                    }
                })
                .collect();
            let strings = path_inputs.iter().map(|_| quote!(String));
            if pats.len() == 1 {
                params.push(quote!(path_params: Result<Path<String>, PathRejection>));
                let p = &pats[0];
                reads.push(quote! { let Path(#p) = path_params.map_err(rest::bad_path)?; });
            } else {
                params.push(quote!(path_params: Result<Path<(#(#strings),*)>, PathRejection>));
                reads.push(
                    quote! { let Path((#(#pats),*)) = path_params.map_err(rest::bad_path)?; },
                );
            }
            reads.extend(strips);
        }
    }

    /// The query parameters the call uses (one `Query` extractor), converted to their types.
    fn query(&mut self, op: &RestOp, used: &[bool]) {
        let used = |i: usize| used[i];
        let (params, reads) = (&mut self.params, &mut self.reads);
        let query_inputs: Vec<_> = op
            .inputs
            .iter()
            .enumerate()
            .filter(|(i, x)| x.location == InputIn::Query && used(*i))
            .collect();
        if !query_inputs.is_empty() {
            params
                .push(quote!(query_params: Result<Query<HashMap<String, String>>, QueryRejection>));
            reads
                .push(quote! { let Query(query_params) = query_params.map_err(rest::bad_query)?; });
            for (_, input) in query_inputs {
                let l = super::adapter::local(input);
                let wire = &input.name.wire;
                let convert = match input.ty {
                    ParamType::Array => quote!(.map(|v| rest::list(v))),
                    ParamType::Object => quote!(.map(|v| rest::json_object(#wire, v)).transpose()?),
                    ParamType::Json => quote!(.map(|v| rest::json_or_text(v))),
                    _ => quote!(),
                };
                reads.push(if input.required {
                quote! { let #l = query_params.get(#wire) #convert .ok_or_else(|| rest::missing(#wire, "query parameter"))?; }
            } else {
                quote! { let #l = query_params.get(#wire) #convert; }
            });
            }
        }
    }

    /// The headers the call uses; the header map is extracted too where a JSON body is read
    /// (its `Content-Type` is checked).
    fn headers(&mut self, op: &RestOp, used: &[bool]) {
        let used = |i: usize| used[i];
        let (params, reads) = (&mut self.params, &mut self.reads);
        let header_inputs: Vec<_> = op
            .inputs
            .iter()
            .enumerate()
            .filter(|(i, x)| x.location == InputIn::Header && used(*i))
            .collect();
        let reads_body = op
            .inputs
            .iter()
            .enumerate()
            .any(|(i, x)| matches!(x.location, InputIn::Body | InputIn::BodyField) && used(i));
        // The JSON body's `Content-Type` is checked: the headers are read for it too.
        if !header_inputs.is_empty() || reads_body {
            params.push(quote!(headers: HeaderMap));
        }
        if !header_inputs.is_empty() {
            for (_, input) in header_inputs {
                let l = super::adapter::local(input);
                let wire = &input.name.wire;
                let convert = match input.ty {
                    ParamType::Array => quote!(.map(rest::list)),
                    ParamType::Object => quote!(.map(|v| rest::json_object(#wire, v)).transpose()?),
                    ParamType::Json => quote!(.map(rest::json_or_text)),
                    _ => quote!(),
                };
                reads.push(if input.required {
                quote! { let #l = rest::header(&headers, #wire)? #convert .ok_or_else(|| rest::missing(#wire, "header"))?; }
            } else {
                quote! { let #l = rest::header(&headers, #wire)? #convert; }
            });
            }
        }
    }

    /// The whole JSON body, where an input is the body.
    fn body(&mut self, op: &RestOp, used: &[bool]) {
        let used = |i: usize| used[i];
        let (params, reads) = (&mut self.params, &mut self.reads);
        if let Some((_, input)) = op
            .inputs
            .iter()
            .enumerate()
            .find(|(i, x)| x.location == InputIn::Body && used(*i))
        {
            params.push(quote!(request_body: Result<Bytes, BytesRejection>));
            let l = super::adapter::local(input);
            let expect = if input.ty == ParamType::Array {
                quote!(rest::Expect::Array)
            } else {
                quote!(rest::Expect::Object)
            };
            reads.push(if input.required {
                quote! { let #l = rest::required_json_body(&headers, request_body, #expect)?; }
            } else {
                quote! { let #l = rest::json_body(&headers, request_body, #expect)?; }
            });
        }
    }

    /// Declared `in: body` inputs: fields of one JSON object, read like MCP arguments.
    fn body_fields(&mut self, op: &RestOp, used: &[bool], root: &TokenStream) {
        let used = |i: usize| used[i];
        let (params, reads) = (&mut self.params, &mut self.reads);
        let fields: Vec<&Input> = op
            .inputs
            .iter()
            .enumerate()
            .filter(|(i, x)| x.location == InputIn::BodyField && used(*i))
            .map(|(_, x)| x)
            .collect();
        if !fields.is_empty() {
            // Declared `in: body` inputs are fields of one JSON object, read like MCP arguments.
            params.push(quote!(request_body: Result<Bytes, BytesRejection>));
            reads.push(quote! {
                let request_body = rest::json_body(&headers, request_body, rest::Expect::Object)?;
            });
            if fields.iter().any(|f| f.body_path.is_none()) {
                reads.push(quote! { let body_fields = rest::body_fields(&request_body); });
            }
            for input in fields {
                let l = super::adapter::local(input);
                let f = super::adapter::argument_reader(input);
                reads.push(match &input.body_path {
                None => {
                    let wire = &input.name.wire;
                    quote! {
                        let #l = #root::runtime::args::#f(body_fields, #wire).map_err(rest::invalid_field)?;
                    }
                }
                // `value: $.a.b`: field `b` of the object at `$.a`.
                Some(path) => {
                    let (last, parents) = path.steps.split_last().expect("a field name");
                    let crate::resolve::ir::PathStep::Key(field) = last else {
                        unreachable!("checked by the resolver")
                    };
                    let parents = parents.iter().map(|s| match s {
                        crate::resolve::ir::PathStep::Key(k) => quote!(#root::runtime::map::Step::Key(#k)),
                        crate::resolve::ir::PathStep::Index(i) => {
                            let i = proc_macro2::Literal::usize_unsuffixed(*i);
                            quote!(#root::runtime::map::Step::Index(#i))
                        }
                    });
                    let text = &path.text;
                    quote! {
                        let #l = #root::runtime::args::#f(rest::fields_at(&request_body, &[#(#parents),*]), #field)
                            .map_err(|_| rest::invalid_body_value(#text))?;
                    }
                }
            });
            }
        }
    }
}

/// The handler of an operation that makes one call: the upstream's answer passed on, or shaped.
fn call_handler(
    cap: &Capability,
    op: &RestOp,
    (call, output): (&Call, &Output),
    doc: &TokenStream,
    params: &[TokenStream],
    reads: &[TokenStream],
    root: &TokenStream,
) -> TokenStream {
    let name = op.name.ident();
    let c = &cap.consumes[call.consumes];
    let consumed = &c.operations[call.operation];
    let args = consumed.params.iter().enumerate().map(|(pi, p)| {
        let pi = ParamId::new(pi);
        arg_tokens(p, call.args.iter().find(|a| a.param == pi), &op.inputs)
    });
    let client = c.namespace.ident();
    // A binary answer is passed on as it arrives.
    let raw = match output.binary() {
        Some(_) => consumed.name.suffixed_ident("streamed"),
        None => consumed.name.suffixed_ident("raw"),
    };
    let respond = match output {
        Output::PassThrough {
            format: RawFormat::Json,
            ..
        } => quote!(rest::pass_through(result)),
        Output::PassThrough {
            format: RawFormat::Binary(answer),
            ..
        } => {
            let (declared, max) = super::adapter::binary_limits(answer);
            quote!(rest::streamed_binary(result, #declared, #max).await)
        }
        // Other formats pass through as the upstream sent them.
        Output::PassThrough { .. } => quote!(rest::pass_through_text(result)),
        Output::Shaped {
            format,
            root: shape,
            ..
        } => {
            let shape = super::adapter::shape_function(&op.name, shape, &op.inputs);
            let format = super::code::format_reader(format, root);
            quote!(rest::shaped(result, #format, #shape))
        }
    };
    let call_args = super::client::call_arguments(root, &client, consumed, args.collect());
    let check = super::adapter::answer_check(
        output,
        super::types::documented(consumed),
        consumed,
        quote!(upstreams.#client),
    );
    quote! {
        #doc
        async fn #name(#(#params),*) -> Result<Response, #root::runtime::problem::Problem> {
            #(#reads)*
            let result = upstreams.#client.#raw(#call_args).await;
            #check
            Ok(#respond)
        }
    }
}

/// The handler of a mock operation: the object of its fixed outputs and input templates.
fn mock_handler(
    op: &RestOp,
    fields: &[(crate::resolve::names::Name, MockValue)],
    doc: &TokenStream,
    params: &[TokenStream],
    reads: &[TokenStream],
    root: &TokenStream,
) -> TokenStream {
    let name = op.name.ident();
    let members = super::adapter::mock_members(fields, &op.inputs);
    // Nothing is called: the handler takes no upstreams.
    let params = &params[1..];
    quote! {
        #doc
        async fn #name(#(#params),*) -> Result<Response, #root::runtime::problem::Problem> {
            #(#reads)*
            Ok(rest::mock(&[#(#members),*]))
        }
    }
}

/// The handler of an orchestrated operation: its steps, then the output shaped from their
/// results.
fn orchestrated_handler(
    cap: &Capability,
    op: &RestOp,
    steps: &[Step],
    doc: &TokenStream,
    params: &[TokenStream],
    reads: &[TokenStream],
    root: &TokenStream,
) -> TokenStream {
    let name = op.name.ident();
    let shape = op.name.suffixed_ident("output");
    let steps = super::steps::run(
        cap,
        steps,
        root,
        &quote!(upstreams),
        &|p, arg| arg_tokens(p, arg, &op.inputs),
        &quote!(Ok(rest::upstream_error(err))),
    );
    quote! {
        #doc
        async fn #name(#(#params),*) -> Result<Response, #root::runtime::problem::Problem> {
            #(#reads)*
            #steps
            Ok(rest::orchestrated(&steps, #shape))
        }
    }
}

/// The argument of consumed parameter `p` (`None` when `with` gives it nothing).
fn arg_tokens(p: &Param, arg: Option<&Arg>, inputs: &[Input]) -> TokenStream {
    let Some(arg) = arg else {
        return quote!(None);
    };
    match &arg.source {
        ArgSource::Literal(v) => super::adapter::literal(v, p.ty, p.required),
        ArgSource::Template(parts) => super::adapter::template(parts, inputs, p.required),
        ArgSource::Step { .. } => {
            unreachable!("arguments from earlier steps are read by `steps::run`")
        }
        // Body fields are read like MCP arguments.
        ArgSource::Input(i) if inputs[*i].location == InputIn::BodyField => {
            super::adapter::argument(p, Some(arg), inputs)
        }
        ArgSource::Input(i) => {
            let input = &inputs[*i];
            let l = super::adapter::local(input);
            let wire = &input.name.wire;
            match (input.location, p.ty) {
                // A path segment as a JSON string.
                (InputIn::Path, ParamType::Json) if p.required => {
                    quote!(&serde_json::Value::from(#l.as_str()))
                }
                (InputIn::Path, ParamType::Json) => {
                    quote!(Some(&serde_json::Value::from(#l.as_str())))
                }
                // A JSON value: the body, or a list read from text.
                (InputIn::Body, _)
                | (_, ParamType::Array | ParamType::Object | ParamType::Json) => {
                    match (input.required, p.required) {
                        (true, true) => quote!(&#l),
                        (true, false) => quote!(Some(&#l)),
                        _ => quote!(#l.as_ref()),
                    }
                }
                (location, ParamType::String) => match (input.required, p.required, location) {
                    (true, true, InputIn::Path) => quote!(&#l),
                    (true, true, _) => quote!(#l),
                    (true, false, InputIn::Header) => quote!(Some(#l)),
                    (true, false, _) => quote!(Some(#l.as_str())),
                    (false, _, InputIn::Header) => quote!(#l),
                    (false, _, _) => quote!(#l.map(String::as_str)),
                },
                (_, ty) => {
                    let (rust, kind) = match ty {
                        ParamType::Integer => (quote!(i64), "an integer"),
                        ParamType::Number => (quote!(f64), "a number"),
                        _ => (quote!(bool), "true or false"),
                    };
                    // Path values are owned `String`s; query values and headers are borrowed.
                    let text = if input.location == InputIn::Path {
                        quote!(&#l)
                    } else {
                        quote!(#l)
                    };
                    match (input.required, p.required) {
                        (true, true) => quote!(rest::parse::<#rust>(#wire, #kind, #text)?),
                        (true, false) => quote!(Some(rest::parse::<#rust>(#wire, #kind, #text)?)),
                        _ => quote!(#l.map(|v| rest::parse::<#rust>(#wire, #kind, v)).transpose()?),
                    }
                }
            }
        }
    }
}

/// The handler of a forwarding resource: every method, passed on to the consumed API.
fn forward_handler(cap: &Capability, f: &Forward, root: &TokenStream) -> TokenStream {
    let c = &cap.consumes[f.consumes];
    let trusted = if f.trusted_headers.is_empty() {
        "no other header".to_owned()
    } else {
        format!("trusted headers: `{}`", f.trusted_headers.join("`, `"))
    };
    let text = format!(
        "`{}` (any method) → forwarded to `{}` (`Content-Type`; {trusted}).",
        f.path, c.namespace.wire
    );
    let doc = docs(Some(&text));
    let name = f.name.ident();
    let client = c.namespace.ident();
    let prefix = match &f.prefix {
        Some(p) => quote!(Some(#p)),
        None => quote!(None),
    };
    let trusted = &f.trusted_headers;
    quote! {
        #doc
        async fn #name(
            State(upstreams): State<Arc<Upstreams>>,
            method: axum::http::Method,
            uri: axum::http::Uri,
            headers: axum::http::HeaderMap,
            body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
        ) -> Result<Response, #root::runtime::problem::Problem> {
            let request = rest::forwarded(&method, &uri, &headers, body, #prefix, &[#(#trusted),*])?;
            let result = upstreams
                .#client
                .forward(request.method, &request.path_and_query, request.headers, request.body)
                .await;
            Ok(rest::pass_through_text(result))
        }
    }
}
