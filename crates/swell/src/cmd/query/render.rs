//! Printing a query's outcome: the JSON contract of ARCHITECTURE.md, or text that walks
//! through the arithmetic from each trigger's value to the replica count.

use std::fmt::Write as _;

use serde::Serialize;
use swell_core::keda::KedaStep;
use swell_core::quantity;
use swell_core::spec::{MetricType, ScalingSpec, TriggerSpec};
use swell_core::trigger::TriggerConfig;
use swell_core::trigger::vllm::ScrapeTargets;

use super::evaluate::Reading;
use super::replicas::{HpaStep, ReplicaMath, TriggerMath};

/// Everything the output is made from.
pub struct Outcome<'a> {
    /// `metadata.name` of the ScaledObject.
    pub name: &'a str,
    /// `metadata.namespace`, when written.
    pub namespace: Option<&'a str>,
    /// The translated spec.
    pub spec: &'a ScalingSpec,
    /// Each trigger's parsed configuration (for describing its source).
    pub configs: &'a [Option<TriggerConfig>],
    /// Each trigger's reading.
    pub readings: &'a [Reading],
    /// The replica arithmetic.
    pub math: &'a ReplicaMath,
    /// `scalingModifiers.formula` as written.
    pub formula: Option<&'a str>,
}

/// One trigger in `--format json`, fields in the contract's order.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonTrigger<'a> {
    index: usize,
    name: Option<&'a str>,
    #[serde(rename = "type")]
    trigger_type: &'a str,
    metric_name: &'a str,
    value: Option<f64>,
    error: Option<&'a str>,
    target: f64,
    activation_target: f64,
    active: bool,
}

/// The `--format json` document.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonOutcome<'a> {
    triggers: Vec<JsonTrigger<'a>>,
    desired_replicas: i32,
}

/// The JSON document, one line.
pub fn json(outcome: &Outcome<'_>) -> String {
    let triggers = outcome
        .spec
        .triggers
        .iter()
        .zip(outcome.readings)
        .zip(&outcome.math.triggers)
        .enumerate()
        .map(|(index, ((trigger, reading), math))| JsonTrigger {
            index,
            name: trigger.name.as_deref(),
            trigger_type: &trigger.trigger_type,
            metric_name: &trigger.metric_name,
            value: reading.value.as_ref().ok().copied(),
            error: reading.value.as_ref().err().map(String::as_str),
            target: trigger.target,
            activation_target: trigger.activation_target,
            active: math.active,
        })
        .collect();
    let document = JsonOutcome {
        triggers,
        desired_replicas: outcome.math.desired,
    };
    serde_json::to_string(&document).expect("plain data serializes")
}

