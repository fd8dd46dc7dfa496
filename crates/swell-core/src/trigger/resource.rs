//! KEDA's `cpu` and `memory` triggers: an HPA Resource metric with a target `value`.
//!
//! Metadata: `value` (required: a percentage for `Utilization`, a Kubernetes quantity such as
//! `500m` or `512Mi` for `AverageValue`), `containerName` (optional, a container-resource
//! metric), and the deprecated metadata `type` (older spelling of `triggers[].metricType`).

use crate::metadata::{Fields, Lookup, Metadata};
use crate::trigger::{AuthParams, TriggerError};

/// Which resource the trigger measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    /// `type: cpu`.
    Cpu,
    /// `type: memory`.
    Memory,
}

impl Resource {
    /// The type name as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Cpu => "cpu",
            Resource::Memory => "memory",
        }
    }
}

/// A parsed `cpu`/`memory` trigger.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceTrigger {
    /// cpu or memory.
    pub resource: Resource,
    /// The target, as a plain number (quantity suffixes applied: `500m` → 0.5).
    pub value: f64,
    /// `value` as written.
    pub value_text: String,
    /// The deprecated metadata `type` (`Utilization` or `AverageValue`), when given.
    pub legacy_metric_type: Option<String>,
    /// `containerName`, when the target is one container's usage.
    pub container_name: Option<String>,
}

/// Parses a cpu/memory trigger's metadata.
pub fn parse(resource: Resource, metadata: &Metadata) -> Result<ResourceTrigger, TriggerError> {
    let auth = AuthParams::new();
    let fields = Fields::new(metadata, &auth);
    let legacy_metric_type = fields
        .enum_list("type", Lookup::Metadata, &["Utilization", "AverageValue"])?
        .into_iter()
        .next();
    let value_text = fields
        .required(
            "value",
            Lookup::Metadata,
            "the target, e.g. `value: \"60\"` (percent of requests)",
        )?
        .to_string();
    let value = parse_quantity(&value_text).ok_or_else(|| {
        TriggerError::new(
            "value",
            format!("must be a number or a quantity such as `500m` or `512Mi`, got `{value_text}`"),
        )
    })?;
    Ok(ResourceTrigger {
        resource,
        value,
        value_text,
        legacy_metric_type,
        container_name: fields
            .string("containerName", Lookup::Metadata)
            .map(str::to_string),
    })
}

/// A Kubernetes quantity (`100`, `0.5`, `500m`, `2k`, `512Mi`, `1e3`) as a float.
pub fn parse_quantity(text: &str) -> Option<f64> {
    const SUFFIXES: &[(&str, f64)] = &[
        ("Ki", 1024.0),
        ("Mi", 1048576.0),
        ("Gi", 1073741824.0),
        ("Ti", 1099511627776.0),
        ("Pi", 1125899906842624.0),
        ("Ei", 1152921504606846976.0),
        ("n", 1e-9),
        ("u", 1e-6),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    let (number, factor) = SUFFIXES
        .iter()
        .find_map(|(suffix, factor)| text.strip_suffix(suffix).map(|n| (n, *factor)))
        .unwrap_or((text, 1.0));
    let digits_ok = !number.is_empty()
        && number
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'));
    let value = number.parse::<f64>().ok().filter(|_| digits_ok)?;
    Some(value * factor).filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_apply_decimal_and_binary_suffixes() {
        for (input, expected) in [
            ("60", Some(60.0)),
            ("500m", Some(0.5)),
            ("2k", Some(2000.0)),
            ("512Mi", Some(536870912.0)),
            ("1e3", Some(1000.0)),
            ("abc", None),
            ("Mi", None),
            ("inf", None),
        ] {
            assert_eq!(parse_quantity(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn value_is_required_and_legacy_type_is_checked() {
        let md = |pairs: &[(&str, &str)]| -> Metadata {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(parse(Resource::Cpu, &md(&[])).unwrap_err().key, "value");
        assert_eq!(
            parse(Resource::Cpu, &md(&[("value", "50"), ("type", "Bogus")]))
                .unwrap_err()
                .key,
            "type"
        );
        let ok = parse(
            Resource::Memory,
            &md(&[("value", "1Gi"), ("containerName", "app")]),
        )
        .unwrap();
        assert_eq!(ok.value, 1073741824.0);
        assert_eq!(ok.container_name.as_deref(), Some("app"));
    }
}
