//! A parser for the Prometheus text exposition format (0.0.4), tolerant of OpenMetrics.
//!
//! Why our own: vLLM names its metrics `vllm:…` with a colon. `prometheus-parse` (Apache-2.0)
//! matches names with `\w+` and silently drops every `vllm:` family; `openmetrics-parser`
//! handles them but is LGPL-3.0, outside our licence allowlist (reference/rust_stack.md §8).
//! No other maintained, permissively licensed crate parses the format.
//!
//! Design: zero-copy. [`parse`] borrows the page: names, label values and help texts are
//! `&str` slices of the input, and label values are only unescaped when read
//! ([`LabelValue::unescaped`] returns a borrowed `Cow` unless the value holds an escape).
//! Per sample the parser allocates nothing; per family it allocates one `Vec`.
//!
//! What it accepts:
//! - `# HELP`, `# TYPE` (counter, gauge, histogram, summary, untyped, and OpenMetrics' unknown,
//!   gaugehistogram, info, stateset), `# UNIT`, `# EOF` (stops parsing), other comments;
//! - names `[a-zA-Z_:][a-zA-Z0-9_:]*`, labels `{a="x",b="y",}` with `\\`, `\"`, `\n` escapes;
//! - values as floats including `NaN`, `+Inf`, `-Inf`; an optional timestamp;
//! - OpenMetrics exemplars (`… # {trace_id="x"} 1.0`), which are skipped;
//! - samples grouped into their family by suffix: `_bucket`, `_count`, `_sum`, `_created` for
//!   histograms and summaries, `_total` and `_created` for counters (also a `_created` next
//!   to a family declared as `x_total`, as Python's client writes it).
//!
//! Anything else (a malformed line) is an error naming the line, as Prometheus rejects the
//! whole scrape in that case.

mod line;

use std::borrow::Cow;
use std::collections::HashMap;

use thiserror::Error;

pub use line::{LabelValue, Labels};

/// A `# TYPE`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MetricType {
    /// `counter`.
    Counter,
    /// `gauge`.
    Gauge,
    /// `histogram`.
    Histogram,
    /// `summary`.
    Summary,
    /// `untyped`, `unknown`, or no `# TYPE` line.
    #[default]
    Untyped,
    /// OpenMetrics `gaugehistogram`.
    GaugeHistogram,
    /// OpenMetrics `info`.
    Info,
    /// OpenMetrics `stateset`.
    StateSet,
}

impl MetricType {
    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "counter" => MetricType::Counter,
            "gauge" => MetricType::Gauge,
            "histogram" => MetricType::Histogram,
            "summary" => MetricType::Summary,
            "untyped" | "unknown" => MetricType::Untyped,
            "gaugehistogram" => MetricType::GaugeHistogram,
            "info" => MetricType::Info,
            "stateset" => MetricType::StateSet,
            _ => return None,
        })
    }

    /// The sample-name suffixes that belong to a family of this type.
    fn suffixes(self) -> &'static [&'static str] {
        match self {
            MetricType::Counter => &["_total", "_created"],
            MetricType::Histogram => &["_bucket", "_count", "_sum", "_created"],
            MetricType::Summary => &["_count", "_sum", "_created"],
            MetricType::GaugeHistogram => &["_bucket", "_gcount", "_gsum"],
            MetricType::Info => &["_info"],
            _ => &[],
        }
    }
}

/// One sample line.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample<'a> {
    /// The sample name as written, e.g. `vllm:time_to_first_token_seconds_bucket`.
    pub name: &'a str,
    /// The labels.
    pub labels: Labels<'a>,
    /// The value.
    pub value: f64,
    /// The timestamp as written: milliseconds in the Prometheus format, seconds in OpenMetrics.
    pub timestamp: Option<f64>,
}

impl<'a> Sample<'a> {
    /// The suffix after the family name, e.g. `_bucket` (empty for a plain gauge sample).
    pub fn suffix(&self, family: &str) -> &'a str {
        self.name.strip_prefix(family).unwrap_or("")
    }
}

/// A metric family: a name, a type, and its samples in page order.
#[derive(Clone, Debug, PartialEq)]
pub struct Family<'a> {
    /// The family name from `# TYPE`, or the sample name for untyped samples.
    pub name: &'a str,
    /// The declared type.
    pub metric_type: MetricType,
    /// The `# HELP` text, still escaped (`\\`, `\n`).
    pub help: Option<&'a str>,
    /// The OpenMetrics `# UNIT`.
    pub unit: Option<&'a str>,
    /// The samples.
    pub samples: Vec<Sample<'a>>,
}

