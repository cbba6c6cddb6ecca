//! Counts and timings of upstream calls and MCP tool calls, through the `metrics` facade: cached
//! handles, so that a count is one atomic update, not a registry look-up.

use std::collections::HashMap;
use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::hash::Hasher;
use std::sync::PoisonError;
use std::sync::RwLock;
use std::time::Duration;

use http::StatusCode;

/// Metric handles by label set. Looking a metric up by its labels hashes every label and
/// allocates its key; a cached handle is one atomic update.
pub struct Handles<T>(RwLock<Option<HashMap<LabelKey, T, BuildHasherDefault<AddressHasher>>>>);

/// A multiply-rotate hasher for [`LabelKey`]s: their words are addresses and lengths of texts
/// kept once, which no client chooses, so SipHash's defence against chosen keys buys nothing
/// here and cost 1 % of a proxied request (`cargo xtask bench`).
#[derive(Debug, Default, Clone, Copy)]
pub struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_usize(&mut self, word: usize) {
        self.write_u64(word as u64);
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// Up to four label values, by [`key`].
pub type LabelKey = [(usize, usize); 4];

impl<T: Clone> Default for Handles<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Clone> Handles<T> {
    /// An empty cache, for a `static`.
    pub const fn new() -> Self {
        Self(RwLock::new(None))
    }

    /// The handle for `key` (label values by address, see [`key`]), made once by `make`.
    pub fn get(&self, key: LabelKey, make: impl FnOnce() -> T) -> T {
        if let Some(handle) = self
            .0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .and_then(|m| m.get(&key))
        {
            return handle.clone();
        }
        let handle = make();
        let mut map = self.0.write().unwrap_or_else(PoisonError::into_inner);
        map.get_or_insert_with(Default::default)
            .entry(key)
            .or_insert(handle)
            .clone()
    }
}

/// A `'static` label value by address and length: every label value here is a literal or
/// comes from [`label`], which keeps each text once, so equal keys are equal texts.
pub fn key(text: &'static str) -> (usize, usize) {
    (text.as_ptr() as usize, text.len())
}

/// `method` as a `'static` label value: the standard methods without a look-up.
pub fn method_label(method: &http::Method) -> &'static str {
    match *method {
        http::Method::GET => "GET",
        http::Method::POST => "POST",
        http::Method::PUT => "PUT",
        http::Method::DELETE => "DELETE",
        http::Method::PATCH => "PATCH",
        http::Method::HEAD => "HEAD",
        http::Method::OPTIONS => "OPTIONS",
        _ => label(method.as_str()),
    }
}

/// `text` as a `'static` label value without allocating per request: route templates,
/// methods, status codes and tool names form a small set, each kept once. Past 4,096
/// distinct values (a client inventing methods, say) or beyond 256 bytes they count as `other`.
pub fn label(text: &str) -> &'static str {
    static SEEN: RwLock<Option<HashSet<&'static str>>> = RwLock::new(None);
    if let Some(&known) = SEEN
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
        .and_then(|s| s.get(text))
    {
        return known;
    }
    let mut seen = SEEN.write().unwrap_or_else(PoisonError::into_inner);
    let seen = seen.get_or_insert_with(Default::default);
    if let Some(&known) = seen.get(text) {
        return known;
    }
    if seen.len() >= 4096 || text.len() > 256 {
        return "other";
    }
    let kept: &'static str = Box::leak(text.to_owned().into_boxed_str());
    seen.insert(kept);
    kept
}

/// Count and time one upstream call.
pub fn upstream_call(
    api: &'static str,
    operation: &'static str,
    status: Option<StatusCode>,
    elapsed: Duration,
) {
    let class = match status.map(|s| s.as_u16() / 100) {
        Some(1) => "1xx",
        Some(2) => "2xx",
        Some(3) => "3xx",
        Some(4) => "4xx",
        Some(5) => "5xx",
        _ => "error",
    };
    static CALLS: Handles<(metrics::Counter, metrics::Histogram)> = Handles::new();
    let (count, duration) = CALLS.get([key(api), key(operation), key(class), (0, 0)], || {
        (
            metrics::counter!("naftiko_upstream_requests_total", "api" => api, "operation" => operation, "status_class" => class),
            metrics::histogram!("naftiko_upstream_request_duration_seconds", "api" => api, "operation" => operation),
        )
    });
    count.increment(1);
    duration.record(elapsed.as_secs_f64());
}

/// Count one success answer passed on that is not what its API's OpenAPI document says.
pub fn undocumented_answer(api: &'static str, operation: &'static str) {
    static ANSWERS: Handles<metrics::Counter> = Handles::new();
    ANSWERS
        .get([key(api), key(operation), (0, 0), (0, 0)], || {
            metrics::counter!("naftiko_upstream_undocumented_answers_total", "api" => api, "operation" => operation)
        })
        .increment(1);
}

/// Count and time one MCP tool call, by outcome (`ok`, `tool_error`, `protocol_error`).
pub fn tool_call(adapter: &'static str, tool: &str, outcome: &'static str, elapsed: Duration) {
    let tool = label(tool);
    static CALLS: Handles<(metrics::Counter, metrics::Histogram)> = Handles::new();
    let (count, duration) = CALLS.get([key(adapter), key(tool), key(outcome), (0, 0)], || {
        (
            metrics::counter!("naftiko_mcp_tool_calls_total", "adapter" => adapter, "tool" => tool, "outcome" => outcome),
            metrics::histogram!("naftiko_mcp_tool_call_duration_seconds", "adapter" => adapter, "tool" => tool),
        )
    });
    count.increment(1);
    duration.record(elapsed.as_secs_f64());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_methods_need_no_look_up_and_others_are_kept_once() {
        assert_eq!(method_label(&http::Method::DELETE), "DELETE");
        let purge = http::Method::from_bytes(b"PURGE").unwrap();
        assert!(std::ptr::eq(method_label(&purge), method_label(&purge)));
    }

    #[test]
    fn handles_are_made_once_per_label_set() {
        static MADE: Handles<usize> = Handles::new();
        let made = std::sync::atomic::AtomicUsize::new(0);
        let make = || made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (a, b) = (key("a"), key("b"));
        let first = MADE.get([a, b, (0, 0), (200, 0)], make);
        assert_eq!(MADE.get([a, b, (0, 0), (200, 0)], make), first);
        let other = MADE.get([b, a, (0, 0), (200, 0)], make);
        assert_ne!(other, first);
        assert_eq!(made.load(std::sync::atomic::Ordering::Relaxed), 2);
    }

    #[test]
    fn labels_are_kept_once_and_long_ones_are_other() {
        let a = label(&String::from("/v1/users/{id}"));
        let b = label(&String::from("/v1/users/{id}"));
        assert!(std::ptr::eq(a, b));
        assert_eq!(label(&"x".repeat(300)), "other");
    }
}
