//! The summary of a load run: counts, achieved rates, and latency percentiles (nearest rank:
//! the smallest value with at least q of the samples at or below it).

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use super::client::RequestResult;

/// p50 / p90 / p99 and the mean, in seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Percentiles {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Mean.
    pub mean: f64,
    /// Samples.
    pub count: usize,
}

impl Percentiles {
    /// Percentiles of the samples (all zero when there are none).
    pub fn of(mut samples: Vec<f64>) -> Self {
        if samples.is_empty() {
            return Percentiles::default();
        }
        samples.sort_by(f64::total_cmp);
        let rank = |q: f64| {
            let index = ((q * samples.len() as f64).ceil() as usize).clamp(1, samples.len()) - 1;
            samples[index]
        };
        Percentiles {
            p50: rank(0.5),
            p90: rank(0.9),
            p99: rank(0.99),
            mean: samples.iter().sum::<f64>() / samples.len() as f64,
            count: samples.len(),
        }
    }
}

/// What a run achieved.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Requests scheduled.
    pub requests: usize,
    /// Requests that completed with HTTP 200.
    pub ok: usize,
    /// Requests that failed.
    pub errors: usize,
    /// Failures by HTTP status ("0" when there was no response).
    pub errors_by_status: BTreeMap<String, usize>,
    /// From the start to the last response, in seconds.
    pub duration_seconds: f64,
    /// Requests per second sent over the schedule.
    pub offered_rate: f64,
    /// Successful requests per second over the run.
    pub achieved_rate: f64,
    /// Output tokens per second over the run.
    pub output_tokens_per_second: f64,
    /// Time to first token.
    pub ttft: Percentiles,
    /// Inter-token latency (every gap of every request).
    pub itl: Percentiles,
    /// End-to-end latency.
    pub e2e: Percentiles,
    /// The latest a send left after its scheduled time (the generator's own health).
    pub max_send_lag: f64,
}

impl Summary {
    /// Summarizes the results of a run that lasted `duration_seconds` over a schedule of
    /// `schedule_seconds`.
    pub fn of(results: &[RequestResult], duration_seconds: f64, schedule_seconds: f64) -> Self {
        let ok: Vec<&RequestResult> = results.iter().filter(|r| r.error.is_none()).collect();
        let mut errors_by_status = BTreeMap::new();
        for result in results.iter().filter(|r| r.error.is_some()) {
            *errors_by_status
                .entry(result.status.to_string())
                .or_insert(0) += 1;
        }
        let output_tokens: u64 = ok.iter().map(|r| u64::from(r.output_tokens)).sum();
        let per_second = |n: f64, secs: f64| if secs > 0.0 { n / secs } else { 0.0 };
        Summary {
            requests: results.len(),
            ok: ok.len(),
            errors: results.len() - ok.len(),
            errors_by_status,
            duration_seconds,
            offered_rate: per_second(results.len() as f64, schedule_seconds),
            achieved_rate: per_second(ok.len() as f64, duration_seconds),
            output_tokens_per_second: per_second(output_tokens as f64, duration_seconds),
            ttft: Percentiles::of(ok.iter().filter_map(|r| r.ttft).collect()),
            itl: Percentiles::of(ok.iter().flat_map(|r| r.itls.iter().copied()).collect()),
            e2e: Percentiles::of(ok.iter().filter_map(|r| r.e2e).collect()),
            max_send_lag: results.iter().map(|r| r.send_lag).fold(0.0, f64::max),
        }
    }

    /// A short human-readable report.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "requests {}  ok {}  errors {}{}",
            self.requests,
            self.ok,
            self.errors,
            if self.errors_by_status.is_empty() {
                String::new()
            } else {
                let by: Vec<String> = self
                    .errors_by_status
                    .iter()
                    .map(|(s, n)| format!("{s}: {n}"))
                    .collect();
                format!(" ({})", by.join(", "))
            }
        );
        let _ = writeln!(
            out,
            "duration {:.1}s  offered {:.2} req/s  achieved {:.2} req/s  output {:.0} tok/s  max send lag {:.1} ms",
            self.duration_seconds,
            self.offered_rate,
            self.achieved_rate,
            self.output_tokens_per_second,
            self.max_send_lag * 1000.0
        );
        let _ = writeln!(
            out,
            "{:<6} {:>10} {:>10} {:>10} {:>10}",
            "(ms)", "p50", "p90", "p99", "mean"
        );
        for (name, p) in [("ttft", &self.ttft), ("itl", &self.itl), ("e2e", &self.e2e)] {
            let ms = |v: f64| v * 1000.0;
            let _ = writeln!(
                out,
                "{name:<6} {:>10.1} {:>10.1} {:>10.1} {:>10.1}",
                ms(p.p50),
                ms(p.p90),
                ms(p.p99),
                ms(p.mean)
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let p = Percentiles::of((1..=100).map(f64::from).collect());
        assert_eq!((p.p50, p.p90, p.p99, p.count), (50.0, 90.0, 99.0, 100));
        assert_eq!(Percentiles::of(vec![]), Percentiles::default());
    }

    #[test]
    fn errors_are_counted_by_status_and_left_out_of_latencies() {
        let ok = RequestResult {
            status: 200,
            ttft: Some(0.1),
            e2e: Some(1.0),
            output_tokens: 10,
            ..Default::default()
        };
        let failed = RequestResult {
            status: 503,
            error: Some("busy".into()),
            ttft: Some(9.0),
            ..Default::default()
        };
        let summary = Summary::of(&[ok.clone(), ok, failed], 2.0, 1.0);
        assert_eq!((summary.ok, summary.errors), (2, 1));
        assert_eq!(summary.errors_by_status.get("503"), Some(&1));
        assert_eq!(summary.ttft.p99, 0.1);
        assert_eq!(summary.output_tokens_per_second, 10.0);
        assert_eq!(summary.offered_rate, 3.0);
    }
}
