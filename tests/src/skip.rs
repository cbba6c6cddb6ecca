//! A test that cannot run here — its external tool or the shared data folder is missing — says so
//! by name in the run's output, beside `cargo test`'s own lines: the line is written to the
//! process's standard error directly, past the test harness's output capture, so a skip never
//! passes for a silent `ok`. (Shared by the workspace's test crates through `#[path]`.)

use std::io::Write;

/// Report the running test as skipped, and why (what is missing and how to install it).
pub fn skip(why: &str) {
    let current = std::thread::current();
    let test = current.name().unwrap_or("a test");
    let _ = writeln!(std::io::stderr().lock(), "SKIPPED {test}: {why}");
}
