//! The `swell decide` timeline: JSON Lines, one evaluation per line, parsed strictly so that a
//! typo in a field or metric name is reported with its line instead of silently ignored.

use std::collections::BTreeMap;

use serde_json::{Map, Number, Value};
use swell_core::spec::TriggerSpec;

/// One parsed timeline line.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// `t` as written (echoed in the output).
    pub t: Number,
    /// `t` in seconds.
    pub seconds: f64,
    /// `replicas`, when given.
    pub replicas: Option<i32>,
    /// `readyReplicas`, when given.
    pub ready_replicas: Option<i32>,
    /// One reading per trigger; `None` for `{"error": ...}`.
    pub readings: Vec<Option<f64>>,
}

/// Maps metric names to trigger indexes. Resource triggers answer to `s<i>-cpu` and to
/// KEDA's own metric name `cpu` (or `memory`).
pub struct MetricNames {
    by_name: BTreeMap<String, usize>,
    names: Vec<String>,
}

impl MetricNames {
    /// The names of `triggers`.
    pub fn new(triggers: &[TriggerSpec]) -> Self {
        let mut by_name = BTreeMap::new();
        let mut names = Vec::new();
        for (index, trigger) in triggers.iter().enumerate() {
            let keda_name = format!("s{index}-{}", trigger.trigger_type);
            by_name.insert(keda_name.clone(), index);
            by_name.insert(trigger.metric_name.clone(), index);
            names.push(keda_name);
        }
        MetricNames { by_name, names }
    }

    fn expected(&self) -> String {
        self.names.join(", ")
    }
}

/// Parses one non-empty line. `previous_t` enforces time order.
pub fn parse_line(
    text: &str,
    names: &MetricNames,
    previous_t: Option<f64>,
) -> Result<Step, String> {
    let value: Value =
        serde_json::from_str(text).map_err(|err| format!("not valid JSON: {err}"))?;
    let Value::Object(object) = value else {
        return Err("expected a JSON object like {\"t\": 0, \"metrics\": {...}}".to_string());
    };
    for key in object.keys() {
        if !matches!(key.as_str(), "t" | "replicas" | "readyReplicas" | "metrics") {
            return Err(format!(
                "unknown field `{key}`; a line has `t`, `metrics`, and optionally `replicas` \
                 and `readyReplicas`"
            ));
        }
    }

    let (t, seconds) = parse_time(&object)?;
    if let Some(previous) = previous_t
        && seconds < previous
    {
        return Err(format!(
            "`t` goes back in time ({seconds} after {previous}); sort the lines"
        ));
    }
    let replicas = parse_count(&object, "replicas")?;
    let ready_replicas = parse_count(&object, "readyReplicas")?;
    let readings = parse_metrics(&object, names)?;
    Ok(Step {
        t,
        seconds,
        replicas,
        ready_replicas,
        readings,
    })
}

fn parse_time(object: &Map<String, Value>) -> Result<(Number, f64), String> {
    let Some(t) = object.get("t") else {
        return Err("missing `t` (seconds since the start)".to_string());
    };
    let Value::Number(number) = t else {
        return Err(format!("`t` must be a number of seconds, got {t}"));
    };
    let seconds = number.as_f64().filter(|s| s.is_finite() && *s >= 0.0);
    match seconds {
        Some(seconds) if seconds <= 1e12 => Ok((number.clone(), seconds)),
        _ => Err(format!(
            "`t` must be between 0 and 1e12 seconds, got {number}"
        )),
    }
}

fn parse_count(object: &Map<String, Value>, key: &str) -> Result<Option<i32>, String> {
    match object.get(key) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| i32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| format!("`{key}` must be a whole number from 0 to 2147483647, got {n}")),
        Some(other) => Err(format!("`{key}` must be a whole number, got {other}")),
    }
}

fn parse_metrics(
    object: &Map<String, Value>,
    names: &MetricNames,
) -> Result<Vec<Option<f64>>, String> {
    let Some(metrics) = object.get("metrics") else {
        return Err(format!(
            "missing `metrics`; give a value for each of {}",
            names.expected()
        ));
    };
    let Value::Object(metrics) = metrics else {
        return Err(format!(
            "`metrics` must be an object keyed by {}",
            names.expected()
        ));
    };
    let mut readings: Vec<Option<Option<f64>>> = vec![None; names.names.len()];
    for (name, value) in metrics {
        let Some(&index) = names.by_name.get(name) else {
            return Err(format!(
                "unknown metric `{name}`; this ScaledObject's metrics are {}",
                names.expected()
            ));
        };
        if readings[index].is_some() {
            return Err(format!("metric `{name}` is given twice (trigger {index})"));
        }
        readings[index] = Some(parse_reading(name, value)?);
    }
    readings
        .into_iter()
        .enumerate()
        .map(|(index, reading)| {
            reading.ok_or_else(|| {
                format!(
                    "no value for `{}` (trigger {index}); give a number or {{\"error\": \"...\"}}",
                    names.names[index]
                )
            })
        })
        .collect()
}

