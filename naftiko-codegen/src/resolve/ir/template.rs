//! Templates: text with placeholders, each slot a bound variable, an input, a body parameter or
//! a prompt argument.

use super::*;

/// Text with placeholders, written in the spec as Mustache (`"Bearer {{TOKEN}}"`): literal text
/// and slots. What a slot stands for depends on where the template is: a bound variable
/// (credentials, base URLs, fixed values), an input (`with`, output `value`s, mock outputs), a
/// parameter or a bound variable (request bodies), a prompt argument.
pub type Template<S> = Vec<Part<S>>;

/// A piece of a [`Template`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part<S> {
    Text(String),
    Slot(S),
}

/// The slots of a template, in order.
pub fn slots<S>(template: &[Part<S>]) -> impl Iterator<Item = &S> {
    template.iter().filter_map(|p| match p {
        Part::Slot(s) => Some(s),
        Part::Text(_) => None,
    })
}

/// A placeholder of a request body: a parameter of the operation, or a bound variable read by
/// the server at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodySlot {
    Param(ParamId),
    Bind(BindId),
}

/// The bound variables a template reads.
pub fn template_binds(parts: &[Part<BindId>]) -> Vec<BindId> {
    slots(parts).copied().collect()
}
