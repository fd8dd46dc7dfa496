//! One ScaledObject on its own: KEDA's admission rules and each trigger's metadata exactly as
//! KEDA parses it (both from [`crate::translate`], with the TriggerAuthentication parameters
//! found in the inputs), plus lints: queries that can return several series, fallback that an
//! empty result would hide, settings that have no effect, references to missing objects.

use swell_core::trigger::TriggerConfig;
use swell_core::trigger::prometheus::PrometheusTrigger;

use crate::check::promql::{QueryShape, shape};
use crate::check::{Inputs, auth};
use crate::keda::ScaledObject;
use crate::load::Document;
use crate::problem::{Problem, Severity};
use crate::translate::{Translation, translate};

/// Every problem of a ScaledObject written by the user.
pub fn check(so: &ScaledObject, document: &Document, inputs: &Inputs<'_>) -> Vec<Problem> {
    check_spec(so, document.namespace.as_deref(), inputs)
}

/// Every problem of a ScaledObject (written, or generated from an InferenceService) in
/// `namespace`; fields are paths in the ScaledObject.
pub fn check_spec(so: &ScaledObject, namespace: Option<&str>, inputs: &Inputs<'_>) -> Vec<Problem> {
    let triggers = &so.spec.triggers;
    let params: Vec<_> = triggers
        .iter()
        .map(|t| auth::resolve_params(t.authentication_ref.as_ref(), namespace, inputs))
        .collect();
    let translation = translate(so, &|i| params.get(i).cloned().flatten());
    let mut problems = admission_problems(&translation);

    for (index, trigger) in triggers.iter().enumerate() {
        let at = format!("spec.triggers[{index}]");
        if let Some(reference) = &trigger.authentication_ref {
            let field = format!("{at}.authenticationRef");
            problems.extend(auth::check_reference(reference, &field, namespace, inputs));
        }
        let Some(config) = translation.triggers.get(index).and_then(Option::as_ref) else {
            continue;
        };
        if !matches!(config, TriggerConfig::Unsupported { .. }) {
            for warning in config.warnings() {
                problems.push(Problem::warning(
                    "trigger-metadata-warning",
                    format!("{at}.metadata.{}", warning.key),
                    format!(
                        "{} trigger: `{}` {}",
                        trigger.trigger_type, warning.key, warning.message
                    ),
                ));
            }
        }
        if let TriggerConfig::Prometheus(prometheus) = config {
            problems.extend(query_problem(prometheus, &at));
            problems.extend(grafana_variable_in_valid_query(prometheus, &at));
            if so.spec.fallback.is_some() && prometheus.ignore_null_values {
                problems.push(Problem::warning(
                    "fallback-hidden-by-null-values",
                    format!("{at}.metadata.ignoreNullValues"),
                    "with the default `ignoreNullValues: \"true\"` an empty result (Prometheus \
                     lost the series) reads as 0, so fallback never starts and the target may \
                     scale down during an outage. Set `ignoreNullValues: \"false\"` (vLLM \
                     exports its gauges even at 0, so `sum(...)` over running pods is empty only \
                     when series are lost; `or vector(0)` would hide that again)",
                ));
            }
        }
    }
    problems.extend(irrelevant_settings(so));
    problems
}

/// Translation problems, with `unsupported-trigger` lowered to a warning: the manifest is
/// valid for KEDA, swell just does not run that trigger type yet.
fn admission_problems(translation: &Translation) -> Vec<Problem> {
    translation
        .problems
        .iter()
        .cloned()
        .map(|mut problem| {
            if problem.code == "unsupported-trigger" {
                problem.severity = Severity::Warning;
            }
            problem
        })
        .collect()
}

