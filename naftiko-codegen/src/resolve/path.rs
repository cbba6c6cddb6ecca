//! Where a node is in a spec: a YAML path such as
//! `capability.exposes[0].resources[1].operations[0].call`, built a step at a time.

use std::fmt;

/// The path of a node of the YAML document, from its root. Diagnostics are located by it.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YamlPath(String);

impl YamlPath {
    /// The document itself.
    pub fn root() -> Self {
        Self::default()
    }

    /// The member `key` of this node (`a.key`).
    pub fn key(&self, key: impl fmt::Display) -> Self {
        if self.0.is_empty() {
            Self(key.to_string())
        } else {
            Self(format!("{}.{key}", self.0))
        }
    }

    /// The element `index` of this node (`a[3]`).
    pub fn index(&self, index: usize) -> Self {
        Self(format!("{}[{index}]", self.0))
    }

    /// As text, for the parser's position table and messages.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for YamlPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::YamlPath;

    #[test]
    fn members_and_elements() {
        let path = YamlPath::root()
            .key("capability")
            .key("exposes")
            .index(0)
            .key("name");
        assert_eq!(path.as_str(), "capability.exposes[0].name");
        assert_eq!(YamlPath::root().as_str(), "");
    }
}
