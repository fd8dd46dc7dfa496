//! ScaledObject → [`ScalingSpec`]: KEDA's defaults applied and KEDA's admission rules checked
//! (`keda.md` a.1, a.2, a.5), triggers parsed exactly as KEDA parses them, and `behavior`
//! defaulted and validated as the HPA API does.
//!
//! Rules that need other objects (one ScaledObject per target, foreign HPAs, resource requests)
//! live in `check`, which has every document at hand.

pub mod behavior;

use std::fmt;
use std::time::Duration;

use swell_core::formula::Formula;
use swell_core::spec::{
    ControllerSettings, DEFAULT_COOLDOWN_PERIOD, DEFAULT_MAX_REPLICAS, DEFAULT_POLLING_INTERVAL,
    Fallback, FallbackBehavior, MetricType, Modifiers, Pause, ScalingSpec, TriggerSpec,
};
use swell_core::trigger::{AuthParams, TriggerConfig, TriggerError, parse_trigger};

use crate::keda::annotations::pause_from_annotations;
use crate::keda::{ScaleTrigger, ScaledObject, ScaledObjectSpec, ScalingModifiersSpec};
use crate::problem::{Problem, Severity};
use crate::translate::behavior::translate_behavior;

/// Longest object name KEDA accepts for a ScaledObject and its HPA (a label value).
pub const MAX_NAME_LENGTH: usize = 63;

/// A ScaledObject KEDA would reject, or that cannot work; every problem names its field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranslateError {
    /// `metadata.name`, empty when absent.
    pub name: String,
    /// The errors found, in field order.
    pub problems: Vec<Problem>,
}