fn query_problem(prometheus: &PrometheusTrigger, at: &str) -> Option<Problem> {
    let field = format!("{at}.metadata.query");
    match shape(&prometheus.query) {
        Ok(QueryShape::Single) => None,
        Ok(QueryShape::Multiple(why)) => Some(Problem::warning(
            "query-multiple-series",
            field,
            format!(
                "the query can return several series ({why}); KEDA fails with \"returned \
                 multiple elements\" as soon as it does. Aggregate to one series, e.g. \
                 `sum(...)` or `max(...)`"
            ),
        )),
        Ok(QueryShape::Scalar) => Some(Problem::error(
            "query-not-a-vector",
            field,
            "the query returns a scalar, which KEDA's Prometheus scaler cannot read; wrap it: \
             `vector(...)`, or aggregate a vector with `sum(...)`",
        )),
        Ok(QueryShape::Range) => Some(Problem::error(
            "query-not-a-vector",
            field,
            "the query returns a range vector (`[5m]` at the top), which KEDA reads as an empty \
             value; apply a function such as `sum(rate(...[5m]))`",
        )),
        Err(message) => Some(Problem::warning(
            "query-syntax",
            field,
            format!(
                "the query does not parse as PromQL ({}); Prometheus would likely reject it{}",
                message.lines().next().unwrap_or(""),
                grafana_hint(&prometheus.query).unwrap_or_default()
            ),
        )),
    }
}

/// A Grafana variable in a query that parses: inside a label matcher (`namespace="$ns"`) it
/// matches nothing, silently. A query that does not parse gets the hint in `query-syntax`.
fn grafana_variable_in_valid_query(prometheus: &PrometheusTrigger, at: &str) -> Option<Problem> {
    shape(&prometheus.query).ok()?;
    let variable = grafana_variable(&prometheus.query)?;
    Some(Problem::warning(
        "placeholder",
        format!("{at}.metadata.query"),
        format!(
            "`{variable}` is a Grafana dashboard variable, which Prometheus does not expand: the \
             query looks for the literal text and matches nothing. Write its value instead"
        ),
    ))
}

/// A hint for queries copied from a Grafana panel: `$__rate_interval`, `$namespace` and
/// `${model}` are dashboard variables that only Grafana expands.
fn grafana_hint(query: &str) -> Option<String> {
    let variable = grafana_variable(query)?;
    // Grafana's built-ins (`$__interval`, `$__rate_interval`, `$__range`) are all durations.
    let value = if variable.starts_with("$__") || variable.starts_with("${__") {
        "a duration such as `2m`"
    } else {
        "its value"
    };
    Some(format!(
        ". `{variable}` is a Grafana dashboard variable, which Prometheus does not expand; \
         write {value} instead"
    ))
}

/// The first `$name` or `${name}` in the query. `$1` is not one: it is a `label_replace`
/// capture group.
fn grafana_variable(query: &str) -> Option<&str> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    query.match_indices('$').find_map(|(start, _)| {
        let rest = &query[start + 1..];
        let (name, length) = match rest.strip_prefix('{') {
            Some(braced) => {
                let name = &braced[..braced.find('}')?];
                (name, name.len() + 2)
            }
            None => {
                let name = &rest[..rest.find(|c| !is_name(c)).unwrap_or(rest.len())];
                (name, name.len())
            }
        };
        let starts_well = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
        (starts_well && name.chars().all(is_name)).then(|| &query[start..=start + length])
    })
}

