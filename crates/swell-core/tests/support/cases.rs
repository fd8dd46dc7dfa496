//! The proptest configuration shared by swell-core's property and fuzz tests: the number of
//! cases comes from `SWELL_FUZZ_CASES` (default 256, enough for CI; a long local run sets e.g.
//! `SWELL_FUZZ_CASES=2000000`), and failures shrink thoroughly.

use proptest::test_runner::Config;

/// Cases per property: `SWELL_FUZZ_CASES`, or 256.
pub fn count() -> u32 {
    std::env::var("SWELL_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// The configuration every property in these tests runs with.
pub fn config() -> Config {
    Config {
        cases: count(),
        max_shrink_iters: 10_000,
        ..Config::default()
    }
}
