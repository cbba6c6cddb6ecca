//! Answers that fit a context: a JSON answer over a budget of bytes is cut at JSON boundaries —
//! long strings shortened, then array items dropped from the end of the largest array — so what
//! is left is valid JSON of the same shape, with a record of what was cut ([`Cut`]).

use std::collections::BTreeMap;
use std::sync::PoisonError;
use std::sync::RwLock;

use serde_json::Value;

use crate::startup::StartupError;

/// The budget of an MCP tool's answer unless one is set, in bytes of JSON text: about 25,000
/// tokens, what MCP clients such as Claude Code take from a tool before they refuse or cut its
/// answer themselves.
pub const DEFAULT_MCP_ANSWER_BUDGET: usize = 100_000;

/// A string longer than this (in bytes) is shortened first when an answer is cut.
const LONG_STRING: usize = 1024;

/// Strings are never shortened below this.
const SHORTEST_STRING: usize = 64;

/// What cutting an answer did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cut {
    /// The answer's size before, in bytes of compact JSON.
    pub original_bytes: usize,
    /// Its size after (above the budget only when nothing more could be cut: an object with
    /// many members, say).
    pub kept_bytes: usize,
    /// Array items dropped.
    pub dropped_items: usize,
    /// Strings shortened.
    pub shortened_strings: usize,
}

impl Cut {
    /// A sentence for whoever reads the answer (a model): what was cut, and how to ask for less.
    pub fn sentence(&self, budget: usize) -> String {
        let mut what = Vec::new();
        if self.dropped_items > 0 {
            what.push(format!(
                "{} array items dropped from the end",
                self.dropped_items
            ));
        }
        if self.shortened_strings > 0 {
            what.push(format!(
                "{} long strings shortened (they end in `…`)",
                self.shortened_strings
            ));
        }
        format!(
            "This answer was cut to fit the server's answer budget of {budget} bytes: it was {} bytes; {}. Ask for less (fewer items, a filter or the next page) to see the rest.",
            self.original_bytes,
            if what.is_empty() {
                "nothing could be cut".to_owned()
            } else {
                what.join(", ")
            }
        )
    }

    /// The record of the cut, for a result's `_meta`.
    pub fn to_json(&self, budget: usize) -> Value {
        serde_json::json!({
            "budgetBytes": budget,
            "originalBytes": self.original_bytes,
            "keptBytes": self.kept_bytes,
            "droppedItems": self.dropped_items,
            "shortenedStrings": self.shortened_strings,
        })
    }
}

/// Cut `value` until its compact JSON text is at most `budget` bytes; `None` when it fits as it
/// is.
pub fn cut(value: &mut Value, budget: usize) -> Option<Cut> {
    let original = size(value);
    if original <= budget {
        return None;
    }
    let mut cut = Cut {
        original_bytes: original,
        kept_bytes: original,
        dropped_items: 0,
        shortened_strings: shorten(value, LONG_STRING),
    };
    let mut longest = LONG_STRING / 2;
    loop {
        let now = size(value);
        if now <= budget {
            cut.kept_bytes = now;
            return Some(cut);
        }
        if let Some(dropped) = drop_items(value, now - budget) {
            cut.dropped_items += dropped;
        } else if longest >= SHORTEST_STRING {
            cut.shortened_strings += shorten(value, longest);
            longest /= 2;
        } else {
            cut.kept_bytes = now;
            return Some(cut);
        }
    }
}

/// The size of `value` as compact JSON text.
pub fn size(value: &Value) -> usize {
    serde_json::to_vec(value).map_or(0, |text| text.len())
}

/// `text` cut to at most `budget` bytes at a character boundary; `None` when it fits.
pub fn cut_text(text: &str, budget: usize) -> Option<&str> {
    if text.len() <= budget {
        return None;
    }
    let mut end = budget;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Some(&text[..end])
}