fn parse_reading(name: &str, value: &Value) -> Result<Option<f64>, String> {
    match value {
        Value::Number(n) => n
            .as_f64()
            .map(Some)
            .ok_or_else(|| format!("metric `{name}`: {n} is not a representable number")),
        Value::Object(error) if error.len() == 1 && error.contains_key("error") => {
            match &error["error"] {
                Value::String(_) => Ok(None),
                other => Err(format!(
                    "metric `{name}`: `error` must be a message string, got {other}"
                )),
            }
        }
        other => Err(format!(
            "metric `{name}` must be a number or {{\"error\": \"message\"}}, got {other}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use swell_core::spec::MetricType;

    fn names() -> MetricNames {
        let trigger = |kind: &str, metric: &str| TriggerSpec {
            name: None,
            trigger_type: kind.to_string(),
            metric_name: metric.to_string(),
            metric_type: MetricType::AverageValue,
            target: 1.0,
            activation_target: 0.0,
            use_cached_metrics: false,
            resource: kind == "cpu",
        };
        MetricNames::new(&[
            trigger("prometheus", "s0-prometheus"),
            trigger("cpu", "cpu"),
        ])
    }

    #[test]
    fn a_full_line_parses() {
        let step = parse_line(
            r#"{"t": 30, "replicas": 2, "readyReplicas": 1, "metrics": {"s0-prometheus": 7.5, "cpu": {"error": "down"}}}"#,
            &names(),
            Some(0.0),
        )
        .unwrap();
        assert_eq!(step.seconds, 30.0);
        assert_eq!(step.replicas, Some(2));
        assert_eq!(step.ready_replicas, Some(1));
        assert_eq!(step.readings, vec![Some(7.5), None]);
    }

    #[test]
    fn resource_triggers_answer_to_both_names() {
        let line = r#"{"t": 0, "metrics": {"s0-prometheus": 1, "s1-cpu": 50}}"#;
        assert_eq!(
            parse_line(line, &names(), None).unwrap().readings,
            vec![Some(1.0), Some(50.0)]
        );
    }

    #[test]
    fn mistakes_are_named() {
        let cases = [
            ("[1]", "expected a JSON object"),
            (r#"{"t": 0, "metric": {}}"#, "unknown field `metric`"),
            (r#"{"metrics": {}}"#, "missing `t`"),
            (r#"{"t": -1, "metrics": {}}"#, "between 0 and 1e12"),
            (
                r#"{"t": 0, "replicas": 1.5, "metrics": {}}"#,
                "whole number",
            ),
            (r#"{"t": 0}"#, "missing `metrics`"),
            (
                r#"{"t": 0, "metrics": {"s9-prometheus": 1}}"#,
                "unknown metric `s9-prometheus`",
            ),
            (
                r#"{"t": 0, "metrics": {"s0-prometheus": 1}}"#,
                "no value for `s1-cpu`",
            ),
            (
                r#"{"t": 0, "metrics": {"s0-prometheus": "1", "cpu": 1}}"#,
                "must be a number",
            ),
            (
                r#"{"t": 0, "metrics": {"s1-cpu": 1, "cpu": 1, "s0-prometheus": 1}}"#,
                "given twice",
            ),
            (
                r#"{"t": 0, "metrics": {"s0-prometheus": {"error": 5}, "cpu": 1}}"#,
                "message string",
            ),
        ];
        for (line, expected) in cases {
            let err = parse_line(line, &names(), None).unwrap_err();
            assert!(err.contains(expected), "{line}: {err}");
        }
    }

    #[test]
    fn time_must_not_go_backwards() {
        let line = r#"{"t": 10, "metrics": {"s0-prometheus": 1, "cpu": 1}}"#;
        assert!(parse_line(line, &names(), Some(10.0)).is_ok());
        assert!(
            parse_line(line, &names(), Some(11.0))
                .unwrap_err()
                .contains("back in time")
        );
    }
}
