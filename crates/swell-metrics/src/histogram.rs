//! Quantiles from scraped histogram buckets, by Prometheus' `histogram_quantile` rules.
//!
//! Swell computes latency quantiles (e.g. TTFT p95) without Prometheus, from the `_bucket`
//! series of each pod. The quantile is taken over the *increase* of the buckets between the
//! two most recent scrapes, which is what `histogram_quantile(q, rate(x_bucket[w]))` gives
//! Prometheus users: the latency of recent requests, not of everything since the pod started.
//! A pod seen for the first time contributes its cumulative counts (there is nothing to
//! subtract yet); a pod whose counts went down has restarted, and contributes its counts since
//! the restart, as Prometheus' counter-reset handling does.
//!
//! Interpolation follows Prometheus: buckets sorted by upper bound, the `+Inf` bucket required,
//! buckets with the same bound merged, counts forced monotonic, linear interpolation inside
//! the bucket holding the rank, the lower bound of the first bucket taken as 0 (unless its
//! upper bound is ≤ 0), and a rank in the `+Inf` bucket answered with the highest finite bound.

/// Cumulative bucket counts: `(upper bound, count of observations ≤ bound)`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Buckets {
    bounds: Vec<(f64, f64)>,
}

impl Buckets {
    /// Buckets from `(upper bound, cumulative count)` pairs in any order.
    pub fn new(mut bounds: Vec<(f64, f64)>) -> Self {
        bounds.sort_by(|a, b| a.0.total_cmp(&b.0));
        Buckets { bounds }
    }

    /// The `(upper bound, cumulative count)` pairs, sorted by bound.
    pub fn bounds(&self) -> &[(f64, f64)] {
        &self.bounds
    }

    /// Total observations: the `+Inf` bucket's count (0 without one).
    pub fn observations(&self) -> f64 {
        match self.bounds.last() {
            Some((bound, count)) if bound.is_infinite() => *count,
            _ => 0.0,
        }
    }

    /// Adds `other`'s counts bound by bound (bounds missing on one side count as 0 there).
    pub fn merge(&mut self, other: &Buckets) {
        for (bound, count) in &other.bounds {
            match self.bounds.iter_mut().find(|(b, _)| b == bound) {
                Some((_, mine)) => *mine += count,
                None => self.bounds.push((*bound, *count)),
            }
        }
        self.bounds.sort_by(|a, b| a.0.total_cmp(&b.0));
    }

    /// The increase from `previous` to `self`. When any count went down (a restart), the
    /// counts since the restart, i.e. `self` unchanged.
    pub fn increase_since(&self, previous: &Buckets) -> Buckets {
        let mut delta = Vec::with_capacity(self.bounds.len());
        for (bound, count) in &self.bounds {
            let before = previous
                .bounds
                .iter()
                .find(|(b, _)| b == bound)
                .map_or(0.0, |(_, c)| *c);
            if *count < before {
                return self.clone();
            }
            delta.push((*bound, count - before));
        }
        Buckets { bounds: delta }
    }

    /// The `q` quantile, as Prometheus' `histogram_quantile` computes it. NaN when there are
    /// no observations, fewer than two buckets, or no `+Inf` bucket; −Inf/+Inf for q < 0 / q > 1.
    pub fn quantile(&self, q: f64) -> f64 {
        if q.is_nan() {
            return f64::NAN;
        }
        if q < 0.0 {
            return f64::NEG_INFINITY;
        }
        if q > 1.0 {
            return f64::INFINITY;
        }
        match self.bounds.last() {
            Some((bound, _)) if *bound == f64::INFINITY => {}
            _ => return f64::NAN,
        }

        let buckets = coalesced_monotonic(&self.bounds);
        if buckets.len() < 2 {
            return f64::NAN;
        }
        let observations = buckets[buckets.len() - 1].1;
        if observations == 0.0 {
            return f64::NAN;
        }

        let mut rank = q * observations;
        // The first bucket whose cumulative count reaches the rank (the +Inf bucket if none).
        let last = buckets.len() - 1;
        let b = buckets[..last].partition_point(|(_, count)| *count < rank);
        if b == last {
            return buckets[last - 1].0;
        }
        if b == 0 && buckets[0].0 <= 0.0 {
            return buckets[0].0;
        }
        let (bucket_end, mut count) = buckets[b];
        let mut bucket_start = 0.0;
        if b > 0 {
            bucket_start = buckets[b - 1].0;
            count -= buckets[b - 1].1;
            rank -= buckets[b - 1].1;
        }
        bucket_start + (bucket_end - bucket_start) * (rank / count)
    }
}

