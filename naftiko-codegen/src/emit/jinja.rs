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
    env.add_filter("shell", shell_word);
    // Whatever a value holds, it is one line of visible text where it is placed.
    env.set_formatter(|out, _state, value| {
        let text = value.to_string();
        let text = match text.contains(['\n', '\t']) {
            true => text.replace('\n', "\\n").replace('\t', "\\t"),
            false => text,
        };
        out.write_str(&super::text::visible(&text))
            .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()))
    });
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

/// `text` as one word of a POSIX shell command line: as it is when it holds only characters no
/// shell reads specially, single-quoted otherwise.
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::shell_word;

    #[test]
    fn shell_words_are_quoted_when_a_shell_would_read_them() {
        assert_eq!(
            shell_word("users=https://api.example/v1"),
            "users=https://api.example/v1"
        );
        assert_eq!(shell_word("a=$(reboot)&b"), "'a=$(reboot)&b'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
    }
}