/// Shorten every string longer than `longest` bytes to about that (ending in `…`); how many.
fn shorten(value: &mut Value, longest: usize) -> usize {
    match value {
        Value::String(text) => match cut_text(text, longest) {
            Some(kept) => {
                *text = format!("{kept}…");
                1
            }
            None => 0,
        },
        Value::Array(items) => items.iter_mut().map(|v| shorten(v, longest)).sum(),
        Value::Object(members) => members.values_mut().map(|v| shorten(v, longest)).sum(),
        _ => 0,
    }
}

/// Drop items from the end of the largest non-empty array until about `excess` bytes are
/// gone; how many, or `None` when there is no such array.
fn drop_items(value: &mut Value, excess: usize) -> Option<usize> {
    let (_, largest) = largest_array(value);
    let (_, items) = largest?;
    // `largest` was found by pointer: the array it names is still there.
    let Value::Array(items_now) = value.pointer_mut(&items)? else {
        return None;
    };
    let mut freed = 0;
    let mut dropped = 0;
    while freed < excess {
        let Some(item) = items_now.pop() else {
            break;
        };
        // The item and the comma before it.
        freed += size(&item) + 1;
        dropped += 1;
    }
    (dropped > 0).then_some(dropped)
}

/// The size of `value`, and the largest non-empty array in it (its size and JSON pointer).
fn largest_array(value: &Value) -> (usize, Option<(usize, String)>) {
    let better = |best: &mut Option<(usize, String)>, found: Option<(usize, String)>, at: &str| {
        if let Some((size, pointer)) = found
            && best.as_ref().is_none_or(|(s, _)| size > *s)
        {
            *best = Some((size, format!("{at}{pointer}")));
        }
    };
    match value {
        Value::Array(items) => {
            let mut best = None;
            let mut total = 2 + items.len().saturating_sub(1);
            for (i, item) in items.iter().enumerate() {
                let (size, found) = largest_array(item);
                total += size;
                better(&mut best, found, &format!("/{i}"));
            }
            if !items.is_empty() && best.as_ref().is_none_or(|(s, _)| total > *s) {
                best = Some((total, String::new()));
            }
            (total, best)
        }
        Value::Object(members) => {
            let mut best = None;
            let mut total = 2 + members.len().saturating_sub(1);
            for (key, member) in members {
                let (size, found) = largest_array(member);
                total += size + self::size(&Value::String(key.clone())) + 1;
                let escaped = key.replace('~', "~0").replace('/', "~1");
                better(&mut best, found, &format!("/{escaped}"));
            }
            (total, best)
        }
        scalar => (size(scalar), None),
    }
}

/// The answer budgets of a server's adapters and tools, in bytes (0: none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Budgets {
    /// Every MCP adapter's, unless named below.
    pub mcp: Option<usize>,
    /// By adapter namespace or tool name.
    pub named: BTreeMap<String, usize>,
}

static BUDGETS: RwLock<Option<Budgets>> = RwLock::new(None);

impl Budgets {
    /// Read `--answer-budget` values: `BYTES` for every MCP adapter, `NAME=BYTES` for the
    /// adapter or tool `NAME` (one of `known`; a REST adapter's answers are cut only when its
    /// namespace is given).
    pub fn parse(values: &[String], known: &[&str]) -> Result<Self, StartupError> {
        let bytes = |text: &str| {
            text.trim().replace('_', "").parse::<usize>().map_err(|_| {
                StartupError::Usage(format!(
                    "--answer-budget expects BYTES or NAME=BYTES, got `{text}`"
                ))
            })
        };
        let mut budgets = Budgets::default();
        for value in values {
            match value.split_once('=') {
                None => budgets.mcp = Some(bytes(value)?),
                Some((name, _)) if !known.contains(&name) => {
                    return Err(StartupError::Usage(format!(
                        "--answer-budget: unknown adapter or tool `{name}`; known: {}",
                        known.join(", ")
                    )));
                }
                Some((name, value)) => {
                    budgets.named.insert(name.to_owned(), bytes(value)?);
                }
            }
        }
        Ok(budgets)
    }

