//! What the tests share: dates and zones, the clinics the example tests
//! start from, requests with their usual defaults, and the property tests'
//! generators and independent oracle.

pub mod clinics;
pub mod gen;
pub mod oracle;
pub mod planning;
pub mod wall_clock;

use proptest::test_runner::{Config, FileFailurePersistence};

/// `cases` per property; `PROPTEST_CASES=n` overrides it for a deeper run.
///
/// A failing seed is saved beside the file of its property, with the
/// extension `proptest-regressions` (`properties/soundness.rs` keeps its
/// seeds in `properties/soundness.proptest-regressions`), and replayed
/// before new cases on every run: commit the file with the fix.
pub fn proptest_config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    Config {
        cases,
        max_shrink_iters: 4096,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..Config::default()
    }
}