/// The explanation, several lines.
pub fn text(outcome: &Outcome<'_>) -> String {
    let math = outcome.math;
    let mut out = String::new();
    let namespace = outcome
        .namespace
        .map(|ns| format!(" (namespace {ns})"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "ScaledObject {}{namespace}, from {} current replica{}:\n",
        outcome.name,
        math.current,
        plural(math.current)
    );

    for (index, trigger) in outcome.spec.triggers.iter().enumerate() {
        let config = outcome.configs.get(index).and_then(Option::as_ref);
        trigger_text(
            &mut out,
            index,
            trigger,
            config,
            &outcome.readings[index],
            &math.triggers[index],
            math,
        );
    }
    if let (Some(composite), Some(modifiers)) = (&math.composite, &outcome.spec.modifiers) {
        let formula = outcome.formula.unwrap_or_default().trim();
        let _ = writeln!(out, "composite-metric  (scalingModifiers: {formula})");
        match composite.value_milli {
            Some(milli) => {
                let value = quantity::milli_to_f64(milli);
                let _ = writeln!(
                    out,
                    "  value {value}: {} (activationTarget {})",
                    if composite.active {
                        "active"
                    } else {
                        "not active"
                    },
                    modifiers.activation_target
                );
                let _ = writeln!(
                    out,
                    "  {}",
                    proposal_text(
                        modifiers.metric_type,
                        value,
                        modifiers.target,
                        composite.proposal,
                        math
                    )
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "  no value: a trigger it reads failed or the formula failed"
                );
            }
        }
        out.push('\n');
    }

    keda_text(&mut out, outcome.spec, math);
    hpa_text(&mut out, outcome.spec, math);
    let _ = writeln!(out, "desiredReplicas: {}", math.desired);
    out
}

fn trigger_text(
    out: &mut String,
    index: usize,
    trigger: &TriggerSpec,
    config: Option<&TriggerConfig>,
    reading: &Reading,
    math: &TriggerMath,
    all: &ReplicaMath,
) {
    let name = trigger
        .name
        .as_deref()
        .map(|n| format!(" `{n}`"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "trigger {index}{name}  {}  ({}, {})",
        trigger.metric_name,
        trigger.trigger_type,
        trigger.metric_type.as_str()
    );
    if let Some(source) = config.map(source_text) {
        let _ = writeln!(out, "  source: {source}");
    }
    match &reading.value {
        Err(error) => {
            let _ = writeln!(out, "  error: {error}");
            let _ = writeln!(
                out,
                "  no value: the HPA gets an error for this metric (it may still scale up on \
                 others, never down){}",
                fallback_note(math)
            );
        }
        Ok(value) => {
            let _ = writeln!(
                out,
                "  value {value} (read in {} ms)",
                reading.elapsed.as_millis()
            );
            let comparison = if math.active { ">" } else { "<=" };
            let _ = writeln!(
                out,
                "  {}: {value} {comparison} activationThreshold {}",
                if math.active { "active" } else { "not active" },
                trigger.activation_target
            );
            if trigger.target > 0.0 {
                let _ = writeln!(
                    out,
                    "  ratio value / threshold = {value} / {} = {}",
                    trigger.target,
                    round3(value / trigger.target)
                );
            }
            if all.composite.is_none() && math.usage_milli.is_some() {
                let served = quantity::milli_to_f64(math.usage_milli.unwrap_or(0));
                let _ = writeln!(
                    out,
                    "  {}",
                    proposal_text(
                        trigger.metric_type,
                        served,
                        trigger.target,
                        math.proposal,
                        all
                    )
                );
            }
        }
    }
    out.push('\n');
}

/// The HPA's formula for one metric, with its numbers.
fn proposal_text(
    metric_type: MetricType,
    value: f64,
    target: f64,
    proposal: Option<i32>,
    math: &ReplicaMath,
) -> String {
    let Some(proposal) = proposal else {
        return "the HPA makes no proposal for it".to_string();
    };
    let current = math.after_keda;
    let band = format!(
        "within the HPA's tolerance ({}% down, {}% up)",
        round3(math.tolerance.down * 100.0),
        round3(math.tolerance.up * 100.0)
    );
    match metric_type {
        MetricType::AverageValue => {
            let ratio = value / (target * f64::from(current.max(1)));
            if proposal == current && current > 0 && math.tolerance.contains(ratio) {
                format!(
                    "AverageValue: {value} / ({target} x {current} replicas) = {} is {band}: \
                     keep {current}",
                    round3(ratio)
                )
            } else {
                format!("AverageValue: ceil({value} / {target}) = {proposal} replicas")
            }
        }
        MetricType::Value | MetricType::Utilization => {
            let ratio = value / target;
            if current == 0 {
                format!("Value: ceil({value} / {target}) = {proposal} replicas (from zero)")
            } else if proposal == current && math.tolerance.contains(ratio) {
                format!(
                    "Value: {value} / {target} = {} is {band}: keep {current}",
                    round3(ratio)
                )
            } else {
                format!("Value: ceil({current} ready x {value} / {target}) = {proposal} replicas")
            }
        }
    }
}

fn fallback_note(math: &TriggerMath) -> &'static str {
    match math.outcome {
        swell_core::fallback::Outcome::Substitute => {
            "; fallback is active, so KEDA serves a value that lands on fallback.replicas"
        }
        swell_core::fallback::Outcome::Nil => "; fallback feeds `nil` to the formula",
        _ => "",
    }
}

fn keda_text(out: &mut String, spec: &ScalingSpec, math: &ReplicaMath) {
    let activity = if math.active {
        "active"
    } else if math.error {
        "not active (a trigger failed)"
    } else {
        "not active (no trigger above its activation threshold)"
    };
    let _ = writeln!(out, "KEDA: the ScaledObject is {activity}.");
    let step = match math.keda {
        KedaStep::Hold => None,
        KedaStep::Activated { from, to } => Some(format!(
            "scales the target from {from} to {to} (minReplicaCount, at least 1), then the HPA \
             takes over"
        )),
        KedaStep::Deactivated { from, to } => Some(format!(
            "scales the target from {from} to {to} once cooldownPeriod ({} s) has passed since \
             the last active poll",
            spec.cooldown_period.as_secs()
        )),
        KedaStep::RaisedToMin { from, to } => Some(format!(
            "raises the target from {from} to minReplicaCount {to}"
        )),
        KedaStep::HeldOnError => Some(
            "does not scale in while a trigger fails (add `fallback` to choose a count for \
             outages)"
                .to_string(),
        ),
        KedaStep::ActivationPaused => {
            Some("would activate, but paused-scale-out forbids it".to_string())
        }
        KedaStep::DeactivationPaused => {
            Some("would scale in, but paused-scale-in forbids it".to_string())
        }
        KedaStep::CoolingDown { .. } => None,
    };
    if let Some(step) = step {
        let _ = writeln!(out, "  KEDA {step}.");
    }
}

fn hpa_text(out: &mut String, spec: &ScalingSpec, math: &ReplicaMath) {
    let bounds = format!("[{}, {}]", math.hpa_min, spec.max_replicas);
    let line = match math.hpa {
        HpaStep::Paused => "paused by annotation: the HPA is deleted and the count frozen".into(),
        HpaStep::Disabled => "the target is at 0 replicas: the HPA is disabled".into(),
        HpaStep::AboveMax => format!("{} replicas are above maxReplicaCount", math.after_keda),
        HpaStep::BelowMin => format!(
            "{} replicas are below the HPA's minReplicas {} (minReplicaCount, at least 1)",
            math.after_keda, math.hpa_min
        ),
        HpaStep::Blocked => format!(
            "a metric failed and the others do not ask for more: the HPA keeps {}",
            math.after_keda
        ),
        HpaStep::Proposal {
            replicas,
            held_by_pause: true,
        } => format!(
            "proposes {replicas}, but a pause annotation keeps {}",
            math.after_keda
        ),
        HpaStep::Proposal { replicas, .. } => {
            format!("the largest proposal is {replicas}, bounded to {bounds}")
        }
    };
    let _ = writeln!(out, "HPA: {line}.");
    if math.desired > math.after_keda && math.after_keda > 0 && spec.behavior.is_none() {
        let cap = (2 * math.after_keda).max(4);
        if math.desired > cap {
            let _ = writeln!(
                out,
                "  The HPA gets there in steps: at most max(2 x current, 4) = {cap} on its next \
                 sync, then again every sync (15 s)."
            );
        }
    }
    if math.desired < math.after_keda && matches!(math.hpa, HpaStep::Proposal { .. }) {
        let _ = writeln!(
            out,
            "  The HPA scales down only after its stabilization window (300 s unless \
             behavior.scaleDown sets one) has seen lower proposals throughout."
        );
    }
}

fn source_text(config: &TriggerConfig) -> String {
    match config {
        TriggerConfig::Prometheus(p) => format!("{} at {}", p.query, p.server_address),
        TriggerConfig::Vllm(v) => {
            let place = match &v.targets {
                ScrapeTargets::Endpoints(endpoints) => {
                    format!(
                        "{} endpoint{}",
                        endpoints.len(),
                        plural(endpoints.len() as i32)
                    )
                }
                ScrapeTargets::PodSelector { selector, .. } => format!("pods `{selector}`"),
            };
            let quantile = v
                .quantile
                .map(|q| format!(" p{}", q * 100.0))
                .unwrap_or_default();
            let model = v
                .model_name
                .as_deref()
                .map(|m| format!(" (model_name={m})"))
                .unwrap_or_default();
            format!(
                "{} of {}{quantile}{model} scraped from {place}",
                v.aggregation.as_str(),
                v.metric.family()
            )
        }
        TriggerConfig::Resource(r) => format!("{} usage per pod", r.resource.as_str()),
        TriggerConfig::Unsupported { trigger_type } => format!("`{trigger_type}` scaler"),
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn plural(n: i32) -> &'static str {
    if n == 1 { "" } else { "s" }
}
