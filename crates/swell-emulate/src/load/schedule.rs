//! When requests are sent and how big they are: the arrival patterns of `swell load`, generated
//! up front on an absolute timeline (open loop: a slow response never delays the next send).
//!
//! Rates that change over time (bursts, steps) are piecewise constant; arrivals inside each piece
//! are Poisson, and a piece boundary restarts the exponential gap, which is exact because the
//! exponential distribution is memoryless.

use std::time::Duration;

use rand::Rng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Exp};
use serde::Deserialize;

use super::LoadError;

/// One scheduled request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Arrival {
    /// Offset from the start of the run.
    pub at: Duration,
    /// Prompt length to send, in tokens.
    pub prompt_tokens: u32,
    /// `max_tokens` to send.
    pub max_tokens: u32,
}

/// A token count: fixed, or drawn uniformly from an inclusive range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenCount {
    /// Always this many.
    Fixed(u32),
    /// Uniform in `min..=max`.
    Uniform {
        /// Smallest.
        min: u32,
        /// Largest.
        max: u32,
    },
}

impl TokenCount {
    /// Parses `256` or `128..512`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let number = |s: &str| {
            s.trim().parse::<u32>().ok().filter(|&n| n >= 1).ok_or_else(|| {
                format!("`{text}` is not a token count: write a number >= 1 or a range like 128..512")
            })
        };
        match text.split_once("..") {
            None => Ok(TokenCount::Fixed(number(text)?)),
            Some((min, max)) => {
                let (min, max) = (number(min)?, number(max)?);
                if min > max {
                    return Err(format!("`{text}`: the range is empty (min > max)"));
                }
                Ok(TokenCount::Uniform { min, max })
            }
        }
    }

    fn sample(self, rng: &mut StdRng) -> u32 {
        match self {
            TokenCount::Fixed(n) => n,
            TokenCount::Uniform { min, max } => rng.random_range(min..=max),
        }
    }
}

/// How arrivals are spread over time.
#[derive(Clone, Debug, PartialEq)]
pub enum Pattern {
    /// Poisson arrivals at a constant rate (requests per second).
    Poisson {
        /// Requests per second.
        rate: f64,
    },
    /// Evenly spaced arrivals at a constant rate.
    Uniform {
        /// Requests per second.
        rate: f64,
    },
    /// Alternating on/off periods, starting "on", Poisson inside each.
    Burst {
        /// Rate while on.
        on_rate: f64,
        /// Rate while off.
        off_rate: f64,
        /// Length of an on period.
        on: Duration,
        /// Length of an off period.
        off: Duration,
    },
    /// Rate changes at given offsets, Poisson inside each step; sorted by time.
    Steps(Vec<(Duration, f64)>),
    /// Recorded arrivals, replayed as they are (sizes from the trace).
    Trace(Vec<Arrival>),
}

/// Parses `0s=2,30s=10,60s=4` into rate steps.
pub fn parse_steps(text: &str) -> Result<Vec<(Duration, f64)>, String> {
    let mut steps = Vec::new();
    for part in text.split(',').filter(|p| !p.trim().is_empty()) {
        let (at, rate) = part
            .split_once('=')
            .ok_or_else(|| format!("step `{part}` must look like 30s=10 (time=rate)"))?;
        let at = crate::parse_duration(at)?;
        let rate: f64 = rate
            .trim()
            .parse()
            .ok()
            .filter(|r: &f64| *r >= 0.0 && r.is_finite())
            .ok_or_else(|| format!("step `{part}`: the rate must be a number >= 0"))?;
        steps.push((at, rate));
    }
    if steps.is_empty() {
        return Err("`--steps` needs at least one time=rate pair".to_owned());
    }
    steps.sort_by_key(|&(at, _)| at);
    Ok(steps)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TraceLine {
    t: f64,
    prompt_tokens: u32,
    max_tokens: u32,
}

/// Parses a JSONL trace: one `{"t": seconds, "promptTokens": n, "maxTokens": m}` per line.
pub fn parse_trace(text: &str) -> Result<Vec<Arrival>, LoadError> {
    let mut arrivals = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |message: String| LoadError::Trace {
            line: index + 1,
            message,
        };
        let parsed: TraceLine = serde_json::from_str(line).map_err(|err| bad(err.to_string()))?;
        if !(parsed.t >= 0.0 && parsed.t.is_finite()) {
            return Err(bad(format!(
                "`t` must be a number of seconds >= 0, got {}",
                parsed.t
            )));
        }
        if parsed.prompt_tokens == 0 || parsed.max_tokens == 0 {
            return Err(bad(
                "`promptTokens` and `maxTokens` must be at least 1".to_owned()
            ));
        }
        arrivals.push(Arrival {
            at: Duration::from_secs_f64(parsed.t),
            prompt_tokens: parsed.prompt_tokens,
            max_tokens: parsed.max_tokens,
        });
    }
    arrivals.sort_by_key(|a| a.at);
    Ok(arrivals)
}

