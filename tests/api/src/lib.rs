//! No code: the crate holds `tests/trybuild.rs`, whose cases (`ui/`) misuse the generated seed
//! crate's public API and must not compile. It depends on nothing else, so trybuild only checks
//! the seed's own dependencies.
