//! One catalog per exposed skill adapter: `src/skills/<namespace>.rs`. Each skill's document is
//! built at generation and served as a constant: `GET /skills` lists them, `GET /skills/<name>`
//! describes one with its tools and where each runs; the files of a skill's folder (`location`,
//! compiled in, or read at run time when the spec's folder is absolute) are served at
//! `/skills/<name>/<path>`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::json;

use super::code::module_docs;
use crate::resolve::ir::{Capability, FileContent, SkillAdapter};

pub(super) fn emit(_cap: &Capability, a: &SkillAdapter, root: &TokenStream) -> TokenStream {
    let mut text = format!("Skill adapter `{}`: a catalog of skills.", a.namespace.wire);
    if let Some(d) = &a.description {
        text.push_str("\n\n");
        text.push_str(d.trim());
    }
    text.push_str("\n\n| Skill | Tools |\n|---|---|");
    for s in &a.skills {
        let tools = s.document["tools"].as_array().map_or(0, Vec::len);
        text.push_str(&format!("\n| `/skills/{}` | {tools} |", s.name));
    }
    let module_docs = module_docs(&text);
    let index = json!({
        "namespace": a.namespace.wire,
        "description": a.description,
        "skills": a.skills.iter().map(|s| json!({
            "name": s.name,
            "description": s.description,
            "href": format!("/skills/{}", s.name),
        })).collect::<Vec<_>>(),
    })
    .to_string();
    let mut consts = Vec::new();
    let mut routes = Vec::new();
    for s in &a.skills {
        let ident = format_ident!(
            "{}",
            crate::resolve::names::Name::snake(&s.name)
                .rust
                .to_uppercase()
        );
        let doc = format!(" `GET /skills/{}`.", s.name);
        let body = s.document.to_string();
        let path = format!("/skills/{}", s.name);
        consts.push(quote! { #[doc = #doc] const #ident: &str = #body; });
        routes.push(quote! { .route(#path, get(|| async { skills::document(#ident) })) });
        if let Some(dir) = &s.run_time_dir {
            let (dir_path, env, name) = (&dir.path, &dir.env, &s.name);
            let dir_ident = format_ident!("{}_DIR", ident);
            let doc =
                format!(" Where `{name}`'s files are read at run time: `{dir_path}`, or `{env}`.");
            consts.push(quote! {
                #[doc = #doc]
                const #dir_ident: (&str, &str) = (#dir_path, #env);
            });
            let files = format!("/skills/{name}/{{*file}}");
            routes.push(quote! {
                .route(#files, get({
                    let dir = std::sync::Arc::new(skills::run_time_dir(#dir_ident.0, #dir_ident.1));
                    move |Path(file): Path<String>| skills::file_at_run_time(dir, #name, file)
                }))
            });
        }
        for f in &s.files {
            let path = format!("/skills/{}/{}", s.name, f.path);
            let mime = &f.mime_type;
            let body = match &f.content {
                FileContent::Text(text) => quote!(#text.as_bytes()),
                FileContent::Bytes(bytes) => {
                    let bytes = proc_macro2::Literal::byte_string(bytes);
                    quote!(#bytes)
                }
            };
            routes.push(quote! { .route(#path, get(|| async { skills::file(#mime, #body) })) });
        }
    }
    let router = quote! {
        Router::new()
            .route("/skills", get(|| async { skills::document(INDEX) }))
            #(#routes)*
            .route("/skills/{name}", get(skills::unknown))
            .route("/skills/{name}/{*file}", get(skills::unknown_file))
    };
    let path_use = a.skills.iter().any(|s| s.run_time_dir.is_some()).then(|| {
        quote!(
            use axum::extract::Path;
        )
    });
    let (guard_param, _, guard_doc, guarded) = super::adapter::guard_parts(&a.auth, root, router);
    // `guard_parts` writes `, guard: Guard` for a parameter list that has one already.
    let guard_param: TokenStream = guard_param.into_iter().skip(1).collect();
    let port = a.port;
    quote! {
        #module_docs

        use axum::Router;
        #path_use
        use axum::routing::get;

        use #root::runtime::skills;

        /// The port the spec declares for this adapter.
        pub const DEFAULT_PORT: u16 = #port;

        /// `GET /skills`: every skill, by name.
        const INDEX: &str = #index;

        #(#consts)*

        /// The catalog's routes, ready to serve or to mount in your own app.
        #guard_doc
        pub fn router(#guard_param) -> Router {
            #guarded
        }
    }
}
