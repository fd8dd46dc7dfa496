//! Benchmarks of swell-metrics (being written).

fn main() {}