/// The arrivals of a run: every arrival before `duration`, at most `max_requests`.
pub fn arrivals(
    pattern: &Pattern,
    duration: Duration,
    max_requests: Option<usize>,
    prompt: TokenCount,
    output: TokenCount,
    rng: &mut StdRng,
) -> Vec<Arrival> {
    let limit = max_requests.unwrap_or(usize::MAX);
    if let Pattern::Trace(trace) = pattern {
        return trace
            .iter()
            .copied()
            .filter(|a| a.at < duration)
            .take(limit)
            .collect();
    }

    let end = duration.as_secs_f64();
    let mut times = Vec::new();
    if let Pattern::Uniform { rate } = pattern {
        // Evenly spaced from t = 0.
        if *rate > 0.0 {
            times.extend(
                (0..)
                    .map(|i| f64::from(i) / rate)
                    .take_while(|&t| t < end)
                    .take(limit),
            );
        }
    } else {
        let mut t = 0.0f64;
        while t < end && times.len() < limit {
            let (rate, piece_end) = rate_at(pattern, t);
            let piece_end = piece_end.min(end);
            let gap = if rate > 0.0 {
                Exp::new(rate).ok().map(|exp| exp.sample(rng))
            } else {
                None
            };
            match gap {
                Some(gap) if t + gap < piece_end => {
                    t += gap;
                    times.push(t);
                }
                // No arrival left in this piece: continue at its end (memoryless).
                _ => t = piece_end,
            }
        }
    }
    times
        .into_iter()
        .map(|at| Arrival {
            at: Duration::from_secs_f64(at),
            prompt_tokens: prompt.sample(rng),
            max_tokens: output.sample(rng),
        })
        .collect()
}

/// The rate at `t` and when that rate next changes.
fn rate_at(pattern: &Pattern, t: f64) -> (f64, f64) {
    match pattern {
        Pattern::Poisson { rate } | Pattern::Uniform { rate } => (*rate, f64::INFINITY),
        Pattern::Burst {
            on_rate,
            off_rate,
            on,
            off,
        } => {
            let (on, off) = (on.as_secs_f64(), off.as_secs_f64());
            let period = on + off;
            let start = (t / period).floor() * period;
            if t - start < on {
                (*on_rate, start + on)
            } else {
                (*off_rate, start + period)
            }
        }
        Pattern::Steps(steps) => {
            let current = steps.iter().rev().find(|(at, _)| at.as_secs_f64() <= t);
            let next = steps.iter().find(|(at, _)| at.as_secs_f64() > t);
            (
                current.map_or(0.0, |&(_, rate)| rate),
                next.map_or(f64::INFINITY, |(at, _)| at.as_secs_f64()),
            )
        }
        Pattern::Trace(_) => (0.0, f64::INFINITY),
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    fn run(pattern: &Pattern, secs: u64) -> Vec<Arrival> {
        let mut rng = StdRng::seed_from_u64(3);
        let fixed = TokenCount::Fixed(10);
        arrivals(
            pattern,
            Duration::from_secs(secs),
            None,
            fixed,
            fixed,
            &mut rng,
        )
    }

    fn count_between(arrivals: &[Arrival], from: u64, to: u64) -> usize {
        let (from, to) = (Duration::from_secs(from), Duration::from_secs(to));
        arrivals
            .iter()
            .filter(|a| a.at >= from && a.at < to)
            .count()
    }

    #[test]
    fn poisson_rate_is_met_on_average() {
        let arrivals = run(&Pattern::Poisson { rate: 50.0 }, 100);
        assert!(
            (4_700..5_300).contains(&arrivals.len()),
            "{}",
            arrivals.len()
        );
        assert!(arrivals.windows(2).all(|w| w[0].at <= w[1].at));
    }

    #[test]
    fn uniform_arrivals_are_evenly_spaced_from_zero() {
        let arrivals = run(&Pattern::Uniform { rate: 4.0 }, 2);
        let times: Vec<u128> = arrivals.iter().map(|a| a.at.as_millis()).collect();
        assert_eq!(times, vec![0, 250, 500, 750, 1000, 1250, 1500, 1750]);
    }

    #[test]
    fn bursts_send_only_while_on_when_off_rate_is_zero() {
        let pattern = Pattern::Burst {
            on_rate: 100.0,
            off_rate: 0.0,
            on: Duration::from_secs(1),
            off: Duration::from_secs(2),
        };
        let arrivals = run(&pattern, 6);
        assert_eq!(
            count_between(&arrivals, 1, 3) + count_between(&arrivals, 4, 6),
            0
        );
        assert!(count_between(&arrivals, 0, 1) > 50 && count_between(&arrivals, 3, 4) > 50);
    }

    #[test]
    fn steps_change_the_rate_at_their_times() {
        let steps = parse_steps("0s=5,10s=50").unwrap();
        let arrivals = run(&Pattern::Steps(steps), 20);
        let (low, high) = (
            count_between(&arrivals, 0, 10),
            count_between(&arrivals, 10, 20),
        );
        assert!(low < 100 && high > 350, "low {low} high {high}");
    }

    #[test]
    fn traces_parse_and_reject_bad_lines_with_their_number() {
        let trace = parse_trace("{\"t\": 1.5, \"promptTokens\": 10, \"maxTokens\": 5}\n\n{\"t\": 0, \"promptTokens\": 3, \"maxTokens\": 2}\n").unwrap();
        assert_eq!(
            trace[0],
            Arrival {
                at: Duration::ZERO,
                prompt_tokens: 3,
                max_tokens: 2
            }
        );
        assert_eq!(trace[1].at, Duration::from_millis(1500));
        let err = parse_trace("{\"t\": 1, \"promptTokens\": 1, \"maxTokens\": 1}\n{\"t\": -1, \"promptTokens\": 1, \"maxTokens\": 1}").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn token_counts_parse_fixed_and_ranges() {
        assert_eq!(TokenCount::parse("256"), Ok(TokenCount::Fixed(256)));
        assert_eq!(
            TokenCount::parse("128..512"),
            Ok(TokenCount::Uniform { min: 128, max: 512 })
        );
        assert!(TokenCount::parse("0").is_err());
        assert!(TokenCount::parse("9..3").is_err());
    }
}