/// Merges buckets with equal bounds and makes counts non-decreasing, as Prometheus does before
/// interpolating (scrapes are not atomic, so neighbouring buckets can disagree slightly).
fn coalesced_monotonic(sorted: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(sorted.len());
    for (bound, count) in sorted {
        match out.last_mut() {
            Some((last_bound, last_count)) if last_bound == bound => *last_count += count,
            _ => out.push((*bound, *count)),
        }
    }
    let mut max = f64::NEG_INFINITY;
    for (_, count) in &mut out {
        max = max.max(*count);
        *count = max;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const INF: f64 = f64::INFINITY;

    fn buckets(pairs: &[(f64, f64)]) -> Buckets {
        Buckets::new(pairs.to_vec())
    }

    #[test]
    fn quantiles_interpolate_like_prometheus() {
        // 10 observations ≤ 1, 10 more ≤ 2, none above.
        let b = buckets(&[(1.0, 10.0), (2.0, 20.0), (INF, 20.0)]);
        for (q, expected) in [(0.0, 0.0), (0.25, 0.5), (0.5, 1.0), (0.75, 1.5), (1.0, 2.0)] {
            assert_eq!(b.quantile(q), expected, "q {q}");
        }
    }

    #[test]
    fn edge_cases_follow_prometheus() {
        let top_heavy = buckets(&[(1.0, 0.0), (2.0, 1.0), (INF, 10.0)]);
        assert_eq!(
            top_heavy.quantile(0.9),
            2.0,
            "a rank in +Inf answers the highest finite bound"
        );
        assert!(
            buckets(&[(1.0, 5.0), (2.0, 5.0)]).quantile(0.5).is_nan(),
            "no +Inf bucket"
        );
        assert!(
            buckets(&[(INF, 5.0)]).quantile(0.5).is_nan(),
            "a single bucket"
        );
        assert!(
            buckets(&[(1.0, 0.0), (INF, 0.0)]).quantile(0.5).is_nan(),
            "no observations"
        );
        assert_eq!(
            buckets(&[(1.0, 1.0), (INF, 1.0)]).quantile(-0.1),
            f64::NEG_INFINITY
        );
        assert_eq!(buckets(&[(1.0, 1.0), (INF, 1.0)]).quantile(1.1), INF);
        assert_eq!(buckets(&[(-1.0, 4.0), (INF, 4.0)]).quantile(0.5), -1.0);
        // Non-monotonic counts are lifted: (2, 8) becomes (2, 10).
        let ragged = buckets(&[(1.0, 10.0), (2.0, 8.0), (4.0, 20.0), (INF, 20.0)]);
        assert_eq!(ragged.quantile(0.75), 3.0);
    }

    #[test]
    fn the_vllm_sample_page_gives_the_expected_ttft_p95() {
        // kserve_vllm.md §4.5: 113 of 132 ≤ 0.1 s, 128 ≤ 0.25 s.
        let b = buckets(&[
            (0.08, 97.0),
            (0.1, 113.0),
            (0.25, 128.0),
            (0.5, 132.0),
            (INF, 132.0),
        ]);
        let rank = 0.95 * 132.0;
        let expected = 0.1 + (0.25 - 0.1) * ((rank - 113.0) / 15.0);
        assert!((b.quantile(0.95) - expected).abs() < 1e-12);
    }

    #[test]
    fn increase_subtracts_the_previous_scrape_and_handles_restarts() {
        let before = buckets(&[(1.0, 10.0), (INF, 12.0)]);
        let after = buckets(&[(1.0, 11.0), (INF, 20.0)]);
        assert_eq!(
            after.increase_since(&before),
            buckets(&[(1.0, 1.0), (INF, 8.0)])
        );
        let restarted = buckets(&[(1.0, 2.0), (INF, 3.0)]);
        assert_eq!(restarted.increase_since(&after), restarted);
    }

    #[test]
    fn merge_adds_pods_bucket_by_bucket() {
        let mut fleet = buckets(&[(1.0, 1.0), (INF, 2.0)]);
        fleet.merge(&buckets(&[(1.0, 3.0), (INF, 5.0)]));
        assert_eq!(fleet, buckets(&[(1.0, 4.0), (INF, 7.0)]));
        assert_eq!(fleet.observations(), 7.0);
    }
}
