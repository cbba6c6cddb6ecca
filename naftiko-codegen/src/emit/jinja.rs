//! The files made from minijinja templates (`templates/*.j2`): `Cargo.toml`, `README.md` and
//! the deployment files. Rendering happens here only.

use minijinja::Environment;

/// A template of the generator.
#[derive(Debug, Clone, Copy)]
pub(super) enum Template {
    CargoToml,
    Readme,
    Dockerfile,
    Dockerignore,
    Score,
    Kubernetes,
}

impl Template {
    /// The file it makes, and its source.
    fn source(self) -> (&'static str, &'static str) {
        match self {
            Template::CargoToml => ("Cargo.toml", include_str!("../../templates/Cargo.toml.j2")),
            Template::Readme => ("README.md", include_str!("../../templates/README.md.j2")),
            Template::Dockerfile => ("Dockerfile", include_str!("../../templates/Dockerfile.j2")),
            Template::Dockerignore => (
                ".dockerignore",
                include_str!("../../templates/dockerignore.j2"),
            ),
            Template::Score => ("score.yaml", include_str!("../../templates/score.yaml.j2")),
            Template::Kubernetes => (
                "kubernetes.yaml",
                include_str!("../../templates/kubernetes.yaml.j2"),
            ),
        }
    }
}

/// `template` rendered with `ctx`, ending with a newline.
pub(super) fn render(template: Template, ctx: serde_json::Value) -> String {
    let (name, source) = template.source();
    let mut env = Environment::new();
    // Values are placed where the templates say; quoting is the templates' business.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    // The templates are part of the generator and render with any context: a failure is a bug.
    let mut text = env
        .template_from_named_str(name, source)
        .and_then(|t| t.render(minijinja::value::Serde(ctx)))
        .unwrap_or_else(|e| panic!("template {name} failed to render: {e:#}"));
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}