/// KEDA's admission warnings: `pollingInterval` and `cooldownPeriod` only matter for scaling to
/// and from zero (or idle).
fn irrelevant_settings(so: &ScaledObject) -> Vec<Problem> {
    let spec = &so.spec;
    let mut problems = Vec::new();
    let always_on = spec.min_replica_count.unwrap_or(0) > 0 && spec.idle_replica_count.is_none();
    if !always_on {
        return problems;
    }
    let cached = spec
        .triggers
        .iter()
        .any(|t| t.use_cached_metrics == Some(true));
    if spec.polling_interval.is_some() && !cached {
        problems.push(Problem::warning(
            "setting-has-no-effect",
            "spec.pollingInterval",
            "with minReplicaCount above 0 and no idleReplicaCount, pollingInterval only times \
             activation checks that never change anything (the HPA queries metrics every 15s \
             on its own). Remove it, or set `useCachedMetrics: true` on triggers",
        ));
    }
    if spec.cooldown_period.is_some() {
        problems.push(Problem::warning(
            "setting-has-no-effect",
            "spec.cooldownPeriod",
            "with minReplicaCount above 0 and no idleReplicaCount, cooldownPeriod is never used \
             (it delays scaling to zero). For slower scale-down use \
             `advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds`",
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use crate::check::testing::{codes, has};
    use crate::problem::Severity;

    fn so(spec_extra: &str, metadata_extra: &str) -> String {
        format!(
            "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: qwen\n  \
             namespace: llm\nspec:\n  scaleTargetRef:\n    name: qwen-predictor\n{spec_extra}  \
             triggers:\n  - type: prometheus\n    metadata:\n      serverAddress: \
             http://prometheus:9090\n      query: sum(vllm:num_requests_waiting)\n      \
             threshold: \"4\"\n{metadata_extra}"
        )
    }

    #[test]
    fn a_valid_scaled_object_is_clean() {
        assert_eq!(codes(&so("", "")), vec![]);
    }

    #[test]
    fn scaled_object_rules() {
        let t0 = "spec.triggers[0]";
        let cases: Vec<(String, Severity, &str, String)> = vec![
            (
                so("  minReplicaCount: 5\n  maxReplicaCount: 2\n", ""),
                Severity::Error,
                "replica-bounds",
                "spec.minReplicaCount".into(),
            ),
            (
                so("", "      threshold: abc\n").replace("      threshold: \"4\"\n", ""),
                Severity::Error,
                "invalid-trigger-metadata",
                format!("{t0}.metadata.threshold"),
            ),
            (
                so("", "").replace("      serverAddress: http://prometheus:9090\n", ""),
                Severity::Error,
                "invalid-trigger-metadata",
                format!("{t0}.metadata.serverAddress"),
            ),
            (
                so("", "      authModes: basic\n"),
                Severity::Error,
                "invalid-trigger-metadata",
                format!("{t0}.metadata.username"),
            ),
            (
                so("", "").replace(
                    "sum(vllm:num_requests_waiting)",
                    "vllm:num_requests_waiting",
                ),
                Severity::Warning,
                "query-multiple-series",
                format!("{t0}.metadata.query"),
            ),
            (
                so("", "").replace("sum(vllm:num_requests_waiting)", "scalar(sum(x))"),
                Severity::Error,
                "query-not-a-vector",
                format!("{t0}.metadata.query"),
            ),
            (
                so("", "").replace("sum(vllm:num_requests_waiting)", "sum(x"),
                Severity::Warning,
                "query-syntax",
                format!("{t0}.metadata.query"),
            ),
            (
                so(
                    "  fallback:\n    failureThreshold: 3\n    replicas: 2\n",
                    "",
                ),
                Severity::Warning,
                "fallback-hidden-by-null-values",
                format!("{t0}.metadata.ignoreNullValues"),
            ),
            (
                so("  minReplicaCount: 1\n  cooldownPeriod: 60\n", ""),
                Severity::Warning,
                "setting-has-no-effect",
                "spec.cooldownPeriod".into(),
            ),
            (
                so(
                    "  advanced:\n    scalingModifiers:\n      formula: \"nope / 2\"\n      target: \"1\"\n",
                    "",
                ),
                Severity::Error,
                "modifiers-invalid",
                "spec.advanced.scalingModifiers.formula".into(),
            ),
            (
                so("", "").replace("type: prometheus", "type: kafka"),
                Severity::Warning,
                "unsupported-trigger",
                format!("{t0}.type"),
            ),
            (
                so("", "").replace("type: prometheus", "type: prometeus"),
                Severity::Error,
                "unknown-trigger-type",
                format!("{t0}.type"),
            ),
            (
                so("", "      metricName: x\n"),
                Severity::Warning,
                "trigger-metadata-warning",
                format!("{t0}.metadata.metricName"),
            ),
        ];
        for (text, severity, code, field) in cases {
            assert!(
                has(&text, severity, code, &field),
                "want {code} at {field} in\n{text}\ngot {:?}",
                codes(&text)
            );
        }
    }

    #[test]
    fn grafana_variables_in_a_broken_query_are_named() {
        let cases = [
            ("sum(rate(x[$__rate_interval]))", Some("$__rate_interval")),
            ("sum(rate(x[${__interval}]))", Some("${__interval}")),
            ("sum(x{namespace=\"$namespace\"}) by", Some("$namespace")),
            ("sum(x{pod=~\"vllm-.*$\"}) by", None),
            ("sum(x $)", None),
            ("sum(x ${})", None),
            ("label_replace(x, \"d\", \"$1\", \"s\", \"(.*)\") by", None),
        ];
        for (query, want) in cases {
            assert_eq!(super::grafana_variable(query), want, "{query}");
        }
    }

    #[test]
    fn a_query_copied_from_grafana_says_what_to_write_instead() {
        let text = so("", "").replace(
            "sum(vllm:num_requests_waiting)",
            "sum(rate(vllm:prompt_tokens_total[$__rate_interval]))",
        );
        let findings = crate::check::testing::check_texts(&[("so.yaml", &text)]);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(
            findings[0]
                .message
                .ends_with("write a duration such as `2m` instead"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn a_grafana_variable_in_a_label_matcher_is_a_placeholder() {
        let text = so("", "").replace(
            "sum(vllm:num_requests_waiting)",
            "sum(vllm:num_requests_waiting{namespace=\"$namespace\"})",
        );
        let findings = crate::check::testing::check_texts(&[("so.yaml", &text)]);
        let codes: Vec<_> = findings.iter().map(|f| f.code).collect();
        assert_eq!(codes, vec!["placeholder"], "{findings:?}");
        assert!(findings[0].message.contains("`$namespace`"), "{findings:?}");
        assert_eq!(findings[0].field, "spec.triggers[0].metadata.query");
    }

    #[test]
    fn only_cpu_triggers_cannot_use_fallback() {
        let text = "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: a}\nspec:\n  \
                    scaleTargetRef: {name: web}\n  minReplicaCount: 1\n  fallback: \
                    {failureThreshold: 3, replicas: 2}\n  triggers:\n  - type: cpu\n    \
                    metricType: Utilization\n    metadata: {value: \"60\"}\n";
        assert!(has(
            text,
            Severity::Error,
            "fallback-invalid",
            "spec.fallback"
        ));
    }

    #[test]
    fn trigger_authentication_in_the_inputs_supplies_parameters() {
        let with_auth = so(
            "",
            "      authModes: basic\n    authenticationRef:\n      name: prom-auth\n",
        );
        // Not in the inputs: assumed to provide what the trigger needs.
        assert_eq!(codes(&with_auth), vec![]);
        // In the inputs, but without `username`: basic auth cannot work.
        let ta = "---\napiVersion: keda.sh/v1alpha1\nkind: TriggerAuthentication\nmetadata:\n  \
                  name: prom-auth\n  namespace: llm\nspec:\n  secretTargetRef:\n  - {parameter: \
                  password, name: s, key: password}\n";
        let text = format!("{with_auth}{ta}");
        assert!(has(
            &text,
            Severity::Error,
            "invalid-trigger-metadata",
            "spec.triggers[0].authenticationRef"
        ));
        // A different TriggerAuthentication name than the one present.
        let renamed = text.replace(
            "name: prom-auth\n  namespace",
            "name: prom-basic\n  namespace",
        );
        assert!(has(
            &renamed,
            Severity::Warning,
            "missing-trigger-authentication",
            "spec.triggers[0].authenticationRef.name"
        ));
    }
}