impl<'a> Family<'a> {
    fn new(name: &'a str, metric_type: MetricType) -> Self {
        Family {
            name,
            metric_type,
            help: None,
            unit: None,
            samples: Vec::new(),
        }
    }

    /// The help text with escapes resolved.
    pub fn help_text(&self) -> Option<Cow<'a, str>> {
        self.help.map(|h| line::unescape(h, false))
    }

    /// Whether a sample called `sample_name` belongs to this family.
    fn owns(&self, sample_name: &str) -> bool {
        let Some(rest) = sample_name.strip_prefix(self.name) else {
            // Python's client declares counters as `x_total` and writes `x_created` next to them.
            return self.metric_type == MetricType::Counter
                && self
                    .name
                    .strip_suffix("_total")
                    .is_some_and(|base| sample_name.strip_prefix(base) == Some("_created"));
        };
        rest.is_empty() || self.metric_type.suffixes().contains(&rest)
    }

    /// The samples whose name is the family name plus `suffix` (`""` for plain samples).
    pub fn samples_with_suffix<'s>(
        &'s self,
        suffix: &'s str,
    ) -> impl Iterator<Item = &'s Sample<'a>> + 's {
        self.samples
            .iter()
            .filter(move |s| s.suffix(self.name) == suffix)
    }
}

/// A parsed page.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Exposition<'a> {
    /// The families in page order.
    pub families: Vec<Family<'a>>,
}

impl<'a> Exposition<'a> {
    /// The family called `name`.
    pub fn family(&self, name: &str) -> Option<&Family<'a>> {
        self.families.iter().find(|f| f.name == name)
    }

    /// Every sample, in page order.
    pub fn samples(&self) -> impl Iterator<Item = &Sample<'a>> {
        self.families.iter().flat_map(|f| f.samples.iter())
    }
}

/// Why a page could not be parsed.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[error("line {line}: {message}")]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Parses a page of the Prometheus text format (or OpenMetrics).
pub fn parse(text: &str) -> Result<Exposition<'_>, ParseError> {
    let mut families: Vec<Family<'_>> = Vec::new();
    let mut by_name: HashMap<&str, usize> = HashMap::new();

    for (index, raw) in text.split('\n').enumerate() {
        let at = |message: String| ParseError {
            line: index + 1,
            message,
        };
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            match line::comment(comment).map_err(at)? {
                line::Comment::Eof => break,
                line::Comment::Other => {}
                line::Comment::Meta {
                    keyword,
                    name,
                    rest,
                } => {
                    let position = *by_name.entry(name).or_insert_with(|| {
                        families.push(Family::new(name, MetricType::Untyped));
                        families.len() - 1
                    });
                    let family = &mut families[position];
                    match keyword {
                        "TYPE" => {
                            family.metric_type = MetricType::from_name(rest)
                                .ok_or_else(|| at(format!("unknown metric type `{rest}`")))?;
                        }
                        "HELP" => family.help = Some(rest),
                        _ => family.unit = Some(rest),
                    }
                }
            }
            continue;
        }

        let sample = line::sample(line).map_err(at)?;
        // Fast path: a sample almost always belongs to the family just before it.
        let position = match families.last() {
            Some(last) if last.owns(sample.name) => families.len() - 1,
            _ => find_family(&families, &by_name, sample.name).unwrap_or_else(|| {
                families.push(Family::new(sample.name, MetricType::Untyped));
                by_name.insert(sample.name, families.len() - 1);
                families.len() - 1
            }),
        };
        families[position].samples.push(sample);
    }
    Ok(Exposition { families })
}

/// The family a sample belongs to when it is not the latest one: the sample's own name, or
/// its name with a known suffix removed.
fn find_family(
    families: &[Family<'_>],
    by_name: &HashMap<&str, usize>,
    sample_name: &str,
) -> Option<usize> {
    if let Some(position) = by_name.get(sample_name) {
        return Some(*position);
    }
    [
        "_bucket", "_count", "_sum", "_created", "_total", "_gcount", "_gsum", "_info",
    ]
    .iter()
    .filter_map(|suffix| sample_name.strip_suffix(suffix))
    .flat_map(|base| [base.to_string(), format!("{base}_total")])
    .filter_map(|base| by_name.get(base.as_str()).copied())
    .find(|position| families[*position].owns(sample_name))
}

#[cfg(test)]
mod tests;