    /// Make these the budgets of this process's adapters.
    pub fn install(self) {
        *BUDGETS.write().unwrap_or_else(PoisonError::into_inner) = Some(self);
    }
}

/// The answer budget of MCP tool `tool` of adapter `adapter`: the tool's, else the adapter's,
/// else every MCP adapter's, else [`DEFAULT_MCP_ANSWER_BUDGET`]; 0 is none.
pub fn mcp_budget(adapter: &str, tool: &str) -> usize {
    let budgets = BUDGETS.read().unwrap_or_else(PoisonError::into_inner);
    let Some(budgets) = budgets.as_ref() else {
        return DEFAULT_MCP_ANSWER_BUDGET;
    };
    budgets
        .named
        .get(tool)
        .or_else(|| budgets.named.get(adapter))
        .copied()
        .or(budgets.mcp)
        .unwrap_or(DEFAULT_MCP_ANSWER_BUDGET)
}

/// The answer budget of REST adapter `adapter`: none (0) unless its namespace is given.
pub fn rest_budget(adapter: &str) -> usize {
    let budgets = BUDGETS.read().unwrap_or_else(PoisonError::into_inner);
    budgets
        .as_ref()
        .and_then(|b| b.named.get(adapter).copied())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_answer_that_fits_is_left_alone() {
        let mut value = json!({"items": [1, 2, 3]});
        assert_eq!(cut(&mut value, 100), None);
        assert_eq!(value, json!({"items": [1, 2, 3]}));
    }

    #[test]
    fn items_are_dropped_from_the_end_of_the_largest_array() {
        let items: Vec<Value> = (0..1000)
            .map(|i| json!({"id": i, "name": format!("item {i}")}))
            .collect();
        let mut value = json!({"total": 1000, "tags": ["a", "b"], "items": items});
        let before = size(&value);
        let cut = cut(&mut value, 2_000).expect("cut");
        assert!(size(&value) <= 2_000, "{}", size(&value));
        assert_eq!(cut.original_bytes, before);
        assert_eq!(cut.kept_bytes, size(&value));
        let kept = value["items"].as_array().unwrap();
        assert_eq!(cut.dropped_items, 1000 - kept.len());
        assert!(
            kept.len() > 10,
            "only as much as needed is dropped: {}",
            kept.len()
        );
        assert_eq!(kept[0]["id"], 0, "the first items stay");
        assert_eq!(value["total"], 1000);
        assert_eq!(value["tags"], json!(["a", "b"]));
    }

    #[test]
    fn long_strings_are_shortened_before_items_go() {
        let mut value = json!([{"body": "é".repeat(5_000)}, {"body": "short"}]);
        let cut = cut(&mut value, 3_000).expect("cut");
        assert_eq!(cut.dropped_items, 0);
        assert_eq!(cut.shortened_strings, 1);
        let body = value[0]["body"].as_str().unwrap();
        assert!(
            body.ends_with('…') && body.len() <= LONG_STRING + 3,
            "{}",
            body.len()
        );
        assert_eq!(value[1]["body"], "short");
    }

    #[test]
    fn what_cannot_be_cut_is_said() {
        let mut value = json!({"a": 1, "b": 2, "c": 3});
        let cut = cut(&mut value, 4).expect("cut");
        assert_eq!(cut.kept_bytes, cut.original_bytes);
        assert!(cut.sentence(4).contains("nothing could be cut"));
    }

    #[test]
    fn budgets_are_named_or_for_every_mcp_adapter() {
        let budgets = Budgets::parse(
            &["5000".into(), "big-tool=0".into(), "api-rest=1_000".into()],
            &["big-tool", "api-rest", "api-mcp"],
        )
        .unwrap();
        assert_eq!(budgets.mcp, Some(5000));
        assert_eq!(budgets.named["big-tool"], 0);
        assert_eq!(budgets.named["api-rest"], 1000);
        assert!(Budgets::parse(&["nope=1".into()], &["api-mcp"]).is_err());
        assert!(Budgets::parse(&["lots".into()], &[]).is_err());
    }
}
