//! Typed ids: an element of a list by its place in it (`Id<BindVar>` into `Capability::binds`,
//! …), so that an index into one list cannot be used for another.

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Index, IndexMut};

use super::*;

/// The index of a `T` in the list that holds it (`Capability::binds`, an operation's `params`,
/// an exposed operation's `inputs`, …): a `Vec<T>` is indexed by it, and an index into another
/// list does not type-check.
pub struct Id<T> {
    index: usize,
    of: PhantomData<fn() -> T>,
}

impl<T> Id<T> {
    /// The `index`th element.
    pub const fn new(index: usize) -> Self {
        Self {
            index,
            of: PhantomData,
        }
    }

    /// Its position in its list.
    pub const fn index(self) -> usize {
        self.index
    }
}

impl<T> Clone for Id<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Id<T> {}

impl<T> PartialEq for Id<T> {
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index
    }
}

impl<T> Eq for Id<T> {}

impl<T> PartialOrd for Id<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Id<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.index.cmp(&other.index)
    }
}

impl<T> std::hash::Hash for Id<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.index.hash(state);
    }
}

impl<T> fmt::Debug for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.index)
    }
}

impl<T> Index<Id<T>> for [T] {
    type Output = T;
    fn index(&self, id: Id<T>) -> &T {
        &self[id.index]
    }
}

impl<T> Index<Id<T>> for Vec<T> {
    type Output = T;
    fn index(&self, id: Id<T>) -> &T {
        &self[id.index]
    }
}

impl<T> IndexMut<Id<T>> for [T] {
    fn index_mut(&mut self, id: Id<T>) -> &mut T {
        &mut self[id.index]
    }
}

impl<T> IndexMut<Id<T>> for Vec<T> {
    fn index_mut(&mut self, id: Id<T>) -> &mut T {
        &mut self[id.index]
    }
}

/// The id of the first element of `items` that `matches`.
pub fn find_id<T>(items: &[T], matches: impl FnMut(&T) -> bool) -> Option<Id<T>> {
    items.iter().position(matches).map(Id::new)
}

/// The elements of `items` with their ids.
pub fn with_ids<T>(items: &[T]) -> impl Iterator<Item = (Id<T>, &T)> {
    items.iter().enumerate().map(|(i, item)| (Id::new(i), item))
}

/// A bound variable, by its place in `Capability::binds`.
pub type BindId = Id<BindVar>;

/// An input of an exposed operation or tool, by its place in its `inputs`.
pub type InputId = Id<Input>;

/// A parameter of a consumed operation, by its place in its `params`.
pub type ParamId = Id<Param>;

/// An argument of a prompt, by its place in its `arguments`.
pub type ArgumentId = Id<PromptArgument>;

/// A consumed API, by its place in `Capability::consumes`.
pub type ConsumesId = Id<Consumes>;

/// An operation of a consumed API, by its place in its `operations`.
pub type OperationId = Id<ConsumedOp>;

/// A step of an orchestration, by its place in its steps.
pub type StepId = Id<Step>;
