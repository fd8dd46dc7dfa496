//! A cumulative histogram with fixed upper bounds, as Prometheus client libraries keep them, and
//! the bucket boundaries vLLM uses for each of its histograms.
//!
//! The boundaries are facts about vLLM's exposition (an SLO query on `le="2"` finds nothing
//! because vLLM has no 2 s TTFT bucket), so they are reproduced exactly.

use std::sync::Arc;

/// `vllm:time_to_first_token_seconds` upper bounds, in seconds.
pub const TTFT_BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
    20.0, 40.0, 80.0, 160.0, 640.0, 2560.0,
];

/// `vllm:inter_token_latency_seconds` (and the per-request and legacy time-per-output-token
/// histograms) upper bounds, in seconds.
pub const ITL_BUCKETS: &[f64] = &[
    0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0,
    40.0, 80.0,
];

/// Upper bounds of the per-request phase histograms (`e2e_request_latency`, `request_queue_time`,
/// `request_inference_time`, `request_prefill_time`, `request_decode_time`), in seconds.
pub const REQUEST_LATENCY_BUCKETS: &[f64] = &[
    0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0,
    480.0, 960.0, 1920.0, 7680.0,
];

/// `vllm:iteration_tokens_total` upper bounds, in tokens per engine step.
pub const ITERATION_TOKENS_BUCKETS: &[f64] = &[
    1.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0, 2048.0, 4096.0, 8192.0, 16384.0,
];

/// `vllm:request_params_n` upper bounds.
pub const PARAMS_N_BUCKETS: &[f64] = &[1.0, 2.0, 5.0, 10.0, 20.0];

/// The 1-2-5 series vLLM uses for token-count histograms: 1, 2, 5, 10, 20, 50, ... up to and
/// including `max_value` (`max_model_len`).
pub fn one_two_five_buckets(max_value: u32) -> Vec<f64> {
    let mut bounds = Vec::new();
    let mut scale = 1u64;
    loop {
        for mantissa in [1u64, 2, 5] {
            let value = mantissa * scale;
            if value > u64::from(max_value) {
                return bounds;
            }
            bounds.push(value as f64);
        }
        scale *= 10;
    }
}

/// A histogram: per-bucket counts for fixed upper bounds (`le`), a `+Inf` bucket, a sum and a
/// count. Observing is `O(log buckets)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    bounds: Arc<[f64]>,
    /// Non-cumulative counts; the last entry is the `+Inf` bucket.
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    /// An empty histogram with the given upper bounds (ascending, `+Inf` implied).
    pub fn new(bounds: impl Into<Arc<[f64]>>) -> Self {
        let bounds = bounds.into();
        debug_assert!(bounds.windows(2).all(|w| w[0] < w[1]), "bounds must ascend");
        let counts = vec![0; bounds.len() + 1];
        Histogram {
            bounds,
            counts,
            sum: 0.0,
            count: 0,
        }
    }

    /// Records one observation: it lands in the first bucket whose bound is `>=` the value.
    pub fn observe(&mut self, value: f64) {
        let index = self.bounds.partition_point(|&bound| bound < value);
        self.counts[index] += 1;
        self.sum += value;
        self.count += 1;
    }

    /// The upper bounds, without `+Inf`.
    pub fn bounds(&self) -> &[f64] {
        &self.bounds
    }

    /// Cumulative counts, one per bound followed by the `+Inf` bucket (equal to [`count`]).
    ///
    /// [`count`]: Histogram::count
    pub fn cumulative(&self) -> impl Iterator<Item = u64> + '_ {
        self.counts.iter().scan(0u64, |total, &c| {
            *total += c;
            Some(*total)
        })
    }

    /// The sum of all observations.
    pub fn sum(&self) -> f64 {
        self.sum
    }

    /// The number of observations.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The `q`-quantile (0..=1) estimated the way PromQL's `histogram_quantile` does: linear
    /// interpolation inside the bucket that holds the rank, the lowest bucket starting at 0,
    /// and the highest finite bound when the rank falls in `+Inf`. `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let rank = q.clamp(0.0, 1.0) * self.count as f64;
        let mut below = 0u64;
        for (index, &in_bucket) in self.counts.iter().enumerate() {
            let upto = below + in_bucket;
            if (upto as f64) >= rank && in_bucket > 0 {
                let Some(&upper) = self.bounds.get(index) else {
                    return self.bounds.last().copied();
                };
                let lower = if index == 0 {
                    0.0
                } else {
                    self.bounds[index - 1]
                };
                let fraction = (rank - below as f64) / in_bucket as f64;
                return Some(lower + (upper - lower) * fraction);
            }
            below = upto;
        }
        self.bounds.last().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_equal_to_a_bound_lands_in_that_bucket() {
        let mut h = Histogram::new(vec![1.0, 2.0]);
        h.observe(1.0);
        h.observe(1.5);
        h.observe(9.0);
        assert_eq!(h.cumulative().collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(h.count(), 3);
        assert!((h.sum() - 11.5).abs() < 1e-9);
    }

    #[test]
    fn one_two_five_series_stops_at_the_max_value() {
        assert_eq!(
            one_two_five_buckets(60),
            vec![1.0, 2.0, 5.0, 10.0, 20.0, 50.0]
        );
        assert_eq!(one_two_five_buckets(1000).last(), Some(&1000.0));
    }

    #[test]
    fn quantile_interpolates_inside_the_bucket_like_promql() {
        let mut h = Histogram::new(vec![0.1, 0.2]);
        for _ in 0..10 {
            h.observe(0.15);
        }
        let median = h.quantile(0.5).unwrap();
        assert!((median - 0.15).abs() < 1e-9, "median {median}");
        assert_eq!(Histogram::new(vec![1.0]).quantile(0.5), None);
    }

    #[test]
    fn quantile_in_the_inf_bucket_is_the_highest_bound() {
        let mut h = Histogram::new(vec![1.0]);
        h.observe(5.0);
        assert_eq!(h.quantile(0.99), Some(1.0));
    }

    #[test]
    fn vllm_bucket_counts_match_the_exposition() {
        assert_eq!(TTFT_BUCKETS.len(), 22);
        assert_eq!(ITL_BUCKETS.len(), 19);
        assert_eq!(REQUEST_LATENCY_BUCKETS.len(), 21);
        assert!(!TTFT_BUCKETS.contains(&2.0), "vLLM has no 2 s TTFT bucket");
    }
}