impl fmt::Display for TranslateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = if self.name.is_empty() {
            "(unnamed)"
        } else {
            &self.name
        };
        match self.problems.as_slice() {
            [one] => write!(f, "ScaledObject {name}: {one}"),
            many => {
                write!(f, "ScaledObject {name} has {} problems:", many.len())?;
                for problem in many {
                    write!(f, "\n  - {problem}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for TranslateError {}

/// Translates a ScaledObject for the engine. Credentials are not needed to decide, so a
/// trigger with an `authenticationRef` is assumed to get the parameters it asks for.
pub fn scaled_object(so: &ScaledObject) -> Result<ScalingSpec, TranslateError> {
    scaled_object_with_auth(so, &|_| None)
}

/// Translates a ScaledObject with the resolved TriggerAuthentication parameters of each
/// trigger (by index); `None` for a trigger means "not known here" (see [`scaled_object`]).
pub fn scaled_object_with_auth(
    so: &ScaledObject,
    auth: &dyn Fn(usize) -> Option<AuthParams>,
) -> Result<ScalingSpec, TranslateError> {
    let translation = translate(so, auth);
    match translation.spec {
        Some(spec) => Ok(spec),
        None => Err(TranslateError {
            name: so.metadata.name.clone().unwrap_or_default(),
            problems: translation
                .problems
                .into_iter()
                .filter(|p| p.severity == Severity::Error)
                .collect(),
        }),
    }
}

/// Everything learned while translating: the spec when there were no errors, each trigger's
/// parsed configuration, and every problem (errors and warnings).
#[derive(Clone, Debug)]
pub struct Translation {
    /// The engine's spec, `None` when any error was found.
    pub spec: Option<ScalingSpec>,
    /// Each trigger's parsed metadata, `None` where it failed to parse.
    pub triggers: Vec<Option<TriggerConfig>>,
    /// Errors and warnings.
    pub problems: Vec<Problem>,
}

/// Translates and collects every problem instead of stopping at the first.
pub fn translate(so: &ScaledObject, auth: &dyn Fn(usize) -> Option<AuthParams>) -> Translation {
    let spec = &so.spec;
    let mut problems = Vec::new();

    check_names(so, &mut problems);
    check_ranges(spec, &mut problems);
    check_bounds(spec, &mut problems);

    let (triggers, configs) = translate_triggers(spec, auth, &mut problems);
    check_resource_only_scale_to_zero(spec, &mut problems);
    let modifiers = translate_modifiers(spec, &mut problems);
    let fallback = translate_fallback(spec, modifiers.as_ref(), &mut problems);
    let behavior = translate_behavior(
        spec.advanced
            .as_ref()
            .and_then(|a| a.horizontal_pod_autoscaler_config.as_ref())
            .and_then(|h| h.behavior.as_ref()),
        "spec.advanced.horizontalPodAutoscalerConfig.behavior",
        &mut problems,
    );
    let pause = match pause_from_annotations(&so.metadata.annotations.clone().unwrap_or_default()) {
        Ok(pause) => pause,
        Err(err) => {
            problems.push(Problem::error(
                "invalid-annotation",
                format!("metadata.annotations.{}", err.annotation),
                err.to_string(),
            ));
            Pause::default()
        }
    };

    let has_errors = problems.iter().any(|p| p.severity == Severity::Error);
    let spec = (!has_errors).then(|| ScalingSpec {
        min_replicas: spec.min_replica_count.unwrap_or(0),
        max_replicas: spec.max_replica_count.unwrap_or(DEFAULT_MAX_REPLICAS),
        idle_replicas: spec.idle_replica_count,
        polling_interval: seconds(spec.polling_interval, DEFAULT_POLLING_INTERVAL),
        cooldown_period: seconds(spec.cooldown_period, DEFAULT_COOLDOWN_PERIOD),
        initial_cooldown_period: seconds(spec.initial_cooldown_period, Duration::ZERO),
        fallback,
        behavior,
        triggers: triggers.into_iter().flatten().collect(),
        modifiers,
        pause,
        controller: ControllerSettings::default(),
    });
    Translation {
        spec,
        triggers: configs,
        problems,
    }
}

fn seconds(value: Option<i32>, default: Duration) -> Duration {
    value.map_or(default, |s| Duration::from_secs(s.max(0) as u64))
}

/// The HPA name KEDA generates (or the one configured).
pub fn hpa_name(so: &ScaledObject) -> String {
    so.spec
        .advanced
        .as_ref()
        .and_then(|a| a.horizontal_pod_autoscaler_config.as_ref())
        .and_then(|h| h.name.clone())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| format!("keda-hpa-{}", so.metadata.name.as_deref().unwrap_or("")))
}

fn check_names(so: &ScaledObject, problems: &mut Vec<Problem>) {
    let name = so.metadata.name.as_deref().unwrap_or("");
    if name.len() > MAX_NAME_LENGTH {
        problems.push(Problem::error(
            "name-too-long",
            "metadata.name",
            format!(
                "is {} characters; KEDA allows at most {MAX_NAME_LENGTH} (it becomes a label value)",
                name.len()
            ),
        ));
    }
    let hpa = hpa_name(so);
    if hpa.len() > MAX_NAME_LENGTH {
        // Point at the name that was written: the configured HPA name, or else ours.
        let configured = so
            .spec
            .advanced
            .as_ref()
            .and_then(|a| a.horizontal_pod_autoscaler_config.as_ref())
            .and_then(|h| h.name.as_deref())
            .is_some_and(|n| !n.is_empty());
        let field = if configured {
            "spec.advanced.horizontalPodAutoscalerConfig.name"
        } else {
            "metadata.name"
        };
        problems.push(Problem::error(
            "name-too-long",
            field,
            format!(
                "the HPA name `{hpa}` is {} characters; KEDA allows at most {MAX_NAME_LENGTH}. \
                 Shorten the ScaledObject name or set a shorter \
                 `advanced.horizontalPodAutoscalerConfig.name`",
                hpa.len()
            ),
        ));
    }
}

/// The CRD's `minimum` constraints.
fn check_ranges(spec: &ScaledObjectSpec, problems: &mut Vec<Problem>) {
    // (field, value, minimum, what the field means, KEDA's default)
    let fields = [
        (
            "pollingInterval",
            spec.polling_interval,
            1,
            "seconds between polls",
            "30",
        ),
        ("cooldownPeriod", spec.cooldown_period, 0, "seconds", "300"),
        (
            "initialCooldownPeriod",
            spec.initial_cooldown_period,
            0,
            "seconds",
            "0",
        ),
        (
            "idleReplicaCount",
            spec.idle_replica_count,
            0,
            "replicas",
            "unset",
        ),
        (
            "minReplicaCount",
            spec.min_replica_count,
            0,
            "replicas",
            "0",
        ),
        (
            "maxReplicaCount",
            spec.max_replica_count,
            1,
            "replicas",
            "100",
        ),
    ];
    for (name, value, minimum, unit, default) in fields {
        if let Some(value) = value.filter(|v| *v < minimum) {
            problems.push(Problem::error(
                "value-out-of-range",
                format!("spec.{name}"),
                format!(
                    "must be at least {minimum} ({unit}), got {value}; remove it for KEDA's \
                     default ({default}) or write a value of {minimum} or more"
                ),
            ));
        }
    }
}

/// KEDA's `CheckReplicaCountBoundsAreValid` and the CRD's CEL rule on min ≤ max.
fn check_bounds(spec: &ScaledObjectSpec, problems: &mut Vec<Problem>) {
    let max = spec.max_replica_count.unwrap_or(DEFAULT_MAX_REPLICAS);
    // KEDA quirk: an explicit minReplicaCount of 0 counts as 1 here (the HPA minimum).
    let effective_min = spec.min_replica_count.map_or(0, |min| min.max(1));
    let written_min = spec.min_replica_count.unwrap_or(0);
    if written_min > max || effective_min > max {
        problems.push(Problem::error(
            "replica-bounds",
            "spec.minReplicaCount",
            format!(
                "minReplicaCount ({written_min}) must be less than or equal to maxReplicaCount \
                 ({max}{})",
                if spec.max_replica_count.is_none() {
                    ", the default"
                } else {
                    ""
                }
            ),
        ));
    }
    if let Some(idle) = spec
        .idle_replica_count
        .filter(|idle| *idle >= effective_min)
    {
        let min_text = match spec.min_replica_count {
            None => "unset (0)".to_string(),
            Some(0) => "0, which KEDA counts as 1 here".to_string(),
            Some(min) => min.to_string(),
        };
        problems.push(Problem::error(
            "idle-replicas",
            "spec.idleReplicaCount",
            format!(
                "idleReplicaCount ({idle}) must be less than minReplicaCount ({min_text}); \
                 set minReplicaCount above idleReplicaCount, or remove idleReplicaCount"
            ),
        ));
    }
}

fn translate_triggers(
    spec: &ScaledObjectSpec,
    auth: &dyn Fn(usize) -> Option<AuthParams>,
    problems: &mut Vec<Problem>,
) -> (Vec<Option<TriggerSpec>>, Vec<Option<TriggerConfig>>) {
    if spec.triggers.is_empty() {
        problems.push(Problem::error(
            "no-triggers",
            "spec.triggers",
            "no triggers defined; add at least one trigger",
        ));
    }

    let mut seen_names: Vec<(&str, usize)> = Vec::new();
    let mut specs = Vec::new();
    let mut configs = Vec::new();
    for (index, trigger) in spec.triggers.iter().enumerate() {
        let at = format!("spec.triggers[{index}]");
        if let Some(name) = trigger.name.as_deref().filter(|n| !n.is_empty()) {
            if let Some((_, first)) = seen_names.iter().find(|(seen, _)| *seen == name) {
                problems.push(Problem::error(
                    "duplicate-trigger-name",
                    format!("{at}.name"),
                    format!(
                        "trigger name `{name}` is already used by spec.triggers[{first}]; names \
                         must be unique (formulas refer to triggers by name): rename one"
                    ),
                ));
            }
            seen_names.push((name, index));
        }
        if trigger.use_cached_metrics == Some(true)
            && matches!(trigger.trigger_type.as_str(), "cpu" | "memory" | "cron")
        {
            problems.push(Problem::error(
                "cached-metrics-unsupported",
                format!("{at}.useCachedMetrics"),
                format!(
                    "`useCachedMetrics` is not supported for `{}` triggers; remove it",
                    trigger.trigger_type
                ),
            ));
        }

        let config = match parse_config(trigger, auth(index)) {
            Ok(config) => Some(config),
            Err(err) => {
                problems.push(trigger_problem(index, trigger, &err));
                None
            }
        };
        let metric_type = metric_type(index, trigger, config.as_ref(), problems);
        let spec = match (&config, metric_type) {
            (Some(TriggerConfig::Unsupported { trigger_type }), _) => {
                problems.push(Problem::error(
                    "unsupported-trigger",
                    format!("{at}.type"),
                    format!(
                        "swell does not run `{trigger_type}` triggers yet (KEDA does); use \
                         prometheus, vllm, cpu or memory"
                    ),
                ));
                None
            }
            (Some(config), Some(metric_type)) => Some(TriggerSpec {
                name: trigger.name.clone().filter(|n| !n.is_empty()),
                trigger_type: trigger.trigger_type.clone(),
                metric_name: config.metric_name(index),
                metric_type,
                target: config.threshold().unwrap_or(0.0),
                activation_target: config.activation_threshold(),
                use_cached_metrics: trigger.use_cached_metrics.unwrap_or(false),
                resource: trigger.is_resource(),
            }),
            _ => None,
        };
        specs.push(spec);
        configs.push(config);
    }
    (specs, configs)
}

/// Parses one trigger. Without resolved parameters, a trigger that names a TriggerAuthentication
/// is given a stand-in for each parameter it asks for, since the value does not matter here.
fn parse_config(
    trigger: &ScaleTrigger,
    auth: Option<AuthParams>,
) -> Result<TriggerConfig, TriggerError> {
    let assume = auth.is_none() && trigger.authentication_ref.is_some();
    let mut params = auth.unwrap_or_default();
    // Each round fills at most one missing parameter; no trigger asks for more than a few.
    for _ in 0..8 {
        match parse_trigger(&trigger.trigger_type, &trigger.metadata, &params) {
            Err(err)
                if assume
                    && !trigger.metadata.contains_key(&err.key)
                    && !params.contains_key(&err.key)
                    && err.key != "type" =>
            {
                params.insert(
                    err.key.clone(),
                    "assumed-from-trigger-authentication".to_string(),
                );
            }
            other => return other,
        }
    }
    parse_trigger(&trigger.trigger_type, &trigger.metadata, &params)
}

fn trigger_problem(index: usize, trigger: &ScaleTrigger, err: &TriggerError) -> Problem {
    let at = format!("spec.triggers[{index}]");
    if err.key == "type" {
        return Problem::error(
            "unknown-trigger-type",
            format!("{at}.type"),
            err.message.clone(),
        );
    }
    let (field, source) =
        if trigger.metadata.contains_key(&err.key) || trigger.authentication_ref.is_none() {
            (format!("{at}.metadata.{}", err.key), "")
        } else {
            (
                format!("{at}.authenticationRef"),
                " (metadata or the TriggerAuthentication's parameters)",
            )
        };
    Problem::error(
        "invalid-trigger-metadata",
        field,
        format!(
            "{} trigger: `{}`{source} {}",
            trigger.trigger_type, err.key, err.message
        ),
    )
}

/// The HPA target type, by KEDA's rules: external triggers default to `AverageValue` and reject
/// `Utilization`; cpu/memory need exactly one of `metricType` or the legacy metadata `type`.
fn metric_type(
    index: usize,
    trigger: &ScaleTrigger,
    config: Option<&TriggerConfig>,
    problems: &mut Vec<Problem>,
) -> Option<MetricType> {
    let at = format!("spec.triggers[{index}].metricType");
    let written = match trigger.metric_type.as_deref().filter(|t| !t.is_empty()) {
        None => None,
        Some("AverageValue") => Some(MetricType::AverageValue),
        Some("Value") => Some(MetricType::Value),
        Some("Utilization") => Some(MetricType::Utilization),
        Some(other) => {
            problems.push(Problem::error(
                "invalid-metric-type",
                at,
                format!("must be `AverageValue`, `Value` or `Utilization`, got `{other}`"),
            ));
            return None;
        }
    };

    if !trigger.is_resource() {
        if written == Some(MetricType::Utilization) {
            problems.push(Problem::error(
                "invalid-metric-type",
                at,
                "`Utilization` is only for cpu and memory triggers; use `AverageValue` (the \
                 value is divided among replicas) or `Value`",
            ));
            return None;
        }
        return Some(written.unwrap_or_default());
    }

    let Some(TriggerConfig::Resource(resource)) = config else {
        return None;
    };
    let legacy = resource.legacy_metric_type.as_deref().map(|t| match t {
        "AverageValue" => MetricType::AverageValue,
        _ => MetricType::Utilization,
    });
    let chosen = match (written, legacy) {
        (Some(_), Some(_)) => {
            problems.push(Problem::error(
                "invalid-metric-type",
                at,
                "set only one of `metricType` and the deprecated `metadata.type`; keep \
                 `metricType`",
            ));
            return None;
        }
        (Some(t), None) | (None, Some(t)) => t,
        (None, None) => {
            problems.push(Problem::error(
                "invalid-metric-type",
                at,
                format!(
                    "{} triggers need `metricType: Utilization` (value is a percentage of the \
                     requests) or `metricType: AverageValue` (value is a quantity per pod)",
                    trigger.trigger_type
                ),
            ));
            return None;
        }
    };
    if chosen == MetricType::Value {
        problems.push(Problem::error(
            "invalid-metric-type",
            at,
            "cpu and memory triggers take `Utilization` or `AverageValue`, not `Value`",
        ));
        return None;
    }
    if chosen == MetricType::Utilization && resource.value_text.trim().parse::<i32>().is_err() {
        problems.push(Problem::error(
            "invalid-trigger-metadata",
            format!("spec.triggers[{index}].metadata.value"),
            format!(
                "with `Utilization` the value is a whole percentage such as \"60\", got `{}`",
                resource.value_text
            ),
        ));
        return None;
    }
    Some(chosen)
}

/// With only cpu/memory triggers nothing can wake a workload at zero replicas.
fn check_resource_only_scale_to_zero(spec: &ScaledObjectSpec, problems: &mut Vec<Problem>) {
    let resource_only =
        !spec.triggers.is_empty() && spec.triggers.iter().all(ScaleTrigger::is_resource);
    if resource_only && spec.min_replica_count.unwrap_or(0) == 0 {
        problems.push(Problem::error(
            "cpu-memory-scale-to-zero",
            "spec.minReplicaCount",
            "all triggers are cpu/memory and minReplicaCount is 0 (or unset): a workload at zero \
             replicas has no cpu or memory usage to wake it. Set `minReplicaCount: 1` or add a \
             trigger such as prometheus",
        ));
    }
}

/// Whether `scalingModifiers` is in use (any field written), as KEDA decides it.
pub fn uses_modifiers(spec: &ScaledObjectSpec) -> bool {
    modifiers_spec(spec).is_some_and(|m| {
        [&m.formula, &m.target, &m.activation_target, &m.metric_type]
            .iter()
            .any(|f| f.as_deref().is_some_and(|s| !s.is_empty()))
    })
}

fn modifiers_spec(spec: &ScaledObjectSpec) -> Option<&ScalingModifiersSpec> {
    spec.advanced
        .as_ref()
        .and_then(|a| a.scaling_modifiers.as_ref())
}

fn translate_modifiers(spec: &ScaledObjectSpec, problems: &mut Vec<Problem>) -> Option<Modifiers> {
    if !uses_modifiers(spec) {
        return None;
    }
    let modifiers = modifiers_spec(spec)?;
    let at = "spec.advanced.scalingModifiers";
    let non_empty = |f: &Option<String>| f.clone().filter(|s| !s.trim().is_empty());
    let problems_before = problems.len();

    let Some(source) = non_empty(&modifiers.formula) else {
        problems.push(Problem::error(
            "modifiers-invalid",
            format!("{at}.formula"),
            "scalingModifiers needs a `formula`, e.g. `max(queue / 4, kv / 0.8)`",
        ));
        return None;
    };
    let target = match non_empty(&modifiers.target) {
        None => {
            problems.push(Problem::error(
                "modifiers-invalid",
                format!("{at}.target"),
                "a formula is given but `target` is empty; set the value the composite metric \
                 should hold per replica, e.g. `target: \"1\"`",
            ));
            None
        }
        Some(text) => match text.trim().parse::<f64>() {
            Ok(t) if t > 0.0 => Some(t),
            _ => {
                problems.push(Problem::error(
                    "modifiers-invalid",
                    format!("{at}.target"),
                    format!("must be a number greater than 0, got `{text}`"),
                ));
                None
            }
        },
    };
    let activation_target = match non_empty(&modifiers.activation_target) {
        None => 0.0,
        Some(text) => text.trim().parse::<f64>().unwrap_or_else(|_| {
            problems.push(Problem::error(
                "modifiers-invalid",
                format!("{at}.activationTarget"),
                format!("must be a number, got `{text}`"),
            ));
            0.0
        }),
    };
    let metric_type = match modifiers.metric_type.as_deref().filter(|t| !t.is_empty()) {
        None | Some("AverageValue") => MetricType::AverageValue,
        Some("Value") => MetricType::Value,
        Some(other) => {
            problems.push(Problem::error(
                "modifiers-invalid",
                format!("{at}.metricType"),
                format!("must be `AverageValue` or `Value`, got `{other}`"),
            ));
            MetricType::AverageValue
        }
    };

    // The formula sees every named trigger except cpu/memory (KEDA's environment).
    let named: Vec<(usize, &str)> = spec
        .triggers
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.is_resource())
        .filter_map(|(i, t)| t.name.as_deref().filter(|n| !n.is_empty()).map(|n| (i, n)))
        .collect();
    let names: Vec<&str> = named.iter().map(|(_, n)| *n).collect();
    let formula = match compile_formula(&source, &names) {
        Ok(formula) => Some(formula),
        Err(message) => {
            let hint = if names.is_empty() {
                " (no trigger has a `name`; name the triggers the formula uses)".to_string()
            } else {
                format!(" (the formula can use: {})", names.join(", "))
            };
            problems.push(Problem::error(
                "modifiers-invalid",
                format!("{at}.formula"),
                format!("{message}{hint}"),
            ));
            None
        }
    };

    if problems.len() > problems_before {
        return None;
    }
    let formula = formula?;
    let variables = formula
        .variables()
        .iter()
        .filter_map(|v| named.iter().find(|(_, n)| n == v).map(|(i, _)| *i))
        .collect();
    Some(Modifiers {
        formula,
        variables,
        target: target?,
        activation_target,
        metric_type,
    })
}

/// Compiles the formula and, as KEDA's admission does, runs it once with every trigger at −1.
fn compile_formula(source: &str, names: &[&str]) -> Result<Formula, String> {
    let formula = Formula::compile(source, names).map_err(|e| format!("invalid formula: {e}"))?;
    let dummy = vec![Some(-1.0); formula.variables().len()];
    formula
        .evaluate(&dummy)
        .map_err(|e| format!("the formula fails when evaluated: {e}"))?;
    Ok(formula)
}

fn translate_fallback(
    spec: &ScaledObjectSpec,
    modifiers: Option<&Modifiers>,
    problems: &mut Vec<Problem>,
) -> Option<Fallback> {
    let fallback = spec.fallback.as_ref()?;
    let at = "spec.fallback";
    let errors_before = problems.len();

    if fallback.failure_threshold < 0 || fallback.replicas < 0 {
        problems.push(Problem::error(
            "fallback-invalid",
            at,
            format!(
                "failureThreshold ({}) and replicas ({}) must both be 0 or more",
                fallback.failure_threshold, fallback.replicas
            ),
        ));
    }
    let behavior = match fallback.behavior.as_deref() {
        None | Some("static") => FallbackBehavior::Static,
        Some("currentReplicas") => FallbackBehavior::CurrentReplicas,
        Some("currentReplicasIfHigher") => FallbackBehavior::CurrentReplicasIfHigher,
        Some("currentReplicasIfLower") => FallbackBehavior::CurrentReplicasIfLower,
        Some("scalingModifiers") => FallbackBehavior::ScalingModifiers,
        Some(other) => {
            problems.push(Problem::error(
                "fallback-invalid",
                format!("{at}.behavior"),
                format!(
                    "must be one of static, currentReplicas, currentReplicasIfHigher, \
                     currentReplicasIfLower, scalingModifiers; got `{other}`"
                ),
            ));
            FallbackBehavior::Static
        }
    };
    let using_modifiers = uses_modifiers(spec);
    if !using_modifiers && spec.triggers.iter().all(ScaleTrigger::is_resource) {
        problems.push(Problem::error(
            "fallback-invalid",
            at,
            "fallback needs at least one trigger that is not cpu or memory (resource metrics \
             never fall back)",
        ));
    }
    if behavior == FallbackBehavior::ScalingModifiers && !using_modifiers {
        problems.push(Problem::error(
            "fallback-invalid",
            format!("{at}.behavior"),
            "`behavior: scalingModifiers` needs `advanced.scalingModifiers.formula`",
        ));
    }
    if problems.len() > errors_before {
        return None;
    }

    // KEDA quirk: with scalingModifiers, fallback only applies when the target is an integer.
    if using_modifiers {
        let target_text = modifiers_spec(spec)
            .and_then(|m| m.target.clone())
            .unwrap_or_default();
        let integer_target = target_text.trim().parse::<i64>().is_ok_and(|t| t > 0);
        if !integer_target {
            if modifiers.is_some() {
                problems.push(Problem::warning(
                    "fallback-ignored",
                    at,
                    format!(
                        "KEDA applies fallback with scalingModifiers only when \
                         `scalingModifiers.target` is a whole number; `{target_text}` is not, so \
                         this fallback never happens. Use a whole-number target (scale the \
                         formula instead)"
                    ),
                ));
            }
            return None;
        }
    }
    Some(Fallback {
        failure_threshold: fallback.failure_threshold,
        replicas: fallback.replicas,
        behavior,
    })
}

#[cfg(test)]
mod tests;
