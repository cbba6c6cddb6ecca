//! Readers of the non-JSON formats this capability's upstreams answer in (`outputRawFormat`).
//! Each reads a body into JSON, which the shaped outputs then read by field access.

#[allow(unused_imports)]
use serde_json::{Map, Value};

use super::support::{BoxError, Format};
